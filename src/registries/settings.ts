import { z } from "zod";

/**
 * How a repository's images are scanned, after ECR's scan frequencies: on every push and again
 * whenever advisories change (continuous), once when pushed (scan-on-push), or only on request.
 */
export const SCAN_MODES = ["continuous", "scan-on-push", "manual"] as const;
export type ScanMode = (typeof SCAN_MODES)[number];

/** Inspector's ECR rescan durations: how long after a push (or a pull) an image stays monitored. */
export const RESCAN_DURATIONS = [
  "LIFETIME",
  "DAYS_3",
  "DAYS_7",
  "DAYS_14",
  "DAYS_30",
  "DAYS_60",
  "DAYS_90",
  "DAYS_180",
] as const;
export type RescanDuration = (typeof RESCAN_DURATIONS)[number];

/** Repository patterns: `*` matches within a path segment, `**` across segments (ECR's wildcard filters). */
const pattern = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[a-z0-9._/*-]+$/, "a repository pattern uses lowercase letters, digits, . _ - / and *");

export const RegistrySettingsShape = z.strictObject({
  /** Repositories to scan; empty means all. */
  include: z.array(pattern).max(100).default([]),
  /** Repositories never scanned, even when included. */
  exclude: z.array(pattern).max(100).default([]),
  /** First matching rule decides a repository's mode; otherwise `defaultMode`. */
  rules: z
    .array(z.strictObject({ repositories: z.array(pattern).min(1).max(100), mode: z.enum(SCAN_MODES) }))
    .max(100)
    .default([]),
  defaultMode: z.enum(SCAN_MODES).default("continuous"),
  /** Overrides the account's ecrConfiguration.rescanDuration for this registry. */
  rescanDuration: z.enum(RESCAN_DURATIONS).optional(),
  /** Overrides the account's ecrConfiguration.pullDateRescanDuration for this registry. */
  pullDateRescanDuration: z.enum(RESCAN_DURATIONS).optional(),
  /** Minutes between catalog/tag polls (for registries that send no notifications); 0 turns it off. */
  pollIntervalMinutes: z.number().int().min(0).max(10080).default(60),
  /** Skip TLS certificate verification (self-signed registries). */
  insecure: z.boolean().default(false),
});
export type RegistrySettings = z.infer<typeof RegistrySettingsShape>;

export const RegistryCredentialsShape = z
  .strictObject({
    username: z.string().min(1).max(256).optional(),
    password: z.string().min(1).max(4096).optional(),
    token: z.string().min(1).max(8192).optional(),
  })
  .refine((c) => !!c.token || (!!c.username && !!c.password), {
    message: "give username and password, or a token",
  });

function patternRegex(p: string): RegExp {
  const body = p
    .split("**")
    .map((part) =>
      part
        .split("*")
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]*"),
    )
    .join(".*");
  return new RegExp(`^${body}$`);
}

export function matchesPattern(repository: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => patternRegex(p).test(repository));
}

/** The mode a repository's images are scanned in, or undefined when the registry skips it. */
export function modeFor(settings: RegistrySettings, repository: string): ScanMode | undefined {
  if (settings.include.length > 0 && !matchesPattern(repository, settings.include)) return undefined;
  if (matchesPattern(repository, settings.exclude)) return undefined;
  return settings.rules.find((r) => matchesPattern(repository, r.repositories))?.mode ?? settings.defaultMode;
}

const DAY = 86_400_000;

export function durationMs(d: RescanDuration): number | undefined {
  return d === "LIFETIME" ? undefined : Number(d.slice(5)) * DAY;
}

/**
 * Whether an image's monitoring has run out: pushed longer ago than the rescan duration, and not
 * pulled within the pull-date duration (Inspector's two clocks).
 */
export function eligibilityExpired(
  image: { pushedAt: number; lastPulledAt: number | null },
  durations: { rescan: RescanDuration; pull: RescanDuration },
  now: number,
): boolean {
  const push = durationMs(durations.rescan);
  if (push === undefined || now - image.pushedAt <= push) return false;
  if (image.lastPulledAt !== null) {
    const pull = durationMs(durations.pull);
    if (pull === undefined || now - image.lastPulledAt <= pull) return false;
  }
  return true;
}
