/**
 * Exact decimal arithmetic for the CVSS v2/v3 equations.
 *
 * Every constant in those equations is a short decimal and the equations only add, subtract,
 * multiply, take minima and raise to integer powers, so every intermediate value is an exact
 * decimal. Computing with them exactly (BigInt mantissa + decimal scale) makes the rounding steps
 * behave as the specifications define them ("round up to one decimal", "round to one decimal")
 * instead of depending on binary floating-point artefacts such as 8.3 + 1.7 × 0.5 = 9.149999….
 */

const POW10: bigint[] = [1n];
function pow10(n: number): bigint {
  for (let i = POW10.length; i <= n; i++) POW10.push(POW10[i - 1]! * 10n);
  return POW10[n]!;
}

export class Dec {
  /** The value is `units / 10^scale`. */
  private constructor(
    readonly units: bigint,
    readonly scale: number,
  ) {}

  static readonly ZERO = new Dec(0n, 0);
  static readonly ONE = new Dec(1n, 0);

  /** Parses a plain decimal literal such as "0.85", "10.41" or "-1.5". */
  static of(literal: string): Dec {
    const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(literal);
    if (!m) throw new Error(`not a decimal literal: ${literal}`);
    const frac = m[3] ?? "";
    const units = BigInt(m[2]! + frac);
    return new Dec(m[1] ? -units : units, frac.length);
  }

  static int(n: number): Dec {
    return new Dec(BigInt(n), 0);
  }

  private at(scale: number): bigint {
    return this.units * pow10(scale - this.scale);
  }

  add(o: Dec): Dec {
    const s = Math.max(this.scale, o.scale);
    return new Dec(this.at(s) + o.at(s), s);
  }

  sub(o: Dec): Dec {
    const s = Math.max(this.scale, o.scale);
    return new Dec(this.at(s) - o.at(s), s);
  }

  mul(o: Dec): Dec {
    return new Dec(this.units * o.units, this.scale + o.scale);
  }

  pow(n: number): Dec {
    let r: Dec = Dec.ONE;
    for (let i = 0; i < n; i++) r = r.mul(this);
    return r;
  }

  cmp(o: Dec): number {
    const s = Math.max(this.scale, o.scale);
    const a = this.at(s);
    const b = o.at(s);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  min(o: Dec): Dec {
    return this.cmp(o) <= 0 ? this : o;
  }

  isPositive(): boolean {
    return this.units > 0n;
  }

  /** Rounded to `digits` decimals, halves away from zero (the usual "round to one decimal"). */
  round(digits: number): Dec {
    if (this.scale <= digits) return this;
    const d = pow10(this.scale - digits);
    const abs = this.units < 0n ? -this.units : this.units;
    const q = (abs * 2n + d) / (2n * d);
    return new Dec(this.units < 0n ? -q : q, digits);
  }

  /** The smallest number with `digits` decimals that is >= this value (exact ceiling). */
  ceil(digits: number): Dec {
    if (this.scale <= digits) return this;
    const d = pow10(this.scale - digits);
    let q = this.units / d; // truncates toward zero
    if (q * d !== this.units && this.units > 0n) q += 1n;
    return new Dec(q, digits);
  }

  toNumber(): number {
    if (this.scale === 0) return Number(this.units);
    // Rounding to 15 significant decimals first keeps the conversion exact for short results.
    return Number(this.round(Math.min(this.scale, 15)).toString());
  }

  toString(): string {
    if (this.scale === 0) return this.units.toString();
    const neg = this.units < 0n;
    const digits = (neg ? -this.units : this.units).toString().padStart(this.scale + 1, "0");
    const cut = digits.length - this.scale;
    return `${neg ? "-" : ""}${digits.slice(0, cut)}.${digits.slice(cut)}`;
  }
}
