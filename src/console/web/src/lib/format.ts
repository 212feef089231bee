/** Display helpers: timestamps (epoch seconds on the wire; some Vigil records use ms), numbers. */

/** A Date from epoch seconds, epoch milliseconds (told apart by size) or an ISO string. */
export function toDate(v: number | string | null | undefined): Date | undefined {
  if (v === null || v === undefined || v === "") return undefined;
  if (typeof v === "number") return new Date(v > 1e11 ? v : v * 1000);
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const number = new Intl.NumberFormat();

export function fmtDateTime(v: number | string | null | undefined): string {
  const d = toDate(v);
  return d ? dateTime.format(d) : "—";
}

export function fmtDate(v: number | string | null | undefined): string {
  const d = toDate(v);
  return d ? dateOnly.format(d) : "—";
}

/** "3 h ago", "2 d ago"; "—" for nothing. */
export function fmtAgo(v: number | string | null | undefined, now = Date.now()): string {
  const d = toDate(v);
  if (!d) return "—";
  const s = Math.round((now - d.getTime()) / 1000);
  if (s < 0) return `in ${fmtDuration(-s)}`;
  if (s < 60) return "just now";
  return `${fmtDuration(s)} ago`;
}

function fmtDuration(s: number): string {
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86400) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

export function fmtNumber(n: number | null | undefined): string {
  return n === null || n === undefined ? "—" : number.format(n);
}

export function fmtScore(n: number | null | undefined, digits = 1): string {
  return n === null || n === undefined ? "—" : n.toFixed(digits);
}

/** EPSS as a percentage ("97.1 %"). */
export function fmtEpss(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  const p = n * 100;
  return `${p < 1 ? p.toFixed(2) : p.toFixed(1)} %`;
}

/** "AWS_ECR_CONTAINER_IMAGE" → "Container image". */
export function labelOf(code: string | undefined): string {
  if (!code) return "—";
  return LABELS[code] ?? code.charAt(0) + code.slice(1).toLowerCase().replace(/_/g, " ");
}

const LABELS: Record<string, string> = {
  AWS_EC2_INSTANCE: "Host",
  AWS_ECR_CONTAINER_IMAGE: "Container image",
  AWS_ECR_REPOSITORY: "Repository",
  AWS_LAMBDA_FUNCTION: "Function",
  PACKAGE_VULNERABILITY: "Package vulnerability",
  NETWORK_REACHABILITY: "Network reachability",
  CODE_VULNERABILITY: "Code vulnerability",
  INFORMATIONAL: "Informational",
  UNTRIAGED: "Untriaged",
};

/** Today in UTC as YYYY-MM-DD (the form of the `vigil:expires` tag). */
export function todayIso(): string {
  return new Date().toISOString().slice(0, 10);
}
