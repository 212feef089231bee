/**
 * Go build info against the Go toolchain's own reader (`go version -m`): Debian's Go programs,
 * and programs built here with the Debian Go toolchain (vendored dependency, replacement,
 * stripped).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { parseGoMod } from "../../../src/extractors/go/gomod.js";
import { inventory } from "../../../src/extractors/inventory.js";
import type { Package } from "../../../src/extractors/types.js";
import { DirectoryTree } from "../../../src/sources/directory.js";
import { cacheDir, debianGoPrograms } from "../../support/fixtures.js";

const buildDir = join(cacheDir, "go-build");

function write(path: string, text: string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}

/** A module with one vendored dependency (replaced by another vendored module) and one direct. */
function buildPrograms(): string {
  const out = join(buildDir, "bin");
  if (existsSync(join(out, "stripped"))) return out;
  const src = join(buildDir, "src");
  write(
    join(src, "go.mod"),
    `module example.com/app

go 1.19

require (
\texample.com/greet v1.2.3
\texample.com/old v0.1.0 // indirect
)

replace example.com/old v0.1.0 => example.com/new v0.2.0
`,
  );
  write(
    join(src, "main.go"),
    `package main

import (
\t"example.com/greet"
\t"example.com/old"
)

func main() { greet.Hello(); old.Do() }
`,
  );
  write(join(src, "vendor/example.com/greet/greet.go"), 'package greet\n\nfunc Hello() { println("hi") }\n');
  write(join(src, "vendor/example.com/old/old.go"), "package old\n\nfunc Do() {}\n");
  write(
    join(src, "vendor/modules.txt"),
    `# example.com/greet v1.2.3
## explicit
example.com/greet
# example.com/old v0.1.0 => example.com/new v0.2.0
## explicit
example.com/old
`,
  );
  mkdirSync(out, { recursive: true });
  const env = {
    ...process.env,
    GOFLAGS: "-mod=vendor",
    GOPROXY: "off",
    GOCACHE: join(buildDir, "cache"),
    CGO_ENABLED: "0",
  };
  execFileSync("go", ["build", "-o", join(out, "app"), "."], { cwd: src, env, stdio: "pipe" });
  execFileSync("go", ["build", "-ldflags=-s -w", "-o", join(out, "stripped"), "."], {
    cwd: src,
    env,
    stdio: "pipe",
  });
  return out;
}

/** `go version -m` output → the package keys we should report (replacements applied). */
function truthFor(binary: string): string[] {
  const text = execFileSync("go", ["version", "-m", binary], { encoding: "utf8" });
  const lines = text.split("\n");
  const goVersion = /: go(\S+)/.exec(lines[0]!)![1]!;
  const keys = [`stdlib@${goVersion}`];
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split("\t");
    if (f[0] === "mod" && f[2] && f[2] !== "(devel)") keys.push(`${f[1]}@${f[2]}`);
    if (f[0] === "dep") {
      const next = lines[i + 1]?.trim().split("\t");
      if (next?.[0] === "=>") keys.push(`${next[1]}@${next[2]}`);
      else keys.push(`${f[1]}@${f[2]}`);
    }
  }
  return keys.sort();
}

const keysAt = (pkgs: Package[], location: string) =>
  pkgs
    .filter((p) => p.location === location)
    .map((p) => `${p.name}@${p.version}`)
    .sort();

describe("Go build info", () => {
  let programs: string;
  before(
    () => {
      programs = buildPrograms();
    },
    { timeout: 300_000 },
  );

  it("reads Debian's Go programs as go version -m does", async () => {
    const root = debianGoPrograms();
    const inv = await inventory(new DirectoryTree(root));
    for (const bin of ["usr/bin/docker-registry", "usr/bin/skopeo"]) {
      assert.deepEqual(keysAt(inv.packages, bin), truthFor(join(root, bin)), bin);
    }
    assert.deepEqual(inv.warnings, []);
  });

  it("reads modules, vendored deps and replacements of a program built here, stripped or not", async () => {
    const inv = await inventory(new DirectoryTree(programs));
    for (const bin of ["app", "stripped"]) {
      const truth = truthFor(join(programs, bin));
      assert.ok(truth.includes("example.com/greet@v1.2.3"), truth.join(" "));
      assert.ok(truth.includes("example.com/new@v0.2.0"), truth.join(" "));
      assert.deepEqual(keysAt(inv.packages, bin), truth, bin);
    }
    const replaced = inv.packages.find((p) => p.name === "example.com/new" && p.location === "app");
    assert.equal(replaced?.metadata?.["replaces"], "example.com/old");
  });

  it("skips scripts and non-Go ELF files silently, and reports a truncated Go binary", async () => {
    const dir = join(buildDir, "odd");
    mkdirSync(dir, { recursive: true });
    const big = Buffer.alloc(600 * 1024, 0x41);
    writeFileSync(join(dir, "script"), Buffer.concat([Buffer.from("#!/bin/sh\necho hi\n"), big]), {
      mode: 0o755,
    });
    execFileSync("cp", ["/usr/bin/dpkg", join(dir, "c-program")]);
    // Keep only the first 700 KiB of a Go binary: headers point past the end.
    const { readFileSync } = await import("node:fs");
    writeFileSync(join(dir, "truncated"), readFileSync(join(programs, "app")).subarray(0, 700 * 1024), {
      mode: 0o755,
    });
    const inv = await inventory(new DirectoryTree(dir));
    assert.deepEqual(inv.packages, []);
    assert.equal(inv.warnings.length, 1, JSON.stringify(inv.warnings));
    assert.equal(inv.warnings[0]!.path, "truncated");
    assert.match(inv.warnings[0]!.reason, /past the end of the file/);
  });
});

describe("go.mod", () => {
  it("requires, indirect, replacements (versioned and local) and excludes", () => {
    const pkgs = parseGoMod(`module example.com/m

go 1.21

require golang.org/x/net v0.17.0
require (
\tgithub.com/a/b v1.0.0 // indirect
\tgithub.com/c/d v2.1.0+incompatible
\tgithub.com/local/x v1.0.0
)

exclude github.com/a/b v0.9.0

replace github.com/c/d => github.com/fork/d v2.1.1+incompatible
replace github.com/local/x => ../x
`);
    assert.deepEqual(
      pkgs.map((p) => `${p.name}@${p.version}${p.metadata?.["indirect"] ? " indirect" : ""}`),
      ["golang.org/x/net@v0.17.0", "github.com/a/b@v1.0.0 indirect", "github.com/fork/d@v2.1.1+incompatible"],
    );
    assert.throws(() => parseGoMod("require (\n a v1\n"), /unterminated require/);
    assert.throws(() => parseGoMod("replace a =>\n"), /line 1: malformed replace/);
  });
});
