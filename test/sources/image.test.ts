/**
 * Container images built for real (debootstrap + dpkg + umoci + skopeo, no Docker engine):
 * inventory after whiteouts, layer attribution, the three image forms, and hostile archives.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import type { Inventory } from "../../src/extractors/types.js";
import { inventoryTarget, openTarget } from "../../src/pipeline/scan.js";
import { runVigil } from "../support/cli.js";
import { cacheDir, type ImageFixture, imageFixture, repoRoot } from "../support/fixtures.js";

async function inventoryOf(
  target: string,
): Promise<{ inv: Inventory; close: () => void; digests: string[] }> {
  const opened = await openTarget(target);
  const inv = await inventoryTarget(opened);
  return { inv, close: () => opened.close(), digests: opened.image!.layers.map((l) => l.digest) };
}

/** Installed packages as dpkg-query reads the rootfs (its format syntax built to keep lint quiet). */
function dpkgTruth(root: string): string[] {
  const field = (f: string) => "$" + `{${f}}`;
  const format = `${field("Package")}\t${field("Version")}\t${field("db:Status-Abbrev")}\n`;
  return execFileSync("dpkg-query", [`--admindir=${join(root, "var/lib/dpkg")}`, "-W", "-f", format], {
    encoding: "utf8",
  })
    .split("\n")
    .map((l) => l.split("\t"))
    .filter((f) => f[2]?.trim() === "ii")
    .map((f) => `${f[0]}@${f[1]}`)
    .sort();
}

const debKeys = (inv: Inventory) =>
  inv.packages
    .filter((p) => p.type === "deb")
    .map((p) => `${p.name}@${p.version}`)
    .sort();

describe("container images", () => {
  let fx: ImageFixture;
  before(
    () => {
      fx = imageFixture();
    },
    { timeout: 300_000 },
  );

  it("inventories the final image as dpkg sees its rootfs: purged package gone, upgraded one new", async () => {
    const { inv, close, digests } = await inventoryOf(`${fx.layout}:v2`);
    try {
      assert.equal(digests.length, 2);
      assert.deepEqual(debKeys(inv), dpkgTruth(fx.rootfsV2));
      assert.ok(!inv.packages.some((p) => p.name === "skopeo"), "skopeo was purged in layer 2");
      assert.ok(!inv.packages.some((p) => p.location === "usr/bin/skopeo"), "its binary is whited out");
      assert.equal(inv.packages.find((p) => p.name === "libssl3")?.version, "3.0.22-1~deb12u2");
      assert.equal(inv.os?.ecosystem, "Debian:12");
      assert.deepEqual(inv.warnings, []);
    } finally {
      close();
    }
  });

  it("names the layer that introduced each package", async () => {
    const { inv, close, digests } = await inventoryOf(`${fx.layout}:v2`);
    try {
      const [base, top] = digests;
      assert.equal(inv.packages.find((p) => p.name === "libssl3")?.layerDigest, top, "upgraded in layer 2");
      const others = inv.packages.filter((p) => p.type === "deb" && p.name !== "libssl3");
      assert.ok(others.length > 80);
      assert.ok(
        others.every((p) => p.layerDigest === base),
        "everything else came with layer 1",
      );
    } finally {
      close();
    }
    // v1 still has skopeo, its Go binary, and the older libssl3.
    const v1 = await inventoryOf(`${fx.layout}:v1`);
    try {
      assert.equal(v1.inv.packages.find((p) => p.name === "libssl3")?.version, "3.0.17-1~deb12u2");
      assert.ok(v1.inv.packages.some((p) => p.name === "skopeo" && p.type === "deb"));
      assert.ok(v1.inv.packages.some((p) => p.name === "stdlib" && p.location === "usr/bin/skopeo"));
    } finally {
      v1.close();
    }
  });

  it("reads the docker-archive, OCI archive and zstd-layer forms to the same packages", async () => {
    const layout = await inventoryOf(`${fx.layout}:v2`);
    const keys = debKeys(layout.inv);
    layout.close();
    for (const archive of [fx.dockerArchive, fx.ociArchive, `${fx.zstdLayout}:v2`]) {
      const opened = await openTarget(archive);
      try {
        const inv = await inventoryTarget(opened);
        assert.deepEqual(debKeys(inv), keys, archive);
        assert.equal(opened.image!.config.os, "linux");
        assert.equal(opened.image!.config.architecture, "amd64");
        const top = opened.image!.layers.at(-1)!.digest;
        assert.equal(inv.packages.find((p) => p.name === "libssl3")?.layerDigest, top);
      } finally {
        opened.close();
      }
    }
  });

  it("asks for a tag when a layout holds several images, and removes its temporary files", async () => {
    await assert.rejects(
      () => openTarget(fx.layout),
      /several images; name one as <dir>:<tag> \(tags: v1, v2\)/,
    );
    await assert.rejects(() => openTarget(`${fx.layout}:v9`), /no image tagged "v9"/);
    const before = readdirSync(tmpdir()).filter((f) => f.startsWith("vigil-image-")).length;
    const opened = await openTarget(`${fx.layout}:v1`);
    assert.equal(readdirSync(tmpdir()).filter((f) => f.startsWith("vigil-image-")).length, before + 1);
    opened.close();
    assert.equal(readdirSync(tmpdir()).filter((f) => f.startsWith("vigil-image-")).length, before);
  });
});

