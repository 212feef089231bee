import { z } from "zod";

/**
 * The envelope CNCF distribution's `notifications` endpoints receive (media type
 * application/vnd.docker.distribution.events.v1+json): `{ "events": [ … ] }`, one event per blob
 * or manifest push, pull, mount or delete. Harbor, GitLab and Zot send the same shape. Unknown
 * fields are kept out; the ones we use are checked.
 */
export const NOTIFICATION_MEDIA_TYPE = "application/vnd.docker.distribution.events.v1+json";

const Target = z.object({
  mediaType: z.string().max(256).optional(),
  digest: z.string().max(200).optional(),
  size: z.number().optional(),
  length: z.number().optional(),
  repository: z.string().min(1).max(512),
  // Deletes name only { digest, repository }, then one { repository, tag } per tag it had.
  tag: z.string().max(128).optional(),
  url: z.string().max(4096).optional(),
});

const Event = z.object({
  id: z.string().max(256).optional(),
  timestamp: z.string().max(64).optional(),
  action: z.string().max(32),
  target: Target,
  request: z.object({ useragent: z.string().max(1024).optional() }).optional(),
});

export const Envelope = z.object({ events: z.array(Event).max(10_000) });
export type RegistryEvent = z.infer<typeof Event>;

/** Manifest and index media types: the pushes that make an image (blob pushes do not). */
export const MANIFEST_MEDIA_TYPES = new Set([
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
]);

/** Whether an event is about a manifest (as opposed to a layer or config blob). */
export function isManifestEvent(e: RegistryEvent): boolean {
  if (e.target.mediaType && MANIFEST_MEDIA_TYPES.has(e.target.mediaType)) return true;
  // Deletes carry no media type; their URL names the manifest endpoint.
  return !e.target.mediaType && (e.target.url?.includes("/manifests/") ?? false);
}

export function parseEnvelope(body: unknown): { events: RegistryEvent[] } | { error: string } {
  const r = Envelope.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  return {
    error: `notification envelope: ${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`,
  };
}

/** Pulls Vigil makes itself (scans, polls) must not count as the image being in use. */
export const OWN_USER_AGENT = "vigil-registry-client";
export const isOwnRequest = (e: RegistryEvent) => e.request?.useragent?.startsWith(OWN_USER_AGENT) ?? false;
