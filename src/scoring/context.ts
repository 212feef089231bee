import { CvssError, withEnvironmental } from "./cvss/index.js";

/**
 * The Vigil score: the CVSS v3.x base vector with environmental (and temporal) metrics set from
 * what we know about the resource, every change recorded with its reason. Without a piece of
 * context (no network model, no agent facts, no EPSS) nothing is assumed and nothing changes.
 */

export interface OpenPort {
  protocol: "TCP" | "UDP";
  begin: number;
  end: number;
}

/** What the server knows about a resource beyond its packages. */
export interface ResourceContext {
  /** From the network model: ports open to the internet (empty: none). Absent: no model covers it. */
  internetOpen?: OpenPort[];
  /** From the agent: packages in use by running processes, and listening sockets with their packages. */
  host?: {
    inUse: ReadonlySet<string>;
    listening: { protocol: "TCP" | "UDP"; port: number; packages: readonly string[]; process?: string }[];
  };
}

export interface ExploitContext {
  /** CISA KEV: date added, when listed. */
  kevAddedAt?: string;
  /** FIRST EPSS probability (0–1), when known. */
  epss?: number;
}

export interface ScoreAdjustment {
  metric: string;
  reason: string;
}

export interface AdjustedScore {
  score: number;
  vector: string;
  adjustments: ScoreAdjustment[];
}

/** EPSS at or above this is treated as likely exploitation; below the low mark as unproven. */
export const EPSS_HIGH = 0.1;
export const EPSS_LOW = 0.01;

const covers = (open: readonly OpenPort[], protocol: "TCP" | "UDP", port: number) =>
  open.some((o) => o.protocol === protocol && o.begin <= port && port <= o.end);

/**
 * Adjusts a CVSS v3.x vector for one finding's package (`packageNames`: the package and its
 * source package) on one resource. Returns undefined for vectors it cannot adjust (v2, v4).
 */
export function adjustCvss(
  vector: string,
  packageNames: readonly string[],
  exploit: ExploitContext,
  context: ResourceContext,
): AdjustedScore | undefined {
  if (!/^CVSS:3\.[01]\//.test(vector)) return undefined;
  const base = Object.fromEntries(
    vector
      .split("/")
      .slice(1)
      .map((p) => p.split(":") as [string, string]),
  );
  const metrics: Record<string, string> = {};
  const adjustments: ScoreAdjustment[] = [];
  const set = (metric: string, value: string, reason: string) => {
    metrics[metric] = value;
    // A later rule on the same metric replaces the earlier one (and its reason).
    const existing = adjustments.findIndex((a) => a.metric.startsWith(`${metric}:`));
    if (existing >= 0) adjustments.splice(existing, 1);
    adjustments.push({ metric: `${metric}:${value}`, reason });
  };
  const mine = new Set(packageNames);
  const host = context.host;

  // Attack vector: the network model and the agent's sockets.
  if (context.internetOpen) {
    const exposed = host?.listening.find(
      (l) => l.packages.some((p) => mine.has(p)) && covers(context.internetOpen!, l.protocol, l.port),
    );
    if (exposed) {
      if (base["AV"] !== "N")
        set(
          "MAV",
          "N",
          `port ${exposed.port}/${exposed.protocol.toLowerCase()} is open to the internet and ${exposed.process ?? "a process"} using ${packageNames[0]} listens on it`,
        );
    } else if (base["AV"] === "N" && context.internetOpen.length === 0) {
      set("MAV", "A", "not reachable from the internet: the network model opens no port to it");
    } else if (
      base["AV"] === "N" &&
      host &&
      !host.listening.some((l) => l.packages.some((p) => mine.has(p)))
    ) {
      set("MAV", "A", `no process using ${packageNames[0]} listens on a port open to the internet`);
    }
  }

  // Exploitability: KEV, then EPSS.
  if (exploit.kevAddedAt) {
    set(
      "E",
      "H",
      `listed in CISA's Known Exploited Vulnerabilities catalog since ${exploit.kevAddedAt.slice(0, 10)}`,
    );
    if (base["AC"] === "H")
      set("MAC", "L", "exploited in the wild: attack complexity is no barrier in practice");
  } else if (exploit.epss !== undefined) {
    const pct = `${(exploit.epss * 100).toFixed(exploit.epss < 0.01 ? 2 : 1)}%`;
    if (exploit.epss >= EPSS_HIGH) set("E", "H", `EPSS ${pct}: exploitation likely`);
    else if (exploit.epss < EPSS_LOW) set("E", "U", `EPSS ${pct} and not in CISA KEV: no known exploitation`);
    else set("E", "P", `EPSS ${pct}: a proof of concept is likely, no known exploitation`);
  }

  // Package in use: the agent saw no running process executing or mapping its files.
  if (host && !packageNames.some((p) => host.inUse.has(p))) {
    set("MAC", "H", `no running process uses ${packageNames[0]}'s files`);
  }

  if (adjustments.length === 0) return undefined;
  try {
    const r = withEnvironmental(vector, metrics);
    return { score: r.score, vector: r.vector, adjustments };
  } catch (e) {
    if (e instanceof CvssError) return undefined;
    throw e;
  }
}
