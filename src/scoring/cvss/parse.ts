import { CvssError } from "./types.js";

export type MetricGroup = "base" | "temporal" | "environmental" | "supplemental";

export interface MetricDef {
  readonly name: string;
  readonly group: MetricGroup;
  /** Allowed values; for optional metrics this includes the "not defined" value (X or ND). */
  readonly values: readonly string[];
}

/** The metrics of one CVSS version, in the canonical (specification) order. */
export class MetricSet {
  readonly byName: ReadonlyMap<string, MetricDef>;

  constructor(
    /** Used in messages and as the vector prefix, e.g. "CVSS:3.1". */
    readonly label: string,
    readonly defs: readonly MetricDef[],
    /** "X" for v3/v4, "ND" for v2. */
    readonly notDefined: string,
  ) {
    this.byName = new Map(defs.map((d) => [d.name, d]));
  }

  fail(problem: string): never {
    throw new CvssError(`${this.label} vector: ${problem}`);
  }

  /** Checks one metric name/value pair, failing with a message naming the metric. */
  check(name: string, value: string): MetricDef {
    const def = this.byName.get(name);
    if (!def) this.fail(`unknown metric ${name}`);
    if (!def.values.includes(value)) {
      this.fail(`metric ${name} has unknown value ${value} (expected one of ${def.values.join(", ")})`);
    }
    return def;
  }

  /**
   * Reads `K:V/K:V/...` (the part after the prefix) strictly: every component well formed, known
   * metrics with known values, none repeated, every base metric present. Any order is accepted
   * (vectors published out of order exist; the v4 specification is not consistent on ordering);
   * the result is in canonical order.
   */
  parse(body: string): Map<string, string> {
    if (body === "") this.fail("no metrics");
    const given = new Map<string, string>();
    for (const part of body.split("/")) {
      if (part === "") this.fail('empty metric (stray "/")');
      const m = /^([A-Za-z]+):([A-Za-z]+)$/.exec(part);
      if (!m) this.fail(`malformed metric "${part}" (expected NAME:VALUE)`);
      const name = m[1]!;
      const value = m[2]!;
      if (given.has(name)) this.fail(`metric ${name} repeated`);
      this.check(name, value);
      given.set(name, value);
    }
    return this.canonical(given);
  }

  /** The metrics in canonical order; fails when a base metric is missing. */
  canonical(given: ReadonlyMap<string, string>): Map<string, string> {
    const out = new Map<string, string>();
    for (const def of this.defs) {
      const v = given.get(def.name);
      if (v !== undefined) out.set(def.name, v);
      else if (def.group === "base") this.fail(`metric ${def.name} missing`);
    }
    return out;
  }

  /** Whether some metric of the group is given a value other than "not defined". */
  hasGroup(metrics: ReadonlyMap<string, string>, group: MetricGroup): boolean {
    return this.defs.some((d) => {
      if (d.group !== group) return false;
      const v = metrics.get(d.name);
      return v !== undefined && v !== this.notDefined;
    });
  }

  /** `K:V/K:V` in canonical order. */
  format(metrics: ReadonlyMap<string, string>): string {
    return [...metrics].map(([k, v]) => `${k}:${v}`).join("/");
  }
}

export function metric(name: string, group: MetricGroup, values: string): MetricDef {
  return { name, group, values: values.split(" ") };
}
