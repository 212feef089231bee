// Differential test: our ComparableVersion against the real one in Debian's maven-artifact jar
// (libmaven3-core-java), run through a small Java program in a single JVM for all pairs.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { maven, mavenItems } from "../../src/versions/maven.js";
import { repoRoot } from "../support/fixtures.js";
import { prng } from "./prng.js";

const JAR = "/usr/share/java/maven-artifact-3.x.jar";
const ORACLE = join(repoRoot, "test/fixtures/versions/MavenCompare.java");
const PAIRS = 12_000;

// Numbers around every boundary Maven cares about: Int (9 digits) / Long (18) / BigInteger,
// 2^31, 2^53, 2^63, 2^64, leading zeros, all-zero runs long enough to become a Long, and
// non-ASCII decimal digits (Character.isDigit is Unicode-aware).
const NUMBERS = [
  "0",
  "00",
  "000",
  "1",
  "01",
  "001",
  "2",
  "9",
  "10",
  "11",
  "007",
  "123",
  "999999999",
  "0999999999",
  "1000000000",
  "2147483647",
  "2147483648",
  "4294967296",
  "9007199254740992",
  "9007199254740993",
  "999999999999999999",
  "0999999999999999999",
  "1000000000000000000",
  "9223372036854775807",
  "9223372036854775808",
  "18446744073709551616",
  "12345678901234567890123",
  "0000000000",
  "000000000000000000000",
  "00000000000000000001",
  "\u0661\u0662",
  "\u0660",
  "\u0663",
  "\uff15",
  "\u0966",
  "0\u0660",
  "\u0669\u0669\u0669\u0669\u0669\u0669\u0669\u0669\u0669\u0669",
] as const;

const WORDS = [
  "alpha",
  "Alpha",
  "ALPHA",
  "a",
  "A",
  "b",
  "B",
  "m",
  "M",
  "beta",
  "Beta",
  "milestone",
  "MILESTONE",
  "rc",
  "RC",
  "cr",
  "CR",
  "Cr",
  "snapshot",
  "SNAPSHOT",
  "Snapshot",
  "ga",
  "GA",
  "final",
  "FINAL",
  "Final",
  "release",
  "Release",
  "sp",
  "SP",
  "x",
  "z",
  "foo",
  "abc",
  "pre",
  "dev",
  "_",
  "\u00e4",
  "\u00c4",
  "\u0130",
  "\u00df",
  "\ufb01",
  "\u03a9",
  "\u01c4",
  "alphabeta",
  "rcx",
  "spx",
  "c",
  "d",
  "l",
  "n",
] as const;

const SEPARATORS = [
  ".",
  ".",
  ".",
  ".",
  "-",
  "-",
  "-",
  "",
  "",
  "_",
  "+",
  "..",
  "--",
  ".-",
  "-.",
  "~",
] as const;

function randomNumber(r: ReturnType<typeof prng>): string {
  if (r.next() < 0.6) return r.pick(NUMBERS);
  const length = 1 + r.int(r.next() < 0.7 ? 3 : 24);
  let s = r.next() < 0.2 ? "0".repeat(1 + r.int(3)) : "";
  for (let i = 0; i < length; i++) s += String(r.int(10));
  return s;
}

const randomToken = (r: ReturnType<typeof prng>) => (r.next() < 0.55 ? randomNumber(r) : r.pick(WORDS));

function randomTokens(r: ReturnType<typeof prng>): string[] {
  const tokens: string[] = [];
  if (r.next() < 0.05) tokens.push(r.pick(SEPARATORS));
  const n = 1 + r.int(6);
  for (let i = 0; i < n; i++) {
    if (i > 0) tokens.push(r.pick(SEPARATORS));
    tokens.push(randomToken(r));
  }
  if (r.next() < 0.08) tokens.push(r.pick(SEPARATORS));
  return tokens;
}

