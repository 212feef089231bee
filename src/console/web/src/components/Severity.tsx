import { labelOf } from "../lib/format";
import type { Severity, SeverityCounts } from "../types";

export function SeverityBadge({ severity }: { severity: Severity | string }) {
  return (
    <span className={`sev sev-${severity.toLowerCase()}`} data-testid="severity-badge">
      {labelOf(severity)}
    </span>
  );
}

/** Critical / high / medium / other counts of a group, as small labelled numbers. */
export function SeverityCountsView({ counts }: { counts: SeverityCounts }) {
  const all = counts.all ?? 0;
  const c = counts.critical ?? 0;
  const h = counts.high ?? 0;
  const m = counts.medium ?? 0;
  return (
    <span className="sev-counts">
      <span className="sev-count sev-critical" title="Critical">
        <span className="visually-hidden">Critical </span>
        {c}
      </span>
      <span className="sev-count sev-high" title="High">
        <span className="visually-hidden">High </span>
        {h}
      </span>
      <span className="sev-count sev-medium" title="Medium">
        <span className="visually-hidden">Medium </span>
        {m}
      </span>
      <span className="sev-count sev-total" title="All">
        <span className="visually-hidden">All </span>
        {all}
      </span>
    </span>
  );
}
