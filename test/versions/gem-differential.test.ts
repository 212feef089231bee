// Differential test: our Gem::Version against Debian's ruby (/usr/bin/ruby, rubygems 3.3) — both
// Gem::Version.correct? and <=> — through one ruby process for all pairs.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { gem } from "../../src/versions/gem.js";
import { InvalidVersionError } from "../../src/versions/types.js";
import { repoRoot } from "../support/fixtures.js";
import { prng, type Rng } from "./prng.js";

const RUBY = "/usr/bin/ruby";
const ORACLE = join(repoRoot, "test/fixtures/versions/gem_compare.rb");
const PAIRS = 12_000;

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
  "007",
  "123",
  "2147483648",
  "9007199254740992",
  "9007199254740993",
  "09007199254740993",
  "18446744073709551616",
  "123456789012345678901234567890",
] as const;
const WORDS = [
  "a",
  "b",
  "z",
  "A",
  "Z",
  "pre",
  "Pre",
  "PRE",
  "rc",
  "RC",
  "rC",
  "alpha",
  "beta",
  "aa",
  "ab",
  "dev",
  "x",
] as const;
const MIXED = ["0a", "a0", "1b2", "rc1", "RC1", "b10", "2x", "pre0", "a00", "0pre"] as const;
const GOOD_SEPARATORS = [".", ".", ".", ".", "-", "-"] as const;
const BAD_SEPARATORS = ["", "_", "..", "+", " ", "--", ".-", "-."] as const;
const PADDING = ["", "", "", "", " ", "  ", "\t", "\n", "\r\n", "\v", "\f", "\u00a0", "\u0000"] as const;

function randomNumber(r: Rng): string {
  if (r.next() < 0.6) return r.pick(NUMBERS);
  let s = r.next() < 0.15 ? "0" : "";
  const length = 1 + r.int(r.next() < 0.8 ? 2 : 30);
  for (let i = 0; i < length; i++) s += String(r.int(10));
  return s;
}

function randomToken(r: Rng): string {
  const x = r.next();
  return x < 0.55 ? randomNumber(r) : x < 0.85 ? r.pick(WORDS) : r.pick(MIXED);
}

function randomTokens(r: Rng): string[] {
  const tokens = [r.next() < 0.93 ? randomNumber(r) : randomToken(r)];
  const n = r.int(6);
  for (let i = 0; i < n; i++) {
    tokens.push(r.next() < 0.97 ? r.pick(GOOD_SEPARATORS) : r.pick(BAD_SEPARATORS), randomToken(r));
  }
  return tokens;
}

const pad = (r: Rng, s: string) => (r.next() < 0.1 ? `${r.pick(PADDING)}${s}${r.pick(PADDING)}` : s);

const SUFFIXES = [".0", ".0.0", "-0", ".a", ".pre", "-pre", ".0.a", "-1", ".1", "-", ".", "a"] as const;

/** A second version close to the first, so equal and nearly equal pairs are common. */
function mutate(r: Rng, tokens: string[]): string {
  const t = [...tokens];
  switch (r.int(7)) {
    case 0:
      return t.join("");
    case 1:
      return t.join("") + r.pick(SUFFIXES);
    case 2:
      return r.next() < 0.5 ? t.join("").toUpperCase() : t.join("").toLowerCase();
    case 3: {
      const i = 2 * r.int((t.length + 1) / 2);
      t[i] = /^[0-9]+$/.test(t[i]!) ? `0${t[i]}` : randomToken(r);
      return t.join("");
    }
    case 4:
      // "-" is read as ".pre."
      return t.join("").replace("-", r.next() < 0.5 ? ".pre." : ".");
    case 5:
      t.splice(1 + 2 * r.int(t.length / 2), 0, r.pick(GOOD_SEPARATORS), randomToken(r));
      return t.join("");
    default:
      return randomTokens(r).join("");
  }
}

function generatePairs(seed: number, count: number): [string, string][] {
  const r = prng(seed);
  const pairs: [string, string][] = [];
  while (pairs.length < count) {
    const x = r.next();
    if (x < 0.01) {
      pairs.push([r.pick(PADDING), pad(r, randomTokens(r).join(""))]);
      continue;
    }
    const tokens = randomTokens(r);
    const a = pad(r, tokens.join(""));
    const b = pad(r, x < 0.6 ? mutate(r, tokens) : randomTokens(r).join(""));
    pairs.push(r.next() < 0.5 ? [a, b] : [b, a]);
  }
  return pairs;
}

interface RubyAnswer {
  validA: boolean;
  validB: boolean;
  sign?: number;
}

function rubyAnswers(pairs: [string, string][]): RubyAnswer[] {
  const hex = (s: string) => Buffer.from(s, "utf8").toString("hex");
  const input = `${pairs.map(([a, b]) => `${hex(a)} ${hex(b)}`).join("\n")}\n`;
  const res = spawnSync(RUBY, [ORACLE], { input, encoding: "utf8", maxBuffer: 64 << 20, timeout: 120_000 });
  assert.equal(res.status, 0, `ruby oracle failed: ${res.error ?? ""} ${res.stderr}`);
  const lines = res.stdout.trim().split("\n");
  assert.equal(lines.length, pairs.length, "oracle answered a different number of pairs");
  return lines.map((line) => {
    const [a, b, cmp] = line.split(" ");
    return { validA: a === "1", validB: b === "1", sign: cmp === "x" ? undefined : Number(cmp) };
  });
}

function ours(a: string, b: string): RubyAnswer {
  const answer: RubyAnswer = { validA: gem.isValid(a), validB: gem.isValid(b) };
  try {
    answer.sign = Math.sign(gem.compare(a, b));
  } catch (e) {
    if (!(e instanceof InvalidVersionError)) throw e;
  }
  return answer;
}

describe("gem: differential against Debian ruby's Gem::Version", () => {
  it(`${PAIRS} generated pairs agree on correct? and <=>`, () => {
    const pairs = generatePairs(0x6e3, PAIRS);
    const expected = rubyAnswers(pairs);
    const disagreements: string[] = [];
    const outcomes = new Map<string, number>();
    pairs.forEach(([a, b], i) => {
      const want = expected[i]!;
      const got = ours(a, b);
      const key = want.sign === undefined ? "invalid" : String(want.sign);
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        disagreements.push(
          `${JSON.stringify(a)} vs ${JSON.stringify(b)}: ruby ${JSON.stringify(want)}, ours ${JSON.stringify(got)}`,
        );
      }
    });
    assert.equal(
      disagreements.length,
      0,
      `${disagreements.length} disagreements, e.g.\n${disagreements.slice(0, 10).join("\n")}`,
    );
    // Every outcome must occur in quantity, or the test proves little.
    for (const key of ["-1", "0", "1"])
      assert.ok((outcomes.get(key) ?? 0) > PAIRS / 10, `outcomes: ${[...outcomes]}`);
    assert.ok((outcomes.get("invalid") ?? 0) > PAIRS / 50, `outcomes: ${[...outcomes]}`);
  });
});
