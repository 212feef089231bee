// NuGetVersion rules. There is no .NET on the machine to compare against, so: a table checked by
// hand against NuGet's documented rules ("Package versioning" on learn.microsoft.com and the
// NuGet.Versioning sources), plus order properties over generated nasty versions.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { normalizeNuGet, nuget } from "../../src/versions/nuget.js";
import { evaluate } from "../../src/versions/ranges.js";
import { InvalidVersionError } from "../../src/versions/types.js";
import { prng } from "./prng.js";

const sign = (a: string, b: string) => Math.sign(nuget.compare(a, b));

function assertIncreasing(chain: string[]) {
  for (let i = 0; i < chain.length; i++) {
    for (let j = i + 1; j < chain.length; j++) {
      assert.equal(sign(chain[i]!, chain[j]!), -1, `${chain[i]} < ${chain[j]}`);
      assert.equal(sign(chain[j]!, chain[i]!), 1, `${chain[j]} > ${chain[i]}`);
    }
  }
}

describe("nuget: documented rules", () => {
  it("sorts pre-releases below the release, labels case-insensitively as text", () => {
    // The documentation's example, there listed from newest to oldest.
    assertIncreasing([
      "1.0.1-aaa",
      "1.0.1-alpha10",
      "1.0.1-alpha2",
      "1.0.1-beta",
      "1.0.1-open",
      "1.0.1-rc",
      "1.0.1-zzz",
      "1.0.1",
    ]);
  });

  it("follows SemVer 2.0.0 precedence for dotted labels", () => {
    assertIncreasing([
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-alpha.beta",
      "1.0.0-beta",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0-rc.1",
      "1.0.0",
    ]);
    // Numeric labels compare as numbers and sort below text labels.
    assertIncreasing(["1.0.0-2", "1.0.0-10", "1.0.0-2147483647", "1.0.0-0a", "1.0.0-a"]);
    // A label beyond Int32 is text: '9' sorts below 'a'.
    assertIncreasing(["1.0.0-a.2147483647", "1.0.0-a.2147483648", "1.0.0-a.a"]);
  });

  it("compares labels case-insensitively, unlike SemVer", () => {
    assert.equal(sign("1.0.0-Beta", "1.0.0-beta"), 0);
    assert.equal(sign("1.0.0-RC.1", "1.0.0-rc.1"), 0);
    assert.equal(sign("1.0.0-RC", "1.0.0-alpha"), 1);
  });

  it("treats missing parts, leading zeros and a zero revision as equal", () => {
    for (const [a, b] of [
      ["1", "1.0.0"],
      ["1.0", "1.0.0.0"],
      ["1.00", "1.0"],
      ["1.01.1", "1.1.1"],
      ["1.00.0.1", "1.0.0.1"],
      ["1.0.01.0", "1.0.1"],
      [" 1.2.3 ", "1.2.3"],
    ]) {
      assert.equal(sign(a!, b!), 0, `${a} == ${b}`);
    }
    assert.equal(normalizeNuGet("1.00.0.1"), "1.0.0.1");
    assert.equal(normalizeNuGet("1.0.01.0"), "1.0.1");
    assert.equal(normalizeNuGet("01.2-Beta+sha.5"), "1.2.0-Beta");
  });

  it("orders the fourth (Revision) part", () => {
    assertIncreasing(["1.0.0", "1.0.0.1-beta", "1.0.0.1", "1.0.0.2", "1.0.0.10", "1.0.1"]);
  });

  it("ignores metadata", () => {
    assert.equal(sign("1.0.7+r3456", "1.0.7"), 0);
    assert.equal(sign("1.0.0-beta+a", "1.0.0-beta+b"), 0);
    assert.equal(sign("1.0.0+a-b", "1.0.0"), 0);
  });

  it("reads an Int32 label with a sign as a number, as int.TryParse does", () => {
    assert.equal(sign("1.0.0--1", "1.0.0-0"), -1);
    assert.equal(sign("1.0.0--0", "1.0.0-0"), 0);
  });

  it("compares numbers beyond 2^53 nowhere: each part is an Int32", () => {
    assert.equal(nuget.isValid("2147483647.0"), true);
    assert.equal(nuget.isValid("2147483648.0"), false);
    assert.equal(nuget.isValid("9007199254740993"), false);
    assert.equal(
      sign("2147483647.2147483647.2147483647.2147483647", "2147483647.2147483647.2147483647.2147483646"),
      1,
    );
  });

  it("validates like NuGetVersion.TryParse", () => {
    const valid = [
      "1",
      "1.0",
      "01.02",
      "1.2.3.4",
      "1.0.0-0",
      "1.0.0-0a",
      "1.0.0-a-b",
      "1.0.0--",
      "1.0.0+01",
      "1.0.0+a-b.c",
      "1.0.0-beta.1+build.2",
      "1.0+meta-with-dash",
      " 1.0 ",
      "1. 2",
    ];
    const invalid = [
      "",
      " ",
      "1.0.0-01",
      "1.0.0-",
      "1.0.0+",
      "1.0.0-a+",
      "1.0.0-a..b",
      "1.0.0-.a",
      "1.2.3.4.5",
      "a.b",
      "v1.0",
      "1.0.0-a_b",
      "1.0.0+meta!",
      "1..2",
      "1.",
      ".1",
      "-1.0",
      "+1.0",
      "1.0.0-é",
      "1.2-a+b+c",
      "1.\u0661",
    ];
    for (const v of valid) assert.equal(nuget.isValid(v), true, JSON.stringify(v));
    for (const v of invalid) {
      assert.equal(nuget.isValid(v), false, JSON.stringify(v));
      assert.throws(() => nuget.compare(v, "1.0"), InvalidVersionError);
    }
  });
});

