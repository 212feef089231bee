/**
 * Property-based fuzzing of the archive readers (fast-check): damaged tars, crafted layer
 * entries with hostile names and links, damaged zips. Every case must end in a result or an
 * Error — no other exception, no hang — and nothing may be written outside the private
 * temporary directory.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { openFunctionPackage } from "../../src/sources/function-package.js";
import { openImageArchive } from "../../src/sources/image.js";
import { ImageTree } from "../../src/sources/image-tree.js";
import { readZipBuffer } from "../../src/sources/zip-buffer.js";
import { cacheDir } from "../support/fixtures.js";

const dir = join(cacheDir, "fuzz");
const RUNS = Number(process.env["FUZZ_RUNS"] ?? 1000);
const SENTINEL = `vigil-fuzz-escape-${process.pid}`;

/** A small valid docker-archive and zip to damage. */
function seeds(): { tar: Buffer; zip: Buffer } {
  mkdirSync(dir, { recursive: true });
  const tarPath = join(dir, "seed.tar");
  const zipPath = join(dir, "seed.zip");
  if (!existsSync(tarPath) || !existsSync(zipPath)) {
    execFileSync("python3", [
      "-c",
      `import io, json, sys, tarfile, zipfile
def layer(files):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w") as t:
        for n, d in files:
            i = tarfile.TarInfo(n); i.size = len(d); t.addfile(i, io.BytesIO(d))
    return b.getvalue()
l = layer([("etc/os-release", b"ID=alpine\\nVERSION_ID=3.18.0\\n"), ("lib/apk/db/installed", b"P:musl\\nV:1.2.4-r1\\n\\n")])
with tarfile.open(sys.argv[1], "w") as t:
    for n, d in [("0/layer.tar", l), ("config.json", json.dumps({"os": "linux", "rootfs": {"diff_ids": []}}).encode()),
                 ("manifest.json", json.dumps([{"Config": "config.json", "Layers": ["0/layer.tar"]}]).encode())]:
        i = tarfile.TarInfo(n); i.size = len(d); t.addfile(i, io.BytesIO(d))
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("requirements.txt", "flask==2.0.0\\n")
    z.writestr("node_modules/x/package.json", '{"name":"x","version":"1.0.0"}')
`,
      tarPath,
      zipPath,
    ]);
  }
  return { tar: readFileSync(tarPath), zip: readFileSync(zipPath) };
}

/** Random damage: flip bytes, truncate, or splice in noise. */
const damage = (seed: Buffer) =>
  fc
    .record({
      flips: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), {
        maxLength: 12,
      }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      noise: fc.option(fc.uint8Array({ maxLength: 600 }), { nil: undefined }),
    })
    .map(({ flips, cut, noise }) => {
      let b = Buffer.from(seed);
      for (const f of flips) b[f.at % b.length] = f.value;
      if (cut !== undefined) b = b.subarray(0, cut % b.length);
      if (noise)
        b = Buffer.concat([b.subarray(0, b.length >> 1), Buffer.from(noise), b.subarray(b.length >> 1)]);
      return b;
    });

const everything = () => true;

/** Runs an async reader, requiring that it resolves or rejects with an Error within a time bound. */
const outcomes = { ok: 0, error: 0 };

async function mustEndCleanly(what: string, run: () => Promise<unknown>): Promise<void> {
  const timeout = new Promise<"hang">((r) => setTimeout(() => r("hang"), 5000).unref());
  const outcome = await Promise.race([
    run().then(
      () => "ok" as const,
      (e: unknown) => e,
    ),
    timeout,
  ]);
  if (outcome === "hang") throw new Error(`${what}: did not finish`);
  if (outcome !== "ok" && !(outcome instanceof Error))
    throw new Error(`${what}: threw a non-Error ${String(outcome)}`);
  outcomes[outcome === "ok" ? "ok" : "error"]++;
}

