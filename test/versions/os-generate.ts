import { prng } from "./prng.js";

/**
 * Seeded generators of nasty version strings for the differential tests: the same seed gives the
 * same cases, so a disagreement reproduces.
 */
export class Gen {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed).next;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Numbers as text: small, with leading zeros, or beyond 2^53. */
  number(): string {
    const r = this.next();
    if (r < 0.55) return String(this.int(10));
    if (r < 0.75) return String(this.int(1000));
    if (r < 0.85) return "0".repeat(1 + this.int(3)) + String(this.int(100));
    if (r < 0.95)
      return this.pick([
        "9007199254740993",
        "9007199254740992",
        "18446744073709551617",
        "99999999999999999999",
      ]);
    return String(this.int(100000000));
  }
  letters(): string {
    const pool = "abcxyzABZ";
    let s = "";
    for (let i = 0, n = 1 + this.int(3); i < n; i++) s += pool[this.int(pool.length)];
    return s;
  }
  /** A run of alternating number / letter / separator segments. */
  segments(separators: string, letters = true): string {
    let s = this.number();
    for (let i = 0, n = this.int(5); i < n; i++) {
      const r = this.next();
      if (r < 0.5) s += this.pick([...separators]) + this.number();
      else if (r < 0.75 && letters) s += this.letters();
      else if (r < 0.9) s += this.pick([...separators]) + (letters ? this.letters() : this.number());
      else s += this.number();
    }
    return s;
  }
  /** A second version close to the first, so that ties and near-ties are common. */
  mutate(v: string, extras: readonly string[]): string {
    const r = this.next();
    if (r < 0.15) return v;
    if (r < 0.3) return v + this.pick(extras);
    if (r < 0.45)
      return v.replace(/\d+/, (d) => (this.chance(0.5) ? `0${d}` : String(Number(d.slice(0, 6)) + 1)));
    if (r < 0.6)
      return v.replace(/[a-zA-Z]/, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()));
    if (r < 0.7) return v.slice(0, Math.max(1, v.length - 1 - this.int(3)));
    return "";
  }
}
