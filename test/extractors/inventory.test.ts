import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { inventory } from "../../src/extractors/inventory.js";
import { DirectoryTree } from "../../src/sources/directory.js";

describe("inventory", () => {
  it("warns about a symlink that points out of the root, names it, and goes on", async () => {
    const base = mkdtempSync(join(tmpdir(), "vigil-inv-"));
    try {
      const root = join(base, "root");
      mkdirSync(join(root, "etc"), { recursive: true });
      mkdirSync(join(root, "app"), { recursive: true });
      writeFileSync(join(base, "os-release"), "ID=evil\nVERSION_ID=1\n");
      // Climbs above the root: must not read the host's file.
      symlinkSync("../../os-release", join(root, "etc/os-release"));
      writeFileSync(join(root, "app/requirements.txt"), "flask==2.3.2\n");
      symlinkSync("/../../../../etc/passwd", join(root, "app/Pipfile.lock"));
      const inv = await inventory(new DirectoryTree(root));
      assert.equal(inv.os, undefined);
      assert.deepEqual(
        inv.packages.map((p) => `${p.name}@${p.version}`),
        ["flask@2.3.2"],
      );
      const byPath = Object.fromEntries(inv.warnings.map((w) => [w.path, w.reason]));
      assert.match(
        byPath["etc/os-release"] ?? "",
        /etc\/os-release -> \.\.\/\.\.\/os-release points outside the root/,
      );
      // Lockfiles are read where they really are: a link to one is not followed (its target, if
      // inside the tree, is walked on its own).
      assert.equal(byPath["app/Pipfile.lock"], undefined);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it("detects the OS from /usr/lib/os-release when /etc has none, and fills OS package ecosystems", async () => {
    const root = mkdtempSync(join(tmpdir(), "vigil-inv-"));
    try {
      mkdirSync(join(root, "usr/lib"), { recursive: true });
      mkdirSync(join(root, "lib/apk/db"), { recursive: true });
      writeFileSync(
        join(root, "usr/lib/os-release"),
        'ID=alpine\nVERSION_ID=3.18.4\nPRETTY_NAME="Alpine Linux v3.18"\n',
      );
      writeFileSync(join(root, "lib/apk/db/installed"), "C:Q1abc=\nP:musl\nV:1.2.4-r1\nA:x86_64\no:musl\n\n");
      const inv = await inventory(new DirectoryTree(root));
      assert.equal(inv.os?.ecosystem, "Alpine:v3.18");
      assert.deepEqual(
        inv.packages.map((p) => [p.name, p.version, p.ecosystem, p.purl]),
        [
          [
            "musl",
            "1.2.4-r1",
            "Alpine:v3.18",
            "pkg:apk/alpine/musl@1.2.4-r1?arch=x86_64&distro=alpine-3.18.4",
          ],
        ],
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
