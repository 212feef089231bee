/**
 * The layer cache: layers of a real image (debootstrap + umoci) indexed once per digest, images
 * reassembled from the indexes inventory exactly as when read directly, and hostile or damaged
 * cache input handled.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import { inventory } from "../../src/extractors/inventory.js";
import { attributeLayers } from "../../src/pipeline/layers.js";
import { extractorLayerCache } from "../../src/pipeline/registry-image.js";
import { inventoryTarget, openTarget } from "../../src/pipeline/scan.js";
import { openOciLayout } from "../../src/sources/image.js";
import { ImageTree } from "../../src/sources/image-tree.js";
import { imageFixture } from "../support/fixtures.js";

const pkgKeys = (packages: { type: string; name: string; version: string; layerDigest?: string }[]) =>
  packages.map((p) => `${p.type}:${p.name}@${p.version}#${p.layerDigest ?? ""}`).sort();

async function tarGz(
  entries: { name: string; body?: string; type?: "file" | "directory" }[],
): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type === "directory") pack.entry({ name: e.name, type: "directory" });
    else pack.entry({ name: e.name }, e.body ?? "");
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

describe("layer cache", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "vigil-layer-cache-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reassembles a real two-layer image with the same inventory and layer attribution", async () => {
    const fx = imageFixture();
    const direct = await openTarget(`${fx.layout}:v2`);
    const expected = await inventoryTarget(direct);
    direct.close();

    const cache = extractorLayerCache(join(dir, "a"));
    const image = openOciLayout(fx.layout, "v2");
    const layers = [];
    for (const l of image.layers) layers.push(await cache.layer(l.digest, async () => l.open()));
    assert.deepEqual(cache.stats, { hits: 0, misses: 2, evicted: 0 });
    const tree = ImageTree.fromIndexedLayers("cached v2", layers, () => true, {}, image);
    // Only what extractors asked for was kept, so `wants` above may say yes to everything.
    const inv = await inventory(tree);
    await attributeLayers(inv, tree);
    tree.close();
    assert.ok(inv.packages.length > 80, `found ${inv.packages.length} packages`);
    assert.deepEqual(pkgKeys(inv.packages), pkgKeys(expected.packages));
    assert.deepEqual(inv.os, expected.os);

    // v1 shares v2's first layer: a hit, nothing read.
    const v1 = openOciLayout(fx.layout, "v1");
    await cache.layer(v1.layers[0]!.digest, async () => {
      throw new Error("the cached layer must not be read again");
    });
    assert.equal(cache.stats.hits, 1);
  });

  it("fills one digest once when asked concurrently", async () => {
    const cache = extractorLayerCache(join(dir, "b"));
    const body = await tarGz([{ name: "etc/os-release", body: 'ID=debian\nVERSION_ID="12"\n' }]);
    let opens = 0;
    const open = async () => {
      opens++;
      return Readable.from([body]);
    };
    const digest = `sha256:${"1".repeat(64)}`;
    const [a, b] = await Promise.all([cache.layer(digest, open), cache.layer(digest, open)]);
    assert.equal(opens, 1);
    assert.deepEqual(a.entries, b.entries);
    assert.equal(a.entries[0]!.dataOffset, 0);
  });

  it("refuses a decompression bomb by its declared sizes and leaves nothing behind", async () => {
    const cache = extractorLayerCache(join(dir, "c"), { maxExpandedBytes: 1000 });
    const body = await tarGz([{ name: "big", body: "x".repeat(5000) }]);
    const digest = `sha256:${"2".repeat(64)}`;
    await assert.rejects(
      cache.layer(digest, async () => Readable.from([body])),
      /layer sha256:2{64}: layer expands past 1000 bytes/,
    );
    assert.equal(cache.has(digest), false);
    assert.deepEqual(readdirSync(join(cache.root, "sha256")), []);
  });

  it("refuses a layer that is not a tar and a stream that fails midway", async () => {
    const cache = extractorLayerCache(join(dir, "d"));
    await assert.rejects(
      cache.layer(`sha256:${"3".repeat(64)}`, async () =>
        Readable.from([gzipSync(Buffer.from("not a tar"))]),
      ),
      /layer sha256:3{64}:/,
    );
    const failing = new Readable({
      read() {
        this.destroy(new Error("digest mismatch from the registry"));
      },
    });
    await assert.rejects(
      cache.layer(`sha256:${"4".repeat(64)}`, async () => failing),
      /digest mismatch from the registry/,
    );
    await assert.rejects(
      cache.layer("sha256:../../etc", async () => Readable.from([])),
      /invalid digest/,
    );
  });

  it("drops a damaged index and fills the layer again", async () => {
    const cache = extractorLayerCache(join(dir, "e"));
    const digest = `sha256:${"5".repeat(64)}`;
    const body = await tarGz([{ name: "var/lib/dpkg/status", body: "" }]);
    await cache.layer(digest, async () => Readable.from([body]));
    writeFileSync(join(cache.root, "sha256", "5".repeat(64), "entries.json.gz"), "garbage");
    assert.equal(cache.get(digest), undefined);
    const again = await cache.layer(digest, async () => Readable.from([body]));
    assert.equal(again.entries.length, 1);
  });

  it("evicts least recently used layers past its size, never pinned ones", async () => {
    const cache = extractorLayerCache(join(dir, "f"), { maxBytes: 1 });
    const mk = async (n: number) => {
      const digest = `sha256:${String(n).repeat(64)}`;
      const body = await tarGz([{ name: "etc/os-release", body: `ID=debian\nVERSION_ID="${n}"\n` }]);
      await cache.layer(digest, async () => Readable.from([body]));
      return digest;
    };
    const release = cache.pin([`sha256:${"6".repeat(64)}`]);
    const six = await mk(6);
    const seven = await mk(7);
    assert.equal(cache.has(six), true, "pinned layer survives");
    assert.equal(cache.has(seven), true, "the layer just filled is pinned by its caller's image only");
    release();
    await mk(8);
    assert.equal(cache.has(six), false);
    assert.ok(cache.stats.evicted >= 1);
  });

  it("keeps entries that climb out of the image out of the tree", async () => {
    const cache = extractorLayerCache(join(dir, "g"));
    const body = await tarGz([
      { name: "../../etc/passwd", body: "root:x:0:0" },
      { name: "etc/os-release", body: 'ID=alpine\nVERSION_ID="3.19.1"\n' },
    ]);
    const layer = await cache.layer(`sha256:${"9".repeat(64)}`, async () => Readable.from([body]));
    const tree = ImageTree.fromIndexedLayers("hostile", [layer], () => true);
    assert.equal(await tree.stat("etc/passwd"), undefined);
    assert.match(tree.warnings[0]!.reason, /climbs out of the image/);
    const inv = await inventory(tree);
    assert.equal(inv.os?.id, "alpine");
    tree.close();
  });
});
