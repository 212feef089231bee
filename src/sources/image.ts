import { closeSync, createReadStream, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { indexTar, type TarMember } from "./tar-index.js";

/** What an image's config says about it (OCI image config / Docker config). */
export interface ImageConfig {
  os?: string;
  architecture?: string;
  created?: string;
  env: string[];
  entrypoint: string[];
  cmd: string[];
  exposedPorts: string[];
  labels: Record<string, string>;
  user?: string;
  /** The image this one was built from, where the image says (OCI base-image annotations/labels). */
  baseImage?: string;
}

export interface ImageLayerRef {
  /** Digest of the layer as stored (compressed blob), "sha256:…". */
  digest: string;
  /** Uncompressed digest from the config's rootfs.diff_ids, when known. */
  diffId?: string;
  size: number;
  open(): Readable;
  /** Where the stored layer lies in a local file, for random access when it is uncompressed. */
  location?: { path: string; offset: number; size: number };
}

export interface ImageSource {
  description: string;
  format: "oci-layout" | "docker-archive" | "oci-archive" | "registry";
  config: ImageConfig;
  configDigest?: string;
  layers: ImageLayerRef[];
  repoTags: string[];
}

const MAX_JSON = 16 << 20;

function parseJson(text: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what}: malformed JSON: ${(e as Error).message}`);
  }
  if (typeof v !== "object" || v === null) throw new Error(`${what}: not a JSON object`);
  return v as Record<string, unknown>;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

/** The parts of an image config document (OCI or Docker) that scanning uses. */
export function readConfig(doc: Record<string, unknown>): ImageConfig {
  const c = (doc["config"] ?? doc["container_config"] ?? {}) as Record<string, unknown>;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries((c["Labels"] as Record<string, unknown> | null) ?? {})) {
    if (typeof v === "string") labels[k] = v;
  }
  const config: ImageConfig = {
    env: strings(c["Env"]),
    entrypoint: strings(c["Entrypoint"]),
    cmd: strings(c["Cmd"]),
    exposedPorts: Object.keys((c["ExposedPorts"] as object | null) ?? {}),
    labels,
  };
  if (typeof doc["os"] === "string") config.os = doc["os"];
  if (typeof doc["architecture"] === "string") config.architecture = doc["architecture"];
  if (typeof doc["created"] === "string") config.created = doc["created"];
  if (typeof c["User"] === "string" && c["User"] !== "") config.user = c["User"];
  const base = labels["org.opencontainers.image.base.name"];
  if (base) config.baseImage = base;
  return config;
}

function diffIds(doc: Record<string, unknown>): string[] {
  return strings((doc["rootfs"] as Record<string, unknown> | undefined)?.["diff_ids"]);
}

/** Blob access for an OCI layout that lives in a directory or inside a tar. */
interface BlobStore {
  locate(path: string): { path: string; offset: number; size: number };
  readText(path: string): string;
  has(path: string): boolean;
  size(path: string): number;
  open(path: string): Readable;
}

function blobPath(digest: string): string {
  const [alg, hex] = digest.split(":");
  if (!alg || !hex || !/^[a-z0-9]+$/.test(alg) || !/^[a-f0-9]+$/.test(hex))
    throw new Error(`invalid digest ${JSON.stringify(digest)}`);
  return `blobs/${alg}/${hex}`;
}

const refName = (m: Record<string, unknown>) =>
  (m["annotations"] as Record<string, string> | undefined)?.["org.opencontainers.image.ref.name"];

/**
 * index.json → (nested index →) one manifest: the one tagged `tag`; else the only image; an
 * index of platforms gives linux/amd64.
 */
function pickManifest(
  store: BlobStore,
  index: Record<string, unknown>,
  tag?: string,
  depth = 0,
): Record<string, unknown> {
  if (depth > 4) throw new Error("image index nesting is too deep");
  let manifests = (index["manifests"] as Record<string, unknown>[] | undefined) ?? [];
  if (manifests.length === 0) throw new Error("image index lists no manifests");
  const names = manifests.map(refName).filter((n): n is string => !!n);
  if (tag !== undefined && depth === 0) {
    manifests = manifests.filter((m) => refName(m) === tag);
    if (manifests.length === 0)
      throw new Error(`no image tagged ${JSON.stringify(tag)} (tags: ${names.join(", ") || "none"})`);
  } else if (depth === 0 && new Set(names).size > 1) {
    throw new Error(`the layout holds several images; name one as <dir>:<tag> (tags: ${names.join(", ")})`);
  }
  const platformOf = (m: Record<string, unknown>) =>
    m["platform"] as { os?: string; architecture?: string } | undefined;
  const chosen =
    manifests.find((m) => platformOf(m)?.os === "linux" && platformOf(m)?.architecture === "amd64") ??
    manifests.find((m) => !platformOf(m)) ??
    manifests[0]!;
  const doc = parseJson(store.readText(blobPath(String(chosen["digest"]))), `manifest ${chosen["digest"]}`);
  if (Array.isArray(doc["manifests"])) return pickManifest(store, doc, undefined, depth + 1);
  return doc;
}

function fromOciStore(
  store: BlobStore,
  description: string,
  format: ImageSource["format"],
  tag?: string,
): ImageSource {
  if (!store.has("index.json")) throw new Error(`${description}: no index.json (not an OCI image layout)`);
  const index = parseJson(store.readText("index.json"), "index.json");
  let manifest: Record<string, unknown>;
  try {
    manifest = pickManifest(store, index, tag);
  } catch (e) {
    throw new Error(`${description}: ${(e as Error).message}`);
  }
  const configRef = manifest["config"] as { digest?: string } | undefined;
  if (!configRef?.digest) throw new Error("manifest has no config");
  const configDoc = parseJson(store.readText(blobPath(configRef.digest)), `config ${configRef.digest}`);
  const ids = diffIds(configDoc);
  const layers = ((manifest["layers"] as Record<string, unknown>[] | undefined) ?? []).map((l, i) => {
    const digest = String(l["digest"]);
    const p = blobPath(digest);
    if (!store.has(p)) throw new Error(`layer ${digest} is missing from the image`);
    const ref: ImageLayerRef = {
      digest,
      size: store.size(p),
      open: () => store.open(p),
      location: store.locate(p),
    };
    if (ids[i]) ref.diffId = ids[i];
    return ref;
  });
  const tags =
    tag !== undefined
      ? [tag]
      : ((index["manifests"] as Record<string, unknown>[] | undefined) ?? [])
          .map(refName)
          .filter((t): t is string => !!t);
  return {
    description,
    format,
    config: readConfig(configDoc),
    configDigest: configRef.digest,
    layers,
    repoTags: tags,
  };
}

function dirStore(dir: string): BlobStore {
  return {
    locate: (p) => ({ path: join(dir, p), offset: 0, size: statSync(join(dir, p)).size }),
    has: (p) => existsSync(join(dir, p)),
    size: (p) => statSync(join(dir, p)).size,
    readText: (p) => {
      const abs = join(dir, p);
      if (!existsSync(abs)) throw new Error(`${p} is missing from the image`);
      if (statSync(abs).size > MAX_JSON) throw new Error(`${p} is too large for a JSON document`);
      return readFileSync(abs, "utf8");
    },
    open: (p) => createReadStream(join(dir, p)),
  };
}

function tarStore(path: string, members: Map<string, TarMember>): BlobStore {
  const get = (p: string) => {
    const m = members.get(p);
    if (!m) throw new Error(`${p} is missing from the archive`);
    return m;
  };
  return {
    locate: (p) => ({ path, offset: get(p).offset, size: get(p).size }),
    has: (p) => members.has(p),
    size: (p) => get(p).size,
    readText: (p) => {
      const m = get(p);
      if (m.size > MAX_JSON) throw new Error(`${p} is too large for a JSON document`);
      const fd = openSync(path, "r");
      try {
        const buf = Buffer.alloc(m.size);
        readSync(fd, buf, 0, m.size, m.offset);
        return buf.toString("utf8");
      } finally {
        closeSync(fd);
      }
    },
    open: (p) => {
      const m = get(p);
      return createReadStream(path, { start: m.offset, end: m.offset + Math.max(m.size, 1) - 1 });
    },
  };
}

/** Whether a directory is an OCI image layout. */
export function isOciLayout(dir: string): boolean {
  return existsSync(join(dir, "oci-layout")) && existsSync(join(dir, "index.json"));
}

export function openOciLayout(dir: string, tag?: string): ImageSource {
  return fromOciStore(
    dirStore(dir),
    `OCI layout ${dir}${tag !== undefined ? `:${tag}` : ""}`,
    "oci-layout",
    tag,
  );
}

/** A tar file: `docker save` output (manifest.json) or an OCI archive (oci-layout + index.json). */
export function openImageArchive(path: string): ImageSource {
  const size = statSync(path).size;
  let members: Map<string, TarMember>;
  try {
    members = indexTar(path, size);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  const store = tarStore(path, members);
  if (members.has("manifest.json")) {
    const list = JSON.parse(store.readText("manifest.json")) as Record<string, unknown>[];
    if (!Array.isArray(list) || list.length === 0) throw new Error(`${path}: manifest.json lists no image`);
    const entry = list[0]!;
    const configPath = String(entry["Config"]);
    const configDoc = parseJson(store.readText(configPath), `config ${configPath}`);
    const ids = diffIds(configDoc);
    const layers = strings(entry["Layers"]).map((p, i) => {
      const ref: ImageLayerRef = {
        // docker-archive layers are named by hash in their path ("<hex>/layer.tar" or "blobs/sha256/<hex>").
        digest: ids[i] ?? `sha256:${/[a-f0-9]{64}/.exec(p)?.[0] ?? p}`,
        size: store.size(p),
        open: () => store.open(p),
        location: store.locate(p),
      };
      if (ids[i]) ref.diffId = ids[i];
      return ref;
    });
    const src: ImageSource = {
      description: `docker archive ${path}`,
      format: "docker-archive",
      config: readConfig(configDoc),
      layers,
      repoTags: strings(entry["RepoTags"]),
    };
    const digest = /[a-f0-9]{64}/.exec(configPath)?.[0];
    if (digest) src.configDigest = `sha256:${digest}`;
    return src;
  }
  if (members.has("index.json")) return fromOciStore(store, `OCI archive ${path}`, "oci-archive");
  throw new Error(`${path}: neither a docker archive (manifest.json) nor an OCI archive (index.json)`);
}
