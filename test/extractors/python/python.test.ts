import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { inventory } from "../../../src/extractors/inventory.js";
import {
  parsePipfileLock,
  parsePoetryLock,
  parseRequirements,
} from "../../../src/extractors/python/locks.js";
import { parseCoreMetadata } from "../../../src/extractors/python/metadata.js";
import { DirectoryTree } from "../../../src/sources/directory.js";

const DIST_PACKAGES = "/usr/lib/python3/dist-packages";

describe("Python extractors", () => {
  it("installed distributions match what Python's importlib.metadata reports", async () => {
    const truth = execFileSync(
      "/usr/bin/python3",
      [
        "-c",
        `import importlib.metadata as m
for d in m.distributions(path=[${JSON.stringify(DIST_PACKAGES)}]):
    print(d.metadata["Name"] + "==" + d.version)`,
      ],
      { encoding: "utf8" },
    )
      .trim()
      .split("\n")
      .sort();
    assert.ok(truth.length >= 10, `only ${truth.length} distributions in ${DIST_PACKAGES}`);
    const inv = await inventory(new DirectoryTree(DIST_PACKAGES));
    const ours = inv.packages
      .filter((p) => p.type === "pypi")
      .map((p) => `${p.name}==${p.version}`)
      .sort();
    assert.deepEqual(ours, truth);
    assert.deepEqual(inv.warnings, []);
  });

  it("reads core metadata headers only, and names what is missing", () => {
    assert.deepEqual(
      parseCoreMetadata("Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n\nVersion: 9\n"),
      {
        name: "requests",
        version: "2.31.0",
      },
    );
    assert.throws(
      () => parseCoreMetadata("Metadata-Version: 2.1\nName: x\n\nVersion: 1\n"),
      /no Version: header for x/,
    );
    assert.throws(() => parseCoreMetadata("\u0000\u0001garbage"), /no Name: header/);
  });

  it("poetry.lock, Pipfile.lock and pinned requirements", () => {
    const poetry = `[[package]]
name = "requests"
version = "2.31.0"
description = "HTTP"
optional = false
python-versions = ">=3.7"

[[package]]
name = "pytest"
version = "7.4.0"
category = "dev"
optional = false

[metadata]
lock-version = "2.0"
`;
    const p = parsePoetryLock(poetry, "poetry.lock");
    assert.deepEqual(
      p.map((x) => `${x.name}@${x.version}`),
      ["requests@2.31.0", "pytest@7.4.0"],
    );
    assert.equal(p[1]!.metadata?.["dev"], true);

    const pipfile = JSON.stringify({
      _meta: { hash: { sha256: "x" } },
      default: { django: { version: "==4.2.1", hashes: [] }, editable: { editable: true, path: "." } },
      develop: { black: { version: "==23.3.0" } },
    });
    const f = parsePipfileLock(pipfile, "Pipfile.lock");
    assert.deepEqual(
      f.map((x) => `${x.name}@${x.version}@${x.metadata?.["dev"] ?? false}`),
      ["django@4.2.1@false", "black@23.3.0@true"],
    );

    const req = `# comment
-r base.txt
--index-url https://example.org/simple
requests[security]==2.31.0 ; python_version >= "3.7"  # pinned
Flask===2.3.2
numpy>=1.24
urllib3==1.26.* 
cryptography==41.0.1 \\
    --hash=sha256:abc \\
    --hash=sha256:def
-e git+https://example.org/x.git#egg=x
`;
    assert.deepEqual(
      parseRequirements(req, "requirements.txt").map((x) => `${x.name}@${x.version}`),
      ["requests@2.31.0", "Flask@2.3.2", "cryptography@41.0.1"],
    );
  });

  it("malformed lockfiles fail with the reason; the inventory warns and keeps the rest", async () => {
    assert.throws(() => parsePoetryLock("[[package]\nname = ", "poetry.lock"), /malformed TOML/);
    assert.throws(() => parsePipfileLock("{not json", "Pipfile.lock"), /malformed JSON at line 1/);
    const root = mkdtempSync(join(tmpdir(), "vigil-py-"));
    try {
      mkdirSync(join(root, "app"), { recursive: true });
      mkdirSync(join(root, "site/good-1.0.dist-info"), { recursive: true });
      writeFileSync(join(root, "site/good-1.0.dist-info/METADATA"), "Name: good\nVersion: 1.0\n");
      writeFileSync(join(root, "app/poetry.lock"), "\u0000\u0001 garbage [[[");
      const inv = await inventory(new DirectoryTree(root));
      assert.deepEqual(
        inv.packages.map((p) => `${p.name}@${p.version}`),
        ["good@1.0"],
      );
      assert.equal(inv.warnings.length, 1);
      assert.equal(inv.warnings[0]!.path, "app/poetry.lock");
      assert.match(inv.warnings[0]!.reason, /malformed TOML/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
