import { fmtNumber } from "../lib/format";
import type { TimelineDay } from "../types";

const W = 720;
const H = 220;
const PAD = { left: 48, right: 12, top: 12, bottom: 28 };

/** A "nice" axis maximum: 1, 2, 5 × a power of ten, at least `v`. */
function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const shortDate = (d: string) => {
  const [, m, day] = d.split("-");
  return `${Number(day)} ${["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][Number(m) - 1] ?? ""}`;
};

/**
 * Findings over time, drawn as SVG: active findings (line and area) above, opened (up) and
 * closed (down) per day below. Each chart is one image with a spoken summary; the numbers are in
 * a table for screen readers.
 */
export function TimelineChart({ days }: { days: TimelineDay[] }) {
  const n = days.length;
  const first = days[0];
  const last = days[n - 1];
  if (!first || !last) return null;
  const innerW = W - PAD.left - PAD.right;
  const x = (i: number) => PAD.left + (n === 1 ? innerW / 2 : (i / (n - 1)) * innerW);
  const slot = innerW / Math.max(n, 1);

  // Active findings.
  const activeMax = niceMax(Math.max(...days.map((d) => d.active)));
  const innerH = H - PAD.top - PAD.bottom;
  const yA = (v: number) => PAD.top + innerH - (v / activeMax) * innerH;
  const line = days
    .map((d, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${yA(d.active).toFixed(1)}`)
    .join("");
  const area = `${line}L${x(n - 1).toFixed(1)},${yA(0)}L${x(0).toFixed(1)},${yA(0)}Z`;

  // Opened / closed.
  const flowMax = niceMax(Math.max(...days.map((d) => Math.max(d.opened, d.closed))));
  const mid = PAD.top + innerH / 2;
  const half = innerH / 2;
  const barW = Math.max(1, Math.min(18, slot * 0.7));
  const totalOpened = days.reduce((s, d) => s + d.opened, 0);
  const totalClosed = days.reduce((s, d) => s + d.closed, 0);
  const peak = days.reduce((a, d) => (d.active > a.active ? d : a), first);

  const labelIdx = n <= 1 ? [0] : [0, Math.floor((n - 1) / 2), n - 1];
  const activeSummary =
    `Active findings over the last ${n} days: ${fmtNumber(first.active)} on ${first.date}, ` +
    `${fmtNumber(last.active)} on ${last.date}; highest ${fmtNumber(peak.active)} on ${peak.date}.`;
  const flowSummary =
    `Findings opened and closed per day over the last ${n} days: ${fmtNumber(totalOpened)} opened, ` +
    `${fmtNumber(totalClosed)} closed.`;

  const xLabels = labelIdx.map((i) => (
    <text
      key={i}
      x={x(i)}
      y={H - 8}
      textAnchor={i === 0 ? "start" : i === n - 1 ? "end" : "middle"}
      className="chart-label"
    >
      {shortDate(days[i]!.date)}
    </text>
  ));

  return (
    <div className="timeline" data-testid="timeline-chart">
      <figure className="chart">
        <figcaption className="chart-caption">Active findings</figcaption>
        <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={activeSummary}>
          {[0, 0.5, 1].map((f) => (
            <g key={f}>
              <line
                x1={PAD.left}
                x2={W - PAD.right}
                y1={yA(activeMax * f)}
                y2={yA(activeMax * f)}
                className="chart-grid"
              />
              <text x={PAD.left - 6} y={yA(activeMax * f) + 4} textAnchor="end" className="chart-label">
                {fmtNumber(activeMax * f)}
              </text>
            </g>
          ))}
          <path d={area} className="chart-area" />
          <path d={line} className="chart-line" />
          {xLabels}
        </svg>
      </figure>
      <figure className="chart">
        <figcaption className="chart-caption">
          Opened <span className="legend legend-opened" aria-hidden="true" /> and closed{" "}
          <span className="legend legend-closed" aria-hidden="true" /> per day
        </figcaption>
        <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={flowSummary}>
          <line x1={PAD.left} x2={W - PAD.right} y1={mid} y2={mid} className="chart-axis" />
          <text x={PAD.left - 6} y={PAD.top + 4} textAnchor="end" className="chart-label">
            +{fmtNumber(flowMax)}
          </text>
          <text x={PAD.left - 6} y={mid + 4} textAnchor="end" className="chart-label">
            0
          </text>
          <text x={PAD.left - 6} y={PAD.top + innerH + 4} textAnchor="end" className="chart-label">
            −{fmtNumber(flowMax)}
          </text>
          {days.map((d, i) => {
            const ho = (d.opened / flowMax) * half;
            const hc = (d.closed / flowMax) * half;
            return (
              <g key={d.date}>
                <title>{`${d.date}: ${d.opened} opened, ${d.closed} closed, ${d.active} active`}</title>
                {d.opened > 0 ? (
                  <rect
                    x={x(i) - barW / 2}
                    y={mid - ho}
                    width={barW}
                    height={Math.max(ho, 1)}
                    className="chart-opened"
                  />
                ) : null}
                {d.closed > 0 ? (
                  <rect
                    x={x(i) - barW / 2}
                    y={mid}
                    width={barW}
                    height={Math.max(hc, 1)}
                    className="chart-closed"
                  />
                ) : null}
              </g>
            );
          })}
          {xLabels}
        </svg>
      </figure>
      <table className="visually-hidden">
        <caption>Findings per day</caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">Opened</th>
            <th scope="col">Closed</th>
            <th scope="col">Active at end of day</th>
          </tr>
        </thead>
        <tbody>
          {days.map((d) => (
            <tr key={d.date}>
              <th scope="row">{d.date}</th>
              <td>{d.opened}</td>
              <td>{d.closed}</td>
              <td>{d.active}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
