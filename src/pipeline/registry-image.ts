import { inventory } from "../extractors/inventory.js";
import { allExtractors } from "../extractors/registry.js";
import type { Extractor, Inventory } from "../extractors/types.js";
import { type ImageSource, readConfig } from "../sources/image.js";
import { type ImageLimits, ImageTree, type IndexedLayer } from "../sources/image-tree.js";
import { LayerCache, type LayerCacheOptions } from "../sources/layer-cache.js";
import type { PlatformImage, RegistryClient } from "../sources/registry/client.js";
import type { TreeEntry } from "../sources/types.js";
import { attributeLayers } from "./layers.js";

/** A layer cache keeping what the given extractors read (all of ours by default). */
export function extractorLayerCache(
  dir: string,
  options: Omit<LayerCacheOptions, "wants" | "signature"> & { extractors?: readonly Extractor[] } = {},
): LayerCache {
  const extractors = options.extractors ?? allExtractors;
  return new LayerCache(dir, {
    ...options,
    wants: (e: TreeEntry) => extractors.some((x) => x.wants(e)),
    signature: extractors.map((x) => x.name).join(","),
  });
}

export interface RegistryImageInventory {
  inventory: Inventory;
  source: ImageSource;
  /** Layers read from the cache versus pulled. */
  cachedLayers: number;
  pulledLayers: number;
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Inventories one platform image of a registry: each layer is pulled, digest-verified and indexed
 * once per digest (the cache), then the image's file tree is assembled from the indexes with
 * whiteouts applied and every extractor runs over it, as for a local image.
 */
export async function inventoryRegistryImage(
  client: RegistryClient,
  image: PlatformImage,
  cache: LayerCache,
  options: { limits?: Partial<ImageLimits>; extractors?: readonly Extractor[]; concurrency?: number } = {},
): Promise<RegistryImageInventory> {
  const extractors = options.extractors ?? allExtractors;
  const release = cache.pin(image.layers.map((l) => l.digest));
  let cachedLayers = 0;
  let tree: ImageTree | undefined;
  try {
    const layers: IndexedLayer[] = await mapLimited(image.layers, options.concurrency ?? 3, async (l) => {
      if (cache.has(l.digest)) cachedLayers++;
      return cache.layer(l.digest, () => client.blob(image.repository, l));
    });
    const diffIds =
      ((image.config["rootfs"] as { diff_ids?: unknown } | undefined)?.diff_ids as string[] | undefined) ??
      [];
    const description = `${client.host}/${image.repository}@${image.manifestDigest}`;
    const source: ImageSource = {
      description,
      format: "registry",
      config: readConfig(image.config),
      configDigest: image.configDigest,
      layers: image.layers.map((l, i) => ({
        digest: l.digest,
        size: l.size,
        ...(typeof diffIds[i] === "string" ? { diffId: diffIds[i] } : {}),
        open: () => {
          throw new Error(`${description}: layers are read through the layer cache`);
        },
      })),
      repoTags: [],
    };
    tree = ImageTree.fromIndexedLayers(
      description,
      layers,
      (e) => extractors.some((x) => x.wants(e)),
      options.limits ?? {},
      source,
    );
    const inv = await inventory(tree, { extractors });
    await attributeLayers(inv, tree, extractors);
    for (const w of tree.warnings) inv.warnings.push({ path: w.path, extractor: "image", reason: w.reason });
    return {
      inventory: inv,
      source,
      cachedLayers,
      pulledLayers: image.layers.length - cachedLayers,
    };
  } finally {
    tree?.close();
    release();
  }
}
