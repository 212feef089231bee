/**
 * Composer versions: PHP's version_compare against PHP itself (Debian php-cli), 10,000 pairs,
 * and Composer's normalization on documented cases.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { composer, normalizeComposer, phpVersionCompare } from "../../src/versions/composer.js";
import { evaluate } from "../../src/versions/ranges.js";
import { prng } from "./prng.js";

const PAIRS = 10_000;

function generate(seed: number): [string, string][] {
  const r = prng(seed);
  const part = () =>
    r.pick([
      () => String(r.int(20)),
      () => `0${r.int(10)}`,
      () =>
        r.pick(["dev", "alpha", "a", "beta", "b", "RC", "rc", "pl", "p", "patch", "x", "stable", "#", "abc"]),
      () => `${r.int(5)}${r.pick(["a", "b", "rc", "dev", "pl"])}${r.int(3)}`,
      () => String(r.pick([9223372036854775807n, 9223372036854775808n, 99999999999999999999n])),
    ])();
  const sep = () => r.pick([".", ".", ".", "-", "_", "+", "", ".."]);
  const version = () => {
    let v = part();
    for (let i = 0, n = r.int(4); i < n; i++) v += sep() + part();
    return v;
  };
  const out: [string, string][] = [];
  while (out.length < PAIRS) {
    const a = version();
    const b =
      r.next() < 0.4 ? a + sep() + part() : r.next() < 0.5 ? a.replace(/\d/, String(r.int(10))) : version();
    if (!a.includes("\t") && !b.includes("\t")) out.push([a, b]);
  }
  return out;
}

describe("differential: PHP version_compare", () => {
  it(`agrees with PHP on ${PAIRS} generated pairs`, () => {
    const pairs = generate(4242);
    const php = spawnSync(
      "php",
      [
        "-r",
        'while (($l = fgets(STDIN)) !== false) { [$a, $b] = explode("\\t", rtrim($l, "\\n")); echo version_compare($a, $b), "\\n"; }',
      ],
      { input: pairs.map(([a, b]) => `${a}\t${b}\n`).join(""), encoding: "utf8", maxBuffer: 64 << 20 },
    );
    assert.equal(php.status, 0, php.stderr);
    const truth = php.stdout.trim().split("\n").map(Number);
    assert.equal(truth.length, pairs.length);
    for (const sign of [-1, 0, 1])
      assert.ok(truth.filter((t) => t === sign).length > PAIRS * 0.05, `too few ${sign}`);
    const bad: string[] = [];
    pairs.forEach(([a, b], i) => {
      const ours = phpVersionCompare(a, b);
      if (ours !== truth[i])
        bad.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}: php ${truth[i]}, ours ${ours}`);
    });
    assert.deepEqual(bad.slice(0, 10), [], `${bad.length} disagreements`);
  });
});

describe("Composer versions", () => {
  it("normalizes as Composer's VersionParser does", () => {
    assert.equal(normalizeComposer("v1.2"), "1.2.0.0");
    assert.equal(normalizeComposer("1.0.0-beta2"), "1.0.0.0-beta2");
    assert.equal(normalizeComposer("1.0-b.2"), "1.0.0.0-beta2");
    assert.equal(normalizeComposer("2.1.3-RC1"), "2.1.3.0-RC1");
    assert.equal(normalizeComposer("1.0.0-pl3"), "1.0.0.0-patch3");
    assert.equal(normalizeComposer("1.0.0-dev"), "1.0.0.0-dev");
    assert.equal(normalizeComposer("dev-main"), undefined);
  });

  it("orders releases, pre-releases and patches, and evaluates OSV ranges", () => {
    const asc = [
      "1.0.0-dev",
      "1.0.0-alpha1",
      "1.0.0-beta2",
      "1.0.0-RC1",
      "1.0.0",
      "1.0.0-pl1",
      "1.0.1",
      "v1.10",
    ];
    for (let i = 1; i < asc.length; i++)
      assert.ok(composer.compare(asc[i - 1]!, asc[i]!) < 0, `${asc[i - 1]} < ${asc[i]}`);
    assert.equal(composer.compare("1.2", "1.2.0.0"), 0);
    const range = { ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "2.5.3" }] }] };
    assert.deepEqual(evaluate(composer, "2.5.2", range), { affected: true, fixedVersion: "2.5.3" });
    assert.deepEqual(evaluate(composer, "v2.5.3", range), { affected: false });
  });
});
