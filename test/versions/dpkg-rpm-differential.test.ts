/**
 * dpkg and rpm version order against the real tools: `dpkg --compare-versions` and rpm's own
 * labelCompare (Debian python3-rpm), ≥ 10,000 generated pairs each, no disagreement allowed.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { dpkg } from "../../src/versions/dpkg.js";
import { rpm } from "../../src/versions/rpm.js";
import { Gen } from "./os-generate.js";

const PAIRS = 10_000;

function dpkgVersion(g: Gen): string {
  const epoch = g.chance(0.25) ? `${g.pick(["0", "1", "2", "00", "10", "7"])}:` : "";
  let upstream = g.segments(".+~");
  if (g.chance(0.2)) upstream += g.pick(["~", "~rc1", "~~", "+dfsg", ".0", "+b1", "~beta2"]);
  const revision = g.chance(0.6)
    ? `-${g.segments(".+~")}${g.chance(0.2) ? g.pick(["~bpo1", "+deb12u1", "~"]) : ""}`
    : "";
  return epoch + upstream + revision;
}

function dpkgPairs(seed: number): [string, string][] {
  const g = new Gen(seed);
  const out: [string, string][] = [];
  while (out.length < PAIRS) {
    const a = dpkgVersion(g);
    const b = g.mutate(a, ["~", "a", "+1", ".0", "-1", "~~"]) || dpkgVersion(g);
    if (dpkg.isValid(a) && dpkg.isValid(b) && /^(\d+:)?\d/.test(a) && /^(\d+:)?\d/.test(b)) out.push([a, b]);
  }
  return out;
}

/** Runs dpkg on every pair, split over two shell processes; returns -1 / 0 / 1 per pair. */
async function dpkgTruth(pairs: [string, string][]): Promise<number[]> {
  const script = `while read -r a b; do
  if dpkg --compare-versions "$a" lt "$b"; then echo -1
  elif dpkg --compare-versions "$a" eq "$b"; then echo 0
  else echo 1; fi
done`;
  const half = Math.ceil(pairs.length / 2);
  const run = (chunk: [string, string][]) =>
    new Promise<number[]>((resolve, reject) => {
      const p = spawn("bash", ["-c", script], { stdio: ["pipe", "pipe", "pipe"] });
      let out = "";
      let err = "";
      p.stdout.on("data", (d) => {
        out += d;
      });
      p.stderr.on("data", (d) => {
        err += d;
      });
      p.on("close", (code) =>
        code === 0 ? resolve(out.trim().split("\n").map(Number)) : reject(new Error(err)),
      );
      p.stdin.end(chunk.map(([a, b]) => `${a} ${b}\n`).join(""));
    });
  const [x, y] = await Promise.all([run(pairs.slice(0, half)), run(pairs.slice(half))]);
  return [...x, ...y];
}

function rpmEvr(g: Gen): string {
  const epoch = g.chance(0.25) ? `${g.pick(["0", "1", "2", "10"])}:` : "";
  let version = g.segments("._+~^");
  if (g.chance(0.2)) version += g.pick(["~rc1", "^git123", "~", "^", ".0", "a"]);
  const release = g.chance(0.7)
    ? `-${g.segments("._~^")}${g.chance(0.3) ? g.pick([".el9", ".fc39", "~1", "^1"]) : ""}`
    : "";
  return epoch + version + release;
}

function rpmPairs(seed: number): [string, string][] {
  const g = new Gen(seed);
  const out: [string, string][] = [];
  while (out.length < PAIRS) {
    const a = rpmEvr(g);
    const b = g.mutate(a, ["~", "^", "a", ".1", "-1", "~~", "^1"]) || rpmEvr(g);
    if (a.split("-").length <= 2 && b.split("-").length <= 2 && !/[:-]$/.test(a + b)) out.push([a, b]);
  }
  return out;
}

/** rpm's labelCompare on (epoch, version, release); a missing part is None, as rpm parses EVRs. */
function rpmTruth(pairs: [string, string][]): number[] {
  const program = `import sys, rpm
def evr(s):
    e, _, rest = s.rpartition(":") if ":" in s else ("", "", s)
    v, dash, r = rest.rpartition("-") if "-" in rest else (rest, "", "")
    return (e or None, v, r if dash else None)
for line in sys.stdin:
    a, b = line.rstrip("\\n").split(" ")
    print(rpm.labelCompare(evr(a), evr(b)))
`;
  const r = spawnSync("/usr/bin/python3", ["-c", program], {
    input: pairs.map(([a, b]) => `${a} ${b}\n`).join(""),
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split("\n").map(Number);
}

function disagreements(
  pairs: [string, string][],
  truth: number[],
  ours: (a: string, b: string) => number,
): string[] {
  assert.equal(truth.length, pairs.length);
  const bad: string[] = [];
  pairs.forEach(([a, b], i) => {
    const mine = Math.sign(ours(a, b));
    if (mine !== truth[i]) bad.push(`${a} vs ${b}: tool ${truth[i]}, ours ${mine}`);
  });
  return bad;
}

function spread(truth: number[]): void {
  for (const sign of [-1, 0, 1]) {
    const share = truth.filter((t) => t === sign).length / truth.length;
    assert.ok(share > 0.05, `only ${(share * 100).toFixed(1)}% of pairs compare ${sign}`);
  }
}

describe("differential: dpkg", () => {
  it(`agrees with dpkg --compare-versions on ${PAIRS} generated pairs`, async () => {
    const pairs = dpkgPairs(20261123);
    const truth = await dpkgTruth(pairs);
    spread(truth);
    const bad = disagreements(pairs, truth, dpkg.compare);
    assert.deepEqual(bad.slice(0, 10), [], `${bad.length} disagreements`);
  });
});

describe("differential: rpm", () => {
  it(`agrees with rpm.labelCompare on ${PAIRS} generated pairs`, () => {
    const pairs = rpmPairs(42);
    const truth = rpmTruth(pairs);
    spread(truth);
    const bad = disagreements(pairs, truth, rpm.compare);
    assert.deepEqual(bad.slice(0, 10), [], `${bad.length} disagreements`);
  });
});