describe("fuzzing archive readers", () => {
  it(`damaged docker archives: result or Error, every time (${RUNS} cases)`, async () => {
    const { tar } = seeds();
    outcomes.ok = outcomes.error = 0;
    const target = join(dir, "case.tar");
    await fc.assert(
      fc.asyncProperty(damage(tar), async (bytes) => {
        writeFileSync(target, bytes);
        await mustEndCleanly("image archive", async () => {
          const image = openImageArchive(target);
          const tree = await ImageTree.build(image, everything);
          tree.close();
        });
      }),
      { numRuns: RUNS, seed: 20261123 },
    );
    // The damage must reach both outcomes, or the fuzzer is not exercising the readers.
    assert.ok(outcomes.ok > 0 && outcomes.error > 0, JSON.stringify(outcomes));
  });

  it(`hostile layer entries never write or resolve outside the image (${RUNS} cases)`, async () => {
    const name = fc.oneof(
      fc.constantFrom(
        "../",
        "../../",
        "/",
        "./",
        "a/../../",
        `../../../tmp/${SENTINEL}`,
        ".wh.",
        ".wh..wh..opq",
        "etc/",
      ),
      fc.stringMatching(/^[a-z./]{1,12}$/),
    );
    const entry = fc.record({
      name: fc.array(name, { minLength: 1, maxLength: 4 }).map((p) => p.join("")),
      type: fc.constantFrom("file", "directory", "symlink", "link", "other") as fc.Arbitrary<
        "file" | "directory" | "symlink" | "link" | "other"
      >,
      linkname: fc.oneof(fc.constant("/etc/passwd"), fc.constant(`../../../../tmp/${SENTINEL}`), name),
      data: fc.uint8Array({ maxLength: 64 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(entry, { maxLength: 8 }), { minLength: 1, maxLength: 3 }),
        async (layers) => {
          await mustEndCleanly("crafted layers", async () => {
            const sets = layers.map((entries, i) => ({
              digest: `sha256:${String(i).padStart(64, "0")}`,
              entries: entries.map((e) => ({
                name: e.name,
                type: e.type,
                size: e.type === "file" ? e.data.length : 0,
                mode: 0o644,
                linkname: e.linkname,
                ...(e.type === "file" ? { data: Buffer.from(e.data) } : {}),
              })),
            }));
            const tree = ImageTree.fromFileSets("fuzz", sets, everything);
            try {
              const paths: string[] = [];
              await tree.walk((e) => {
                paths.push(e.path);
                return undefined;
              });
              for (const p of paths) {
                assert.ok(!p.split("/").includes(".."), `walked path ${p} climbs`);
                assert.ok(!p.startsWith("/"), `walked path ${p} is absolute`);
                try {
                  const real = tree.resolve(p);
                  assert.ok(!real.split("/").includes(".."), `resolved ${p} → ${real}`);
                  await tree.readFile(p).catch(() => undefined);
                } catch (e) {
                  assert.ok(e instanceof Error);
                }
              }
            } finally {
              tree.close();
            }
          });
          assert.ok(
            !existsSync(join(tmpdir(), SENTINEL)),
            "a file escaped into the host's temporary directory",
          );
        },
      ),
      { numRuns: RUNS, seed: 7 },
    );
  });

  it(`damaged zips: result or Error, every time (${RUNS} cases)`, async () => {
    const { zip } = seeds();
    outcomes.ok = outcomes.error = 0;
    const target = join(dir, "case.zip");
    await fc.assert(
      fc.asyncProperty(damage(zip), async (bytes) => {
        await mustEndCleanly("zip buffer", () => readZipBuffer(bytes, everything));
        writeFileSync(target, bytes);
        await mustEndCleanly("function package", async () => {
          const tree = await openFunctionPackage(target, [], everything);
          tree.close();
        });
      }),
      { numRuns: RUNS, seed: 99 },
    );
    assert.ok(outcomes.ok > 0 && outcomes.error > 0, JSON.stringify(outcomes));
  });
});
