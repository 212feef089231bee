/**
 * SemVer (and npm ranges) against the npm `semver` package, PEP 440 against Python's
 * `packaging.version` (Debian python3-packaging): ≥ 10,000 generated pairs each.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import npmSemver from "semver";
import { pep440 } from "../../src/versions/pep440.js";
import { satisfiesNpmRange, semver } from "../../src/versions/semver.js";
import { Gen } from "./os-generate.js";

const PAIRS = 10_000;

function semverString(g: Gen): string {
  const num = () => (g.chance(0.1) ? g.pick(["9007199254740993", "0", "10", "01"]) : String(g.int(12)));
  let v = `${g.chance(0.05) ? "v" : ""}${num()}.${num()}.${num()}`;
  if (g.chance(0.5)) {
    const ids = [];
    for (let i = 0, n = 1 + g.int(3); i < n; i++) {
      ids.push(
        g.pick(["alpha", "beta", "rc", "0", "1", "11", "2", "x-y", "a1", "01", "9007199254740993", "Alpha"]),
      );
    }
    v += `-${ids.join(".")}`;
  }
  if (g.chance(0.2)) v += `+${g.pick(["build", "001", "sha.5114f85", "x"])}`;
  return v;
}

function semverRange(g: Gen): string {
  const part = () => {
    const v = `${g.int(4)}.${g.pick([String(g.int(4)), "x", "*"])}.${g.pick([String(g.int(4)), "x"])}`;
    const pre = g.chance(0.2) ? `-${g.pick(["alpha", "beta.1", "rc.2", "0"])}` : "";
    const clean = v.replace(/\.(x|\*)(\..*)?$/, ".x");
    const r = g.next();
    if (r < 0.2) return `^${clean.includes("x") ? clean : v + pre}`;
    if (r < 0.4) return `~${clean.includes("x") ? clean : v + pre}`;
    if (r < 0.55)
      return `${g.pick([">=", "<", ">", "<=", "="])}${clean.includes("x") ? `${g.int(4)}.${g.int(4)}.${g.int(4)}` : v + pre}`;
    if (r < 0.65)
      return `${g.int(3)}.${g.int(3)}.${g.int(3)} - ${2 + g.int(3)}.${g.pick([String(g.int(3)), "x"])}`;
    if (r < 0.75) return clean;
    return `>=${g.int(3)}.${g.int(3)}.${g.int(3)}${pre} <${2 + g.int(3)}.${g.int(3)}.${g.int(3)}`;
  };
  const alts = [part()];
  if (g.chance(0.3)) alts.push(part());
  return alts.join(" || ");
}

function pep440String(g: Gen): string {
  let v = "";
  if (g.chance(0.1)) v += `${g.pick(["1", "0", "2"])}!`;
  if (g.chance(0.05)) v = `v${v}`;
  const parts = [];
  for (let i = 0, n = 1 + g.int(4); i < n; i++) parts.push(g.number());
  v += parts.join(".");
  if (g.chance(0.35)) {
    v +=
      g.pick(["", ".", "-", "_"]) +
      g.pick(["a", "b", "rc", "c", "alpha", "beta", "pre", "preview", "A", "RC"]);
    if (g.chance(0.8)) v += g.pick(["", ".", "-"]) + g.number();
  }
  if (g.chance(0.25))
    v += g.chance(0.3)
      ? `-${g.int(5)}`
      : g.pick([".post", "post", "-post", ".rev", "r", "_post"]) + (g.chance(0.7) ? String(g.int(5)) : "");
  if (g.chance(0.25)) v += g.pick([".dev", "dev", "-dev", "_dev"]) + (g.chance(0.7) ? String(g.int(5)) : "");
  if (g.chance(0.15)) v += `+${g.pick(["ubuntu1", "local.7", "abc.1.2", "1", "0a", "Deb-9"])}`;
  if (g.chance(0.03)) v += g.pick(["..", "+", "-", "a.b", "$"]);
  return v;
}

function hugeCore(v: string): boolean {
  const core = v.replace(/^v/, "").split(/[-+]/)[0]!;
  return core.split(".").some((n) => n.length > 15 && BigInt(n) > BigInt(Number.MAX_SAFE_INTEGER));
}

describe("differential: semver", () => {
  it(`compare and validity agree with npm semver on ${PAIRS} pairs`, () => {
    const g = new Gen(7);
    const bad: string[] = [];
    let compared = 0;
    let generated = 0;
    while (compared < PAIRS) {
      generated++;
      const a = semverString(g);
      const b = g.mutate(a, ["-0", ".1", "-alpha", "+b", "-rc.1"]) || semverString(g);
      // npm refuses major/minor/patch above 2^53 (a JavaScript-number limit, not SemVer's
      // grammar; crates and Go modules allow them), so such versions are not compared with it.
      if (hugeCore(a) || hugeCore(b)) continue;
      const validA = npmSemver.valid(a) !== null;
      const validB = npmSemver.valid(b) !== null;
      if (semver.isValid(a) !== validA) bad.push(`valid(${a}): semver ${validA}, ours ${!validA}`);
      if (!validA || !validB) continue;
      compared++;
      const truth = npmSemver.compare(a, b);
      const ours = Math.sign(semver.compare(a, b));
      if (truth !== ours) bad.push(`${a} vs ${b}: semver ${truth}, ours ${ours}`);
    }
    // Invalid strings (leading zeros, …) were checked for validity only.
    assert.ok(generated > compared, "the generator produced no invalid versions");
    assert.deepEqual(bad.slice(0, 10), [], `${bad.length} disagreements`);
  });

  it("npm ranges agree with semver.satisfies on 3,000 generated cases", () => {
    const g = new Gen(11);
    const bad: string[] = [];
    let satisfied = 0;
    for (let i = 0; i < 3000; i++) {
      const range = semverRange(g);
      const version = `${g.int(5)}.${g.int(5)}.${g.int(5)}${g.chance(0.3) ? `-${g.pick(["alpha", "beta.1", "rc.2", "0"])}` : ""}`;
      if (npmSemver.validRange(range) === null) continue;
      const truth = npmSemver.satisfies(version, range);
      if (truth) satisfied++;
      const ours = satisfiesNpmRange(version, range);
      if (truth !== ours) bad.push(`${version} in "${range}": semver ${truth}, ours ${ours}`);
    }
    assert.ok(satisfied > 300, `only ${satisfied} satisfied cases`);
    assert.deepEqual(bad.slice(0, 10), [], `${bad.length} disagreements`);
  });
});

describe("differential: PEP 440", () => {
  it(`compare and validity agree with packaging.version on ${PAIRS} pairs`, () => {
    const g = new Gen(99);
    const pairs: [string, string][] = [];
    for (let i = 0; i < PAIRS * 1.25; i++) {
      const a = pep440String(g);
      pairs.push([a, g.mutate(a, [".0", "a1", ".post1", ".dev0", "+local", "rc1"]) || pep440String(g)]);
    }
    const program = `import sys
from packaging.version import Version, InvalidVersion
def parse(s):
    try:
        return Version(s)
    except InvalidVersion:
        return None
for line in sys.stdin:
    a, b = line.rstrip("\\n").split("\\t")
    x, y = parse(a), parse(b)
    if x is None or y is None:
        print("invalid", int(x is not None), int(y is not None))
    else:
        print((x > y) - (x < y))
`;
    const r = spawnSync("/usr/bin/python3", ["-c", program], {
      input: pairs.map(([a, b]) => `${a}\t${b}\n`).join(""),
      encoding: "utf8",
      maxBuffer: 64 << 20,
    });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.equal(lines.length, pairs.length);
    const bad: string[] = [];
    let compared = 0;
    pairs.forEach(([a, b], i) => {
      const line = lines[i]!;
      if (line.startsWith("invalid")) {
        const [, va, vb] = line.split(" ");
        if (pep440.isValid(a) !== (va === "1")) bad.push(`valid(${a}): packaging ${va === "1"}`);
        if (pep440.isValid(b) !== (vb === "1")) bad.push(`valid(${b}): packaging ${vb === "1"}`);
        return;
      }
      compared++;
      const ours = Math.sign(pep440.compare(a, b));
      if (ours !== Number(line)) bad.push(`${a} vs ${b}: packaging ${line}, ours ${ours}`);
    });
    assert.ok(compared >= PAIRS, `only ${compared} valid pairs`);
    assert.deepEqual(bad.slice(0, 10), [], `${bad.length} disagreements`);
  });
});