const NUMBERS = [
  "0",
  "00",
  "1",
  "01",
  "2",
  "10",
  "010",
  "2147483647",
  "02147483647",
  "2147483648",
  "9007199254740993",
];
const LABELS = [
  "alpha",
  "Alpha",
  "ALPHA",
  "beta",
  "rc",
  "RC",
  "a",
  "A",
  "0",
  "00",
  "01",
  "1",
  "2",
  "10",
  "-1",
  "-0",
  "-00",
  "99999999999",
  "2147483647",
  "2147483648",
  "-2147483648",
  "-2147483649",
  "a-b",
  "-",
  "--",
  "x1",
  "1x",
  "0a",
  "",
  "a_b",
  "pre",
];
const METADATA = ["", "+build.1", "+01", "+a.b", "+", "+a..b", "+A-B", "+x_y"];
const PADDING = ["", "", "", "", " ", "\t", "\u00a0"];

function randomVersion(r: ReturnType<typeof prng>): string {
  const parts = Array.from({ length: 1 + r.int(r.next() < 0.95 ? 4 : 5) }, () =>
    r.next() < 0.7 ? String(r.int(4)) : r.pick(NUMBERS),
  );
  let v = parts.join(".");
  if (r.next() < 0.6) {
    const labels = Array.from({ length: 1 + r.int(3) }, () =>
      r.next() < 0.5 ? String(r.int(12)) : r.pick(LABELS),
    );
    v += `-${labels.join(".")}`;
  }
  if (r.next() < 0.2) v += r.pick(METADATA);
  if (r.next() < 0.1) v = r.pick(PADDING) + v + r.pick(PADDING);
  if (r.next() < 0.05) v = v.toUpperCase();
  return v;
}

/** An independent statement of the equality rule: numbers, then labels (Int32 or lower-cased). */
function equalityKey(v: string): string {
  const trimmed = v.trim().split("+")[0]!;
  const dash = trimmed.indexOf("-");
  const core = dash === -1 ? trimmed : trimmed.slice(0, dash);
  const numbers = [...core.split(".").map((n) => String(Number(n))), "0", "0", "0"].slice(0, 4);
  if (dash === -1) return numbers.join(".");
  const labels = trimmed
    .slice(dash + 1)
    .split(".")
    .map((l) =>
      /^-?\d+$/.test(l) && Number(l) >= -2147483648 && Number(l) <= 2147483647
        ? `#${Number(l) + 0}`
        : l.toLowerCase(),
    );
  return `${numbers.join(".")}-${labels.join(".")}`;
}

/** A spelling of `v` that NuGet should (mostly) consider equal: the equal pairs need company. */
function variant(r: ReturnType<typeof prng>, v: string): string {
  switch (r.int(5)) {
    case 0:
      return v.replace(/^(\d+(?:\.\d+){0,2})(?![.\d])/, "$1.0");
    case 1:
      return `${v}+meta.${r.int(100)}`;
    case 2:
      return r.next() < 0.5 ? v.toUpperCase() : v.toLowerCase();
    case 3:
      return `0${v}`;
    default:
      return v.replace(/-(\d+)/, "-0$1");
  }
}