describe("temporary files of an image scan", () => {
  it("are removed when the scan is interrupted with Ctrl-C", async () => {
    const fx = imageFixture();
    const before = new Set(readdirSync(tmpdir()).filter((f) => f.startsWith("vigil-image-")));
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(repoRoot, "src/cli/bin.ts"), "--quiet", "inventory", `${fx.layout}:v2`],
      {
        cwd: repoRoot,
        stdio: "ignore",
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // Wait for the scan to create its private directory, then interrupt it.
    let created: string | undefined;
    for (let i = 0; i < 200 && !created; i++) {
      await new Promise((r) => setTimeout(r, 50));
      created = readdirSync(tmpdir()).find((f) => f.startsWith("vigil-image-") && !before.has(f));
    }
    assert.ok(created, "the scan never created its temporary directory");
    child.kill("SIGINT");
    assert.equal(await exited, 130);
    assert.ok(!existsSync(join(tmpdir(), created)), `${created} was left behind`);
  });

  it("the expansion limit is configurable from the command line", () => {
    const fx = imageFixture();
    const r = runVigil(["--quiet", "--max-expanded-size", "1000000", "inventory", fx.dockerArchive]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /image expands past 1000000 bytes/);
  });
});

describe("hostile and odd image archives", () => {
  /** A docker-archive built entry by entry with Python's tarfile. */
  function craft(name: string, layers: string): string {
    const dir = join(cacheDir, "crafted-images");
    mkdirSync(dir, { recursive: true });
    const out = join(dir, `${name}.tar`);
    execFileSync(
      "python3",
      [
        "-c",
        `import io, json, sys, tarfile, hashlib
layers = json.loads(sys.stdin.read())
def add(t, name, data=b"", kind=tarfile.REGTYPE, link=""):
    i = tarfile.TarInfo(name); i.type = kind; i.linkname = link; i.size = len(data) if kind == tarfile.REGTYPE else 0
    i.mode = 0o755
    t.addfile(i, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
blobs = []
for entries in layers:
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w") as t:
        for e in entries:
            kind = {"f": tarfile.REGTYPE, "d": tarfile.DIRTYPE, "l": tarfile.SYMTYPE, "h": tarfile.LNKTYPE}[e[0]]
            add(t, e[1], e[2].encode() if e[0] == "f" else b"", kind, e[2] if e[0] in "lh" else "")
    blobs.append(b.getvalue())
ids = ["sha256:" + hashlib.sha256(x).hexdigest() for x in blobs]
config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Env": ["PATH=/bin"], "ExposedPorts": {"8080/tcp": {}}, "Labels": {"org.opencontainers.image.base.name": "docker.io/library/alpine:3.18"}}, "rootfs": {"type": "layers", "diff_ids": ids}}).encode()
with tarfile.open(sys.argv[1], "w") as t:
    for i, x in enumerate(blobs):
        add(t, "%d/layer.tar" % i, x)
    add(t, "config.json", config)
    add(t, "manifest.json", json.dumps([{"Config": "config.json", "RepoTags": ["crafted:1"], "Layers": ["%d/layer.tar" % i for i in range(len(blobs))]}]).encode())
`,
        out,
      ],
      { input: layers },
    );
    return out;
  }

  const OS = ["f", "etc/os-release", "ID=alpine\nVERSION_ID=3.18.4\n"];
  const APK = (pkgs: string) => ["f", "lib/apk/db/installed", pkgs];

  it("applies opaque directories, hard links, and refuses escaping paths and links", async () => {
    const archive = craft(
      "odd",
      JSON.stringify([
        [
          OS,
          ["d", "opt/app/", ""],
          ["f", "opt/app/requirements.txt", "flask==2.0.0\n"],
          ["f", "srv/requirements.txt", "django==4.0.0\n"],
        ],
        [
          ["f", "opt/app/.wh..wh..opq", ""],
          ["f", "opt/app/new-requirements.txt", "requests==2.31.0\n"],
          ["f", "../../escape-requirements.txt", "evil==1.0\n"],
          ["l", "etc/apk-link", "../../../../etc/passwd"],
          ["h", "srv/copy-requirements.txt", "srv/requirements.txt"],
          APK("P:musl\nV:1.2.4-r1\nA:x86_64\n\n"),
        ],
      ]),
    );
    const opened = await openTarget(archive);
    try {
      const inv = await inventoryTarget(opened);
      assert.deepEqual(inv.packages.map((p) => `${p.location} ${p.name}@${p.version}`).sort(), [
        "lib/apk/db/installed musl@1.2.4-r1",
        "opt/app/new-requirements.txt requests@2.31.0",
        "srv/copy-requirements.txt django@4.0.0",
        "srv/requirements.txt django@4.0.0",
      ]);
      assert.equal(inv.os?.ecosystem, "Alpine:v3.18");
      assert.ok(
        inv.warnings.some((w) => /climbs out of the image/.test(w.reason)),
        JSON.stringify(inv.warnings),
      );
      assert.deepEqual(opened.image!.config.exposedPorts, ["8080/tcp"]);
      assert.deepEqual(opened.image!.repoTags, ["crafted:1"]);
      assert.equal(opened.image!.config.baseImage, "docker.io/library/alpine:3.18");
      assert.deepEqual(opened.image!.config.env, ["PATH=/bin"]);
      assert.ok(!existsSync("/escape-requirements.txt"));
      await assert.rejects(() => opened.tree.readFile("etc/apk-link"), /points outside the image/);
    } finally {
      opened.close();
    }
  });

  it("stops at the expansion limit and names truncated or corrupt archives", async () => {
    const big = craft("big", JSON.stringify([[OS, ["f", "data.bin", "x".repeat(200_000)]]]));
    await assert.rejects(
      () => openTarget(big, { limits: { maxExpandedBytes: 100_000 } }),
      /image expands past 100000 bytes/,
    );
    const whole = readFileSync(big);
    const truncated = join(cacheDir, "crafted-images/truncated.tar");
    writeFileSync(truncated, whole.subarray(0, 1536));
    await assert.rejects(
      () => openTarget(truncated),
      /truncated\.tar: tar member at offset \d+ runs past the end of the file/,
    );
    const corrupt = join(cacheDir, "crafted-images/corrupt.tar");
    const bad = Buffer.from(whole);
    bad.fill(0x41, 0, 100);
    writeFileSync(corrupt, bad);
    await assert.rejects(
      () => openTarget(corrupt),
      /not a directory, an OCI image layout or an image archive|checksum mismatch/,
    );
  });
});
