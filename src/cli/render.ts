import Table from "cli-table3";
import pc from "picocolors";
import type { Inventory } from "../extractors/types.js";
import type { Finding } from "../findings/finding.js";
import type { ScanResult } from "../pipeline/scan.js";
import { SEVERITIES, type Severity, severityRank } from "../scoring/cvss.js";

/** Borders without a rule between rows: long reports stay readable. */
const COMPACT = { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" };

const COLOR: Record<Severity, (s: string) => string> = {
  CRITICAL: (s) => pc.bold(pc.red(s)),
  HIGH: pc.red,
  MEDIUM: pc.yellow,
  LOW: pc.cyan,
  INFORMATIONAL: pc.dim,
  UNTRIAGED: pc.magenta,
};

export function severityCounts(result: ScanResult): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of result.findings) counts[f.severity]++;
  return counts;
}

/** One line: "3 CRITICAL, 10 HIGH, …" from most to least severe, zero counts left out. */
export function summaryLine(result: ScanResult): string {
  const counts = severityCounts(result);
  const parts = [...SEVERITIES]
    .sort((a, b) => severityRank(b) - severityRank(a))
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`);
  return `${result.findings.length} findings${parts.length > 0 ? ` (${parts.join(", ")})` : ""}`;
}

/** Reassembles an OS package version that the finding splits into epoch / version / release. */
function fullVersion(p: { epoch?: number; version: string; release?: string }): string {
  const epoch = p.epoch ? `${p.epoch}:` : "";
  return `${epoch}${p.version}${p.release !== undefined ? `-${p.release}` : ""}`;
}

/** The human-readable report: a header, then one row per finding. */
export function renderTable(result: ScanResult): string {
  const inv = result.inventory;
  const lines: string[] = [];
  lines.push(pc.bold(`Target: ${result.target}`));
  if (inv.os)
    lines.push(`OS: ${inv.os.prettyName ?? inv.os.id}${inv.os.ecosystem ? ` (${inv.os.ecosystem})` : ""}`);
  // --code-only takes no inventory
  if (!result.code || inv.entries > 0 || inv.packages.length > 0)
    lines.push(
      `Packages: ${inv.packages.length} from ${new Set(inv.packages.map((p) => p.location)).size} files`,
    );
  if (result.code) {
    const c = result.code;
    lines.push(
      `Code: ${c.scanned} files scanned${c.skipped.length > 0 ? `, ${c.skipped.length} skipped` : ""}${
        c.partial.length > 0 ? `, ${c.partial.length} partially analysed` : ""
      }`,
    );
  }
  lines.push(summaryLine(result));
  if (result.findings.length === 0) return lines.join("\n") + "\n";
  const code = result.findings.filter((f) => f.type === "CODE_VULNERABILITY");
  const packages = result.findings.filter((f) => f.type !== "CODE_VULNERABILITY");
  const codeTable = code.length > 0 ? renderCodeTable(code) : "";
  if (packages.length === 0) return lines.join("\n") + "\n" + codeTable;
  const table = new Table({
    head: ["Severity", "Vulnerability", "Package", "Installed", "Fixed in", "Path"],
    style: { head: [], border: [] },
    chars: COMPACT,
  });
  for (const f of packages) {
    const p = f.packageVulnerabilityDetails.vulnerablePackages[0]!;
    table.push([
      COLOR[f.severity](f.severity),
      f.packageVulnerabilityDetails.vulnerabilityId,
      p.name,
      fullVersion(p),
      p.fixedInVersion === "NotAvailable" ? pc.dim("(none)") : p.fixedInVersion,
      p.filePath ?? "",
    ]);
  }
  return lines.join("\n") + "\n" + table.toString() + "\n" + codeTable;
}

/** Code findings: severity, detector, CWEs and where. */
function renderCodeTable(findings: readonly Finding[]): string {
  const table = new Table({
    head: ["Severity", "Detector", "CWE", "Location"],
    style: { head: [], border: [] },
    chars: COMPACT,
  });
  for (const f of findings) {
    const d = f.codeVulnerabilityDetails!;
    const p = d.filePath;
    table.push([
      COLOR[f.severity](f.severity),
      d.detectorId,
      d.cwes.join(", "),
      `${p.filePath}:${p.startLine}${p.endLine !== p.startLine ? `-${p.endLine}` : ""}`,
    ]);
  }
  return table.toString() + "\n";
}

/** Packages as a table: type, name, version, source package, file. */
export function renderInventory(inv: Inventory): string {
  const table = new Table({
    head: ["Type", "Name", "Version", "Source", "Path"],
    style: { head: [], border: [] },
  });
  for (const p of inv.packages) {
    const source =
      p.source && (p.source.name !== p.name || p.source.version)
        ? `${p.source.name} ${p.source.version ?? ""}`.trim()
        : "";
    table.push([p.type, p.name, p.version, source, p.location]);
  }
  const os = inv.os ? `OS: ${inv.os.prettyName ?? inv.os.id}\n` : "";
  return `${os}${inv.packages.length} packages\n${table.toString()}\n`;
}
