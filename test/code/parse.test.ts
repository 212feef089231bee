/**
 * The code scanner on hostile input: malformed, huge, binary, unreadable and absurdly nested
 * files are reported (skipped or partially analysed) — never a crash, never a hang — and
 * property-based fuzzing (fast-check) of random and mutated source in every language checks that
 * scanCode always settles, quickly.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { languageOf, parseSource } from "../../src/code/parse.js";
import { type CodeScanOptions, type CodeTree, scanCode } from "../../src/code/scan.js";
import { corpusFiles, corpusRoot } from "./expectations.js";

const RUNS = Number(process.env["FUZZ_RUNS"] ?? 150);
/** Wall-clock bound for one file of fuzz input (parse budget + analysis, generous for slow CI). */
const BOUND_MS = 15_000;

function tree(files: Record<string, string | Buffer | (() => Promise<Buffer>)>): CodeTree {
  return {
    async *files() {
      for (const [path, content] of Object.entries(files)) {
        yield {
          path,
          read: typeof content === "function" ? content : async () => Buffer.from(content),
        };
      }
    },
  };
}

const scan = (
  files: Record<string, string | Buffer | (() => Promise<Buffer>)>,
  options: CodeScanOptions = {},
) => scanCode(tree(files), options);

const VULNERABLE_PY = `import os\n\ndef handler(event, context):\n    os.system("ls " + event["dir"])\n`;

