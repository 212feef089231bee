/**
 * Function packages: a deployment zip of real npm packages (installed by yarn from the npm
 * registry) plus a layer zip of real Python distributions, laid out as Lambda does.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { inventoryTarget, openTarget } from "../../src/pipeline/scan.js";
import { runVigil } from "../support/cli.js";
import { cacheDir, vulndataDir } from "../support/fixtures.js";

const dir = join(cacheDir, "function");

function zipDir(zip: string, root: string, prefix: string, extra = ""): void {
  execFileSync("python3", [
    "-c",
    `import os, sys, zipfile
zip, root, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
with zipfile.ZipFile(zip, "w", zipfile.ZIP_DEFLATED) as z:
    for base, dirs, files in os.walk(root):
        for f in files:
            p = os.path.join(base, f)
            z.write(p, os.path.join(prefix, os.path.relpath(p, root)))
${extra}`,
    zip,
    root,
    prefix,
  ]);
}

/** The npm fixture project (package.json + yarn-installed node_modules) zipped as a Node.js function. */
function buildFunction(): { code: string; layer: string } {
  const code = join(dir, "handler.zip");
  const layer = join(dir, "python-layer.zip");
  if (existsSync(code) && existsSync(layer)) return { code, layer };
  mkdirSync(dir, { recursive: true });
  const project = join(cacheDir, "js-fixtures/yarn-v1");
  if (!existsSync(join(project, "node_modules/debug/package.json"))) {
    mkdirSync(project, { recursive: true });
    execFileSync("bash", [
      "-c",
      `cd "${project}" && printf '%s' '{"name":"fn","version":"1.0.0","dependencies":{"debug":"4.3.4"}}' > package.json && npx -y yarn@1.22.22 install --ignore-scripts --no-progress`,
    ]);
  }
  zipDir(code, project, "");
  // A layer: Python distributions under python/ (Lambda puts layers at /opt).
  const site = join(dir, "layer/python/lib/python3.11/site-packages");
  mkdirSync(site, { recursive: true });
  execFileSync("bash", [
    "-c",
    `cp -r /usr/lib/python3/dist-packages/packaging /usr/lib/python3/dist-packages/packaging-*.dist-info "${site}/"`,
  ]);
  zipDir(layer, join(dir, "layer"), "");
  return { code, layer };
}

describe("function packages", () => {
  let fn: { code: string; layer: string };
  before(
    () => {
      fn = buildFunction();
    },
    { timeout: 240_000 },
  );

  it("merges the code at /var/task with its layers at /opt and attributes packages to their zip", async () => {
    const opened = await openTarget(fn.code, { functionLayers: [fn.layer] });
    try {
      const inv = await inventoryTarget(opened);
      const debug = inv.packages.find((p) => p.name === "debug" && p.extractor === "node-modules");
      assert.equal(debug?.version, "4.3.4");
      assert.equal(debug?.location, "var/task/node_modules/debug/package.json");
      assert.ok(
        inv.packages.some(
          (p) => p.name === "debug" && p.extractor === "yarn-lock" && p.location === "var/task/yarn.lock",
        ),
      );
      const packaging = inv.packages.find((p) => p.type === "pypi" && p.name === "packaging");
      assert.ok(
        packaging?.location.startsWith("opt/python/lib/python3.11/site-packages/packaging-"),
        packaging?.location,
      );
      // Each package names the zip it came from.
      assert.notEqual(debug?.layerDigest, packaging?.layerDigest);
      assert.match(debug?.layerDigest ?? "", /^sha256:[0-9a-f]{64}$/);
      assert.deepEqual(inv.warnings, []);
    } finally {
      opened.close();
    }
  });

  it("scans as an AWS_LAMBDA_FUNCTION resource from the command line", () => {
    const dataDir = join(dir, "data");
    const update = runVigil([
      "--quiet",
      "--data-dir",
      dataDir,
      "db",
      "update",
      "--mirror",
      vulndataDir,
      "--feeds",
      "osv:PyPI",
    ]);
    assert.equal(update.status, 0, update.stderr);
    const r = runVigil([
      "--quiet",
      "--data-dir",
      dataDir,
      "scan",
      "--format",
      "json",
      fn.code,
      "--layer",
      fn.layer,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      resource: {
        type: string;
        id: string;
        details: { awsLambdaFunction: { runtime: string; layers: string[] } };
      };
      inventory: { packages: { name: string }[] };
    };
    assert.ok(out.inventory.packages.some((p) => p.name === "packaging"));
    assert.equal(out.resource.type, "AWS_LAMBDA_FUNCTION");
    assert.equal(out.resource.id, "handler");
    assert.equal(out.resource.details.awsLambdaFunction.runtime, "nodejs");
    assert.deepEqual(out.resource.details.awsLambdaFunction.layers, ["python-layer.zip"]);
    const bad = runVigil(["--quiet", "--data-dir", dataDir, "scan", vulndataDir, "--layer", fn.layer]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--layer applies to function packages/);
  });

  it("refuses entries that climb out and packages past their expanded-size limit", async () => {
    const evil = join(dir, "evil.zip");
    execFileSync("python3", [
      "-c",
      `import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("../../etc/cron.d/evil", "* * * * * root true")
`,
      evil,
    ]);
    await assert.rejects(() => openTarget(evil), /evil\.zip: .*(invalid relative path|climbs)/);
    const bomb = join(dir, "bomb.zip");
    execFileSync("python3", [
      "-c",
      `import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("big.bin", b"\\0" * (50 << 20))
`,
      bomb,
    ]);
    await assert.rejects(
      () => openTarget(bomb, { limits: { maxExpandedBytes: 10 << 20 } }),
      /entry big\.bin takes the package past its expanded-size limit/,
    );
  });
});
