/**
 * Lockfiles written by the real package managers (npm 11 for lockfile v1–v3, yarn 1, pnpm 9),
 * generated once into .cache/js-fixtures from the npm registry.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { parsePackageLock } from "../../../src/extractors/javascript/npm-lock.js";
import { parsePnpmLock } from "../../../src/extractors/javascript/pnpm-lock.js";
import { parseYarnBerry, parseYarnV1 } from "../../../src/extractors/javascript/yarn-lock.js";
import type { Package } from "../../../src/extractors/types.js";
import { cacheDir, repoRoot } from "../../support/fixtures.js";

const MANIFEST = {
  name: "fixture",
  version: "1.0.0",
  dependencies: { debug: "4.3.4", "@isaacs/string-locale-compare": "1.1.0", aliased: "npm:ms@2.1.3" },
  devDependencies: { ms: "2.0.0" },
};
/** What those pins resolve to (debug 4.3.4 pins ms 2.1.2). */
const EXPECTED = ["@isaacs/string-locale-compare@1.1.0", "debug@4.3.4", "ms@2.0.0", "ms@2.1.2", "ms@2.1.3"];

const dir = join(cacheDir, "js-fixtures");
const sh = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
  });

function project(name: string): string {
  const p = join(dir, name);
  mkdirSync(p, { recursive: true });
  writeFileSync(join(p, "package.json"), JSON.stringify(MANIFEST, null, 2));
  return p;
}

function generate(): void {
  for (const v of [1, 2, 3]) {
    const p = project(`npm-v${v}`);
    if (!existsSync(join(p, "package-lock.json"))) {
      sh("npm", ["install", "--package-lock-only", "--ignore-scripts", `--lockfile-version=${v}`], p);
    }
  }
  const yarn = project("yarn-v1");
  if (!existsSync(join(yarn, "yarn.lock")))
    sh("npx", ["-y", "yarn@1.22.22", "install", "--ignore-scripts", "--no-progress"], yarn);
  const pnpm = project("pnpm-v9");
  if (!existsSync(join(pnpm, "pnpm-lock.yaml")))
    sh("npx", ["-y", "pnpm@9.15.0", "install", "--lockfile-only", "--ignore-scripts"], pnpm);
}

const keys = (pkgs: Package[]) => pkgs.map((p) => `${p.name}@${p.version}`).sort();

describe("JavaScript lockfiles from the real tools", () => {
  before(() => generate(), { timeout: 240_000 });

  for (const v of [1, 2, 3]) {
    it(`package-lock.json v${v} matches npm ls`, () => {
      const p = join(dir, `npm-v${v}`);
      const text = readFileSync(join(p, "package-lock.json"), "utf8");
      assert.equal(JSON.parse(text).lockfileVersion, v);
      const pkgs = parsePackageLock(text, "package-lock.json");
      assert.deepEqual(keys(pkgs), EXPECTED);
      // npm's own reading of the same lockfile.
      const tree = JSON.parse(sh("npm", ["ls", "--all", "--json", "--package-lock-only"], p)) as {
        dependencies?: Record<string, { version: string; dependencies?: unknown }>;
      };
      const truth = new Set<string>();
      const walk = (
        deps: Record<string, { version: string; dependencies?: unknown }> | undefined,
        alias = false,
      ) => {
        for (const [name, d] of Object.entries(deps ?? {})) {
          truth.add(`${alias || name === "aliased" ? "ms" : name}@${d.version}`);
          walk(d.dependencies as typeof deps);
        }
      };
      walk(tree.dependencies);
      assert.deepEqual([...truth].sort(), EXPECTED);
      assert.equal(pkgs.find((x) => x.name === "ms" && x.version === "2.0.0")?.metadata?.["dev"], true);
    });
  }

  it("yarn.lock v1 written by yarn 1.22", () => {
    const text = readFileSync(join(dir, "yarn-v1/yarn.lock"), "utf8");
    assert.match(text, /# yarn lockfile v1/);
    assert.deepEqual(keys(parseYarnV1(text, "yarn.lock")), EXPECTED);
  });

  it("pnpm-lock.yaml v9 written by pnpm 9", () => {
    const text = readFileSync(join(dir, "pnpm-v9/pnpm-lock.yaml"), "utf8");
    assert.match(text, /lockfileVersion: '9\.0'/);
    assert.deepEqual(keys(parsePnpmLock(text, "pnpm-lock.yaml")), EXPECTED);
  });

  it("pnpm v5 and v6 keys, with peer suffixes", () => {
    const v5 = `lockfileVersion: 5.4
packages:
  /debug/4.3.4:
    resolution: {integrity: sha512-x}
    dev: false
  /@babel/core/7.22.0_react@18.2.0:
    resolution: {integrity: sha512-y}
    dev: true
`;
    const v6 = `lockfileVersion: '6.0'
packages:
  /debug@4.3.4:
    resolution: {integrity: sha512-x}
  /@babel/core@7.22.0(react@18.2.0):
    resolution: {integrity: sha512-y}
    dev: true
`;
    for (const text of [v5, v6]) {
      const pkgs = parsePnpmLock(text, "pnpm-lock.yaml");
      assert.deepEqual(keys(pkgs), ["@babel/core@7.22.0", "debug@4.3.4"]);
      assert.equal(pkgs.find((p) => p.name === "@babel/core")?.metadata?.["dev"], true);
    }
  });

  it("yarn berry lockfile: npm resolutions kept, workspaces and patches handled", () => {
    const text = readFileSync(join(repoRoot, "test/fixtures/javascript/berry-yarn.lock"), "utf8");
    assert.deepEqual(keys(parseYarnBerry(text, "yarn.lock")), [
      "@types/node@20.11.5",
      "lodash@4.17.21",
      "resolve@1.22.8",
      "typescript@5.3.3",
    ]);
  });

  it("malformed inputs fail with the reason", () => {
    assert.throws(
      () => parsePackageLock('{"lockfileVersion": 3, "packages": {', "x"),
      /malformed JSON at line 1, column \d+/,
    );
    assert.throws(() => parsePackageLock("[1,2]", "x"), /not a JSON object/);
    assert.throws(() => parseYarnV1("garbage without structure\n", "x"), /line 1: expected/);
    assert.throws(() => parsePnpmLock("packages: [unclosed", "x"), /malformed YAML/);
    // Wrong-typed fields are skipped, not fatal.
    assert.deepEqual(parsePackageLock('{"packages": {"node_modules/a": {"version": 5}}}', "x"), []);
  });

  it("deeply nested v1 dependencies do not overflow the stack", () => {
    const depth = 5000;
    let text = "";
    for (let i = 0; i < depth; i++) text += `{"p${i}": {"version": "1.0.0", "dependencies": `;
    text += "{}" + "}}".repeat(depth);
    const pkgs = parsePackageLock(`{"lockfileVersion": 1, "dependencies": ${text}}`, "x");
    assert.equal(pkgs.length, depth);
  });
});