describe("code parsing", () => {
  it("detects languages by extension", () => {
    const cases: Record<string, string | undefined> = {
      "a.py": "python",
      "a.js": "javascript",
      "a.mjs": "javascript",
      "a.cjs": "javascript",
      "a.jsx": "javascript",
      "a.ts": "typescript",
      "a.mts": "typescript",
      "a.cts": "typescript",
      "a.tsx": "tsx",
      "dir.v2/A.PY": "python",
      "a.pyc": undefined,
      "a.json": undefined,
      Makefile: undefined,
      ".py": undefined,
      "src/.eslintrc.js": "javascript",
      "types/index.d.ts": undefined,
      "dist/index.d.mts": undefined,
    };
    for (const [path, lang] of Object.entries(cases)) assert.equal(languageOf(path), lang, path);
  });

  it("analyses what parsed in a file with syntax errors and reports it as partial", async () => {
    const r = await scan({ "broken.py": `${VULNERABLE_PY}\ndef oops(:\n    return ]]]\n` });
    assert.equal(r.files.scanned, 1);
    assert.deepEqual(
      r.files.partial.map((p) => p.path),
      ["broken.py"],
    );
    assert.match(r.files.partial[0]!.reason, /syntax errors/);
    assert.deepEqual(
      r.findings.map((f) => `${f.detectorId}:${f.startLine}`),
      ["python/os-command-injection:4"],
    );
    const js = await scan({
      "broken.js": "exports.handler = async (event) => { eval(event.x) ;; } } } const = ;",
    });
    assert.equal(js.files.partial.length, 1);
    assert.equal(js.findings[0]?.detectorId, "javascript/code-injection");
  });

  it("skips files over the size limit, binary files and unreadable files, with reasons", async () => {
    const big = `x = 1\n${"# padding\n".repeat(110_000)}`; // > 1 MiB
    const r = await scan({
      "big.py": big,
      "blob.js": Buffer.from([0x63, 0x6f, 0x6e, 0x73, 0x74, 0x00, 0x01, 0x02]),
      "gone.ts": () => Promise.reject(new Error("EACCES: permission denied")),
      "ok.py": VULNERABLE_PY,
      "notes.txt": "not source",
    });
    assert.equal(r.files.scanned, 1);
    const reasons = Object.fromEntries(r.files.skipped.map((s) => [s.path, s.reason]));
    assert.match(reasons["big.py"] ?? "", /over the 1048576-byte limit/);
    assert.match(reasons["blob.js"] ?? "", /not a text file/);
    assert.match(reasons["gone.ts"] ?? "", /cannot be read: EACCES/);
    assert.equal(reasons["notes.txt"], undefined);
    // a declared size lets oversize files be skipped unread
    const unread = await scanCode(
      {
        async *files() {
          yield {
            path: "huge.js",
            size: 5 << 20,
            read: () => Promise.reject(new Error("must not be read")),
          };
        },
      },
      {},
    );
    assert.match(unread.files.skipped[0]?.reason ?? "", /5242880 bytes, over the/);
    const small = await scan({ "ok.py": VULNERABLE_PY }, { maxFileBytes: 10 });
    assert.equal(small.files.skipped.length, 1);
  });

  it("cancels a parse that runs past its time budget, and the parser recovers", async () => {
    const slow = `${"def f(a, b):\n    return [a + b for a in range(10) if a]\n".repeat(8_000)}`;
    const r = await scan({ "slow.py": slow }, { parseTimeoutMs: 1 });
    assert.equal(r.files.scanned, 0);
    assert.match(r.files.skipped[0]?.reason ?? "", /parsing took longer than 1 ms/);
    const direct = await parseSource(slow, "python", { parseTimeoutMs: 1 });
    assert.equal(direct.ok, false);
    // the next parse starts afresh
    const after = await scan({ "ok.py": VULNERABLE_PY });
    assert.equal(after.findings.length, 1);
  });

  it("survives absurd nesting in every language", async () => {
    const depth = 50_000;
    const t0 = performance.now();
    const r = await scan({
      "deep.py": `x = ${"(".repeat(depth)}1${")".repeat(depth)}\n${VULNERABLE_PY}`,
      "deep.js": `const x = ${"[".repeat(depth)}1${"]".repeat(depth)};\nexports.handler = async (event) => eval(event.code);\n`,
      "deep.ts": `let y: number = ${"-".repeat(depth)}1;\nexport const handler = async (event: any) => eval(event.code);\n`,
      "deep2.py": `${Array.from({ length: 1000 }, (_, i) => `${" ".repeat(i)}if a${i}:\n`).join("")}${" ".repeat(1000)}pass\n`,
      "calls.js": `${"f(".repeat(depth)}${")".repeat(depth)};`,
    });
    assert.ok(performance.now() - t0 < 60_000);
    assert.deepEqual(r.files.skipped, []);
    assert.equal(r.files.scanned, 5);
    // where the nesting was cut off the file says so, and findings after it are still found
    assert.ok(r.files.partial.some((p) => p.path === "deep.py" && /nesting/.test(p.reason)));
    const found = r.findings.map((f) => `${f.filePath}:${f.detectorId}`).sort();
    assert.deepEqual(found, [
      "deep.js:javascript/code-injection",
      "deep.py:python/os-command-injection",
      "deep.ts:typescript/code-injection",
    ]);
  });

  it("stops the analysis of one file at its budget and reports it as partial", async () => {
    const body = Array.from(
      { length: 400 },
      (_, i) => `    v${i} = event["k${i}"] + str(v${i > 0 ? i - 1 : 0})`,
    ).join("\n");
    const r = await scan({ "long.py": `def handler(event, context):\n${body}\n` }, { maxSteps: 500 });
    assert.equal(r.files.scanned, 1);
    assert.match(r.files.partial[0]?.reason ?? "", /analysis budget/);
  });
});

// ------------------------------------------------------------------ fuzzing

const TOKENS: Record<string, string[]> = {
  python: [
    "def ",
    "class ",
    "(",
    ")",
    ":",
    "\n    ",
    "import os",
    "event[",
    "]",
    "'",
    '"""',
    "f'{",
    "}",
    "lambda",
    " if ",
    " else ",
    "%",
    ".format(",
    "os.system(",
    "*",
    "**",
    "@app.route('/')",
    "\\",
    "#",
    "async ",
    "await ",
    "yield",
    ",",
    "=",
    "+=",
  ],
  javascript: [
    "function ",
    "=>",
    "{",
    "}",
    "(",
    ")",
    ";",
    "`${",
    "`",
    "'",
    '"',
    "require('child_process')",
    "exec(",
    "event.",
    "req.query",
    "const ",
    "let ",
    "...",
    "?.",
    "/re/g",
    "<div>",
    "</div>",
    "async ",
    "await ",
    "class ",
    "new ",
    "exports.handler = ",
    ",",
    "=",
    "+",
  ],
  typescript: [
    ": string",
    "interface I {",
    "}",
    "<T>",
    "as any",
    "!",
    "type X = ",
    "enum E {",
    "export const handler = async (event: any) => ",
    "eval(",
    "(",
    ")",
    "{",
    ";",
    "=>",
    "`${",
    "`",
    "import * as cp from 'child_process'",
    "cp.exec(",
    "satisfies",
    "?",
    "abstract class A {",
    "private ",
    "readonly ",
    ",",
  ],
};