describe("nuget: order properties on generated versions", () => {
  const r = prng(0xc0ffee);
  const generated: string[] = [];
  while (generated.length < 3000) {
    const v = generated.length > 0 && r.next() < 0.4 ? variant(r, r.pick(generated)) : randomVersion(r);
    generated.push(v);
  }
  const valid = [...new Set(generated.filter((v) => nuget.isValid(v)))].slice(0, 600);

  it("the generator yields both valid and invalid versions", () => {
    assert.ok(valid.length >= 600, `only ${valid.length} valid`);
    assert.ok(generated.length - generated.filter((v) => nuget.isValid(v)).length > 300);
  });

  it("is reflexive and antisymmetric", () => {
    const bad: string[] = [];
    for (const a of valid) {
      if (nuget.compare(a, a) !== 0) bad.push(`${a} != itself`);
      for (const b of valid) {
        if (sign(a, b) !== -sign(b, a)) bad.push(`${a} vs ${b}`);
      }
    }
    assert.deepEqual(bad.slice(0, 10), []);
  });

  it("is transitive: sorting gives a chain consistent with every pair", () => {
    const sorted = [...valid].sort(nuget.compare);
    const bad: string[] = [];
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length; j++) {
        if (nuget.compare(sorted[i]!, sorted[j]!) > 0)
          bad.push(`${sorted[i]} > ${sorted[j]} but sorted before it`);
      }
    }
    assert.deepEqual(bad.slice(0, 10), []);
  });

  it("calls two versions equal exactly when numbers and labels match (case-insensitively)", () => {
    const bad: string[] = [];
    let equalPairs = 0;
    for (const a of valid) {
      for (const b of valid) {
        const same = nuget.compare(a, b) === 0;
        if (same) equalPairs++;
        if (same !== (equalityKey(a) === equalityKey(b)))
          bad.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      }
    }
    assert.deepEqual(bad.slice(0, 10), []);
    assert.ok(equalPairs > valid.length * 2, `only ${equalPairs} equal pairs`);
  });

  it("never throws anything but InvalidVersionError, and only for invalid input", () => {
    for (const v of generated) {
      try {
        nuget.compare(v, "1.0");
        assert.ok(nuget.isValid(v), v);
      } catch (e) {
        assert.ok(e instanceof InvalidVersionError, String(e));
        assert.ok(!nuget.isValid(v), v);
      }
    }
  });
});

describe("nuget: hostile input", () => {
  it("long strings are decided in linear time", () => {
    const inputs = [
      `${" ".repeat(100_000)}x${" ".repeat(100_000)}x`,
      `${"1".repeat(200_000)}x`,
      `1.${"a.".repeat(100_000)}!`,
      `1-${"-".repeat(200_000)}!`,
      `1.0-${"a.".repeat(100_000)}+`,
      `1.0-${"1".repeat(100_000)}`,
    ];
    const start = performance.now();
    for (const v of inputs) {
      nuget.isValid(v);
      try {
        nuget.compare(v, v);
      } catch (e) {
        assert.ok(e instanceof InvalidVersionError);
      }
    }
    assert.ok(performance.now() - start < 2000, `took ${performance.now() - start} ms`);
  });
});

describe("nuget: OSV range evaluation", () => {
  const range = (...events: Record<string, string>[]) => ({ ranges: [{ type: "ECOSYSTEM", events }] });

  it("introduced/fixed across pre-releases and revisions", () => {
    const r = range(
      { introduced: "0" },
      { fixed: "4.3.1" },
      { introduced: "5.0.0-preview.1" },
      { fixed: "5.0.0.1" },
    );
    assert.deepEqual(evaluate(nuget, "4.3.0", r), { affected: true, fixedVersion: "4.3.1" });
    assert.deepEqual(evaluate(nuget, "4.3.1-beta", r), { affected: true, fixedVersion: "4.3.1" });
    assert.deepEqual(evaluate(nuget, "4.3.1.0", r), { affected: false });
    assert.deepEqual(evaluate(nuget, "5.0.0-PREVIEW.2", r), { affected: true, fixedVersion: "5.0.0.1" });
    assert.deepEqual(evaluate(nuget, "5.0.0", r), { affected: true, fixedVersion: "5.0.0.1" });
    assert.deepEqual(evaluate(nuget, "5.0.0.1+build", r), { affected: false });
  });

  it("explicit versions match after normalization", () => {
    assert.equal(evaluate(nuget, "1.02.0.0", { versions: ["1.2"] }).affected, true);
    assert.equal(evaluate(nuget, "1.2.0-rc", { versions: ["1.2"] }).affected, false);
  });
});
