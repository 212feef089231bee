import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DirectoryTree } from "../../src/sources/directory.js";
import type { TreeEntry } from "../../src/sources/types.js";

describe("DirectoryTree", () => {
  let base: string;
  let root: string;
  before(() => {
    base = mkdtempSync(join(tmpdir(), "vigil-dir-"));
    root = join(base, "root");
    mkdirSync(join(root, "etc"), { recursive: true });
    mkdirSync(join(root, "usr/lib"), { recursive: true });
    writeFileSync(join(root, "usr/lib/os-release"), "ID=debian\n");
    writeFileSync(join(base, "secret"), "outside the root");
    symlinkSync("../usr/lib/os-release", join(root, "etc/os-release")); // relative, inside
    symlinkSync("/usr/lib/os-release", join(root, "etc/abs-link")); // absolute: re-rooted
    symlinkSync("../../secret", join(root, "etc/escape")); // climbs out of the root
    symlinkSync("loop-b", join(root, "etc/loop-a"));
    symlinkSync("loop-a", join(root, "etc/loop-b"));
    writeFileSync(join(root, "big"), Buffer.alloc(4096));
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it("walks every entry once without following symlinks", async () => {
    const seen: TreeEntry[] = [];
    await new DirectoryTree(root).walk((e) => {
      seen.push(e);
      return undefined;
    });
    const paths = seen.map((e) => e.path).sort();
    assert.deepEqual(paths, [
      "big",
      "etc",
      "etc/abs-link",
      "etc/escape",
      "etc/loop-a",
      "etc/loop-b",
      "etc/os-release",
      "usr",
      "usr/lib",
      "usr/lib/os-release",
    ]);
    assert.equal(seen.find((e) => e.path === "etc/escape")?.kind, "symlink");
    assert.equal(seen.find((e) => e.path === "big")?.size, 4096);
  });

  it("skips a directory's contents when the visitor says so", async () => {
    const seen: string[] = [];
    await new DirectoryTree(root).walk((e) => {
      seen.push(e.path);
      return e.path === "usr" ? "skip" : undefined;
    });
    assert.ok(!seen.includes("usr/lib"));
  });

  it("follows relative and absolute links inside the root", async () => {
    const tree = new DirectoryTree(root);
    assert.equal((await tree.readFile("etc/os-release")).toString(), "ID=debian\n");
    assert.equal((await tree.readFile("etc/abs-link")).toString(), "ID=debian\n");
  });

  it("refuses a link that points outside the root, naming it", async () => {
    const tree = new DirectoryTree(root);
    await assert.rejects(
      () => tree.readFile("etc/escape"),
      /etc\/escape -> \.\.\/\.\.\/secret points outside the root/,
    );
    await assert.rejects(() => tree.open("etc/escape"), /points outside the root/);
    assert.equal(await tree.stat("etc/escape"), undefined);
  });

  it("refuses paths that climb above the root", async () => {
    await assert.rejects(() => new DirectoryTree(root).readFile("../secret"), /climbs above the root/);
  });

  it("detects symlink loops", async () => {
    await assert.rejects(
      () => new DirectoryTree(root).readFile("etc/loop-a"),
      /too many levels of symbolic links/,
    );
  });

  it("enforces the read limit and reports missing files", async () => {
    const tree = new DirectoryTree(root);
    await assert.rejects(
      () => tree.readFile("big", { maxBytes: 100 }),
      /4096 bytes, over the 100-byte limit/,
    );
    await assert.rejects(() => tree.readFile("nope"), /nope: no such file/);
    await assert.rejects(() => tree.readFile("etc"), /not a regular file/);
  });

  it("random access reads are bounded by the file size", async () => {
    const fh = await new DirectoryTree(root).open("usr/lib/os-release");
    try {
      assert.equal(fh.size, 10);
      assert.equal((await fh.read(3, 100)).toString(), "debian\n");
      assert.equal((await fh.read(50, 10)).length, 0);
    } finally {
      await fh.close();
    }
  });
});