const EXT: Record<string, string> = { python: "py", javascript: "js", typescript: "ts" };

function seedsOf(language: string): string[] {
  const root = corpusRoot();
  return corpusFiles(root)
    .filter((f) => f.startsWith(`${language}/`))
    .map((f) => readFileSync(join(root, f), "utf8"));
}

/** A source file damaged by cutting, duplicating and splicing in tokens. */
function mutated(language: string): fc.Arbitrary<string> {
  const seeds = seedsOf(language);
  const tokens = TOKENS[language]!;
  const edit = fc.oneof(
    fc.record({ op: fc.constant("cut" as const), at: fc.nat(), len: fc.nat({ max: 200 }) }),
    fc.record({ op: fc.constant("dup" as const), at: fc.nat(), len: fc.nat({ max: 400 }) }),
    fc.record({ op: fc.constant("insert" as const), at: fc.nat(), token: fc.constantFrom(...tokens) }),
    fc.record({ op: fc.constant("noise" as const), at: fc.nat(), text: fc.string({ maxLength: 30 }) }),
  );
  return fc
    .record({ seed: fc.constantFrom(...seeds), edits: fc.array(edit, { minLength: 1, maxLength: 12 }) })
    .map(({ seed, edits }) => {
      let s = seed;
      for (const e of edits) {
        const at = s.length === 0 ? 0 : e.at % s.length;
        if (e.op === "cut") s = s.slice(0, at) + s.slice(at + e.len);
        else if (e.op === "dup") s = s.slice(0, at) + s.slice(at, at + e.len) + s.slice(at);
        else if (e.op === "insert") s = s.slice(0, at) + e.token + s.slice(at);
        else s = s.slice(0, at) + e.text + s.slice(at);
      }
      return s;
    });
}

/** Token soup: random sequences of the language's own tokens and identifiers. */
function soup(language: string): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof(fc.constantFrom(...TOKENS[language]!), fc.string({ maxLength: 8 }), fc.constant("\n")), {
      maxLength: 300,
    })
    .map((parts) => parts.join(""));
}

async function settles(path: string, text: string): Promise<void> {
  const t0 = performance.now();
  const r = await scan({ [path]: text });
  const ms = performance.now() - t0;
  assert.ok(ms < BOUND_MS, `${path}: ${ms.toFixed(0)} ms`);
  assert.equal(r.files.scanned + r.files.skipped.length, 1);
  // the safety net around each file must not be what kept the scan alive
  for (const s of r.files.skipped) assert.doesNotMatch(s.reason, /analysis failed/, text.slice(0, 500));
  for (const f of r.findings) {
    assert.ok(f.startLine >= 1 && f.endLine >= f.startLine);
    assert.ok(f.snippet.lines.length <= 20);
  }
}

describe("code scanning fuzz (fast-check)", () => {
  for (const language of ["python", "javascript", "typescript"]) {
    const path = `fuzz.${EXT[language]}`;
    it(`${language}: mutated corpus files always scan, within the time bound`, async () => {
      await fc.assert(
        fc.asyncProperty(mutated(language), (text) => settles(path, text)),
        { numRuns: RUNS },
      );
    });
    it(`${language}: random token soup and arbitrary strings always scan`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            soup(language),
            fc.string({ maxLength: 2000 }),
            fc.string({ unit: "binary", maxLength: 500 }),
          ),
          (text) => settles(path, text),
        ),
        { numRuns: RUNS },
      );
    });
  }
  it("tsx and jsx files too", async () => {
    await fc.assert(
      fc.asyncProperty(soup("typescript"), soup("javascript"), async (a, b) => {
        await settles("fuzz.tsx", `${a}\nconst el = <div>{${b}}</div>;`);
        await settles("fuzz.jsx", `${b}\nconst el = <div>{${a}}</div>;`);
      }),
      { numRuns: Math.max(10, Math.floor(RUNS / 3)) },
    );
  });
});