const SUFFIXES = [
  ".0",
  "-0",
  ".0.0",
  "-ga",
  "-final",
  ".release",
  "-",
  ".",
  "-0.0",
  "-SNAPSHOT",
  "-sp",
  "-1",
  "a",
];

/** A second version close to the first, so equal and nearly equal pairs are common. */
function mutate(r: ReturnType<typeof prng>, tokens: string[]): string {
  const t = [...tokens];
  switch (r.int(7)) {
    case 0:
      return t.join("");
    case 1:
      return t.join("") + r.pick(SUFFIXES);
    case 2:
      return t.join("").toUpperCase();
    case 3: {
      const i = r.int(t.length);
      t[i] = /^[0-9]+$/.test(t[i]!) ? `0${t[i]}` : randomToken(r);
      return t.join("");
    }
    case 4: {
      const i = r.int(t.length);
      t[i] = r.pick(SEPARATORS);
      return t.join("");
    }
    case 5:
      t.splice(r.int(t.length + 1), 0, randomToken(r), r.pick(SEPARATORS));
      return t.join("");
    default:
      return randomTokens(r).join("");
  }
}

function generatePairs(seed: number, count: number): [string, string][] {
  const r = prng(seed);
  const pairs: [string, string][] = [];
  while (pairs.length < count) {
    const tokens = randomTokens(r);
    const a = tokens.join("");
    const b = r.next() < 0.6 ? mutate(r, tokens) : randomTokens(r).join("");
    if (a !== "" && b !== "") pairs.push(r.next() < 0.5 ? [a, b] : [b, a]);
  }
  return pairs;
}

/** Each string as UTF-16 code units in hex, so nothing is lost on the way to Java. */
const utf16hex = (s: string) =>
  Array.from({ length: s.length }, (_, i) => s.charCodeAt(i).toString(16).padStart(4, "0")).join("");

function javaSigns(pairs: [string, string][]): number[] {
  const input = `${pairs.map(([a, b]) => `${utf16hex(a)} ${utf16hex(b)}`).join("\n")}\n`;
  const res = spawnSync("java", ["-cp", JAR, ORACLE], {
    input,
    encoding: "utf8",
    maxBuffer: 64 << 20,
    timeout: 120_000,
  });
  assert.equal(res.status, 0, `java oracle failed: ${res.error ?? ""} ${res.stderr}`);
  const lines = res.stdout.trim().split("\n");
  assert.equal(lines.length, pairs.length, "oracle answered a different number of pairs");
  return lines.map(Number);
}

describe("maven: differential against Debian's maven-artifact ComparableVersion", () => {
  it("the real jar is present", () => {
    assert.ok(existsSync(JAR), `${JAR} missing: install libmaven3-core-java`);
  });

  it(`${PAIRS} generated pairs agree with the jar`, () => {
    const pairs = generatePairs(0x5eed, PAIRS);
    const expected = javaSigns(pairs);
    const disagreements: string[] = [];
    const seen = { "-1": 0, "0": 0, "1": 0 };
    pairs.forEach(([a, b], i) => {
      const want = expected[i]!;
      seen[String(want) as keyof typeof seen]++;
      let got: number | string;
      try {
        got = Math.sign(maven.compare(a, b));
      } catch (e) {
        got = String(e);
      }
      if (got !== want) {
        disagreements.push(
          `${JSON.stringify(a)} vs ${JSON.stringify(b)}: jar ${want}, ours ${got}  (${mavenItems(a)} vs ${mavenItems(b)})`,
        );
      }
    });
    assert.equal(
      disagreements.length,
      0,
      `${disagreements.length} disagreements, e.g.\n${disagreements.slice(0, 10).join("\n")}`,
    );
    // The generator must produce every outcome in quantity, or the test proves little.
    for (const [sign, n] of Object.entries(seen))
      assert.ok(n > PAIRS / 10, `only ${n} pairs with outcome ${sign}`);
  });
});
