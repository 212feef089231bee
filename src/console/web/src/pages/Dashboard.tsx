import { useState } from "react";
import { Link } from "react-router-dom";
import { op } from "../api";
import { SeverityCountsView } from "../components/Severity";
import { Empty, ErrorMessage, Loading, Remote } from "../components/States";
import { TimelineChart } from "../components/TimelineChart";
import { allAggregations, countFindings } from "../lib/count";
import { fmtNumber, labelOf } from "../lib/format";
import { useAsync, useTitle } from "../lib/hooks";
import { exact, searchOf } from "../lib/query";
import type { AggregationResponse, SeverityCounts } from "../types";

const findingsLink = (p: Record<string, string>) => `/findings${searchOf(p)}`;

interface Totals extends Required<SeverityCounts> {
  exploitable?: number;
  fixable?: number;
}

async function totals(signal: AbortSignal): Promise<Totals> {
  const responses = await allAggregations(
    { aggregationType: "ACCOUNT", aggregationRequest: { accountAggregation: {} } },
    signal,
  );
  const t: Totals = { all: 0, critical: 0, high: 0, medium: 0 };
  for (const r of responses) {
    const a = r["accountAggregation"];
    if (!a) continue;
    t.all += a.severityCounts?.all ?? 0;
    t.critical += a.severityCounts?.critical ?? 0;
    t.high += a.severityCounts?.high ?? 0;
    t.medium += a.severityCounts?.medium ?? 0;
    if (typeof a["exploitAvailableCount"] === "number")
      t.exploitable = (t.exploitable ?? 0) + (a["exploitAvailableCount"] as number);
    if (typeof a["fixAvailableCount"] === "number")
      t.fixable = (t.fixable ?? 0) + (a["fixAvailableCount"] as number);
  }
  return t;
}

function SeverityCards() {
  const s = useAsync((signal) => totals(signal), []);
  if (s.loading && !s.data) return <Loading label="Counting active findings…" />;
  if (s.error) return <ErrorMessage error={s.error} onRetry={s.reload} />;
  const t = s.data!;
  const other = Math.max(0, t.all - t.critical - t.high - t.medium);
  const cards = [
    { key: "critical", label: "Critical", value: t.critical, link: findingsLink({ severity: "CRITICAL" }) },
    { key: "high", label: "High", value: t.high, link: findingsLink({ severity: "HIGH" }) },
    { key: "medium", label: "Medium", value: t.medium, link: findingsLink({ severity: "MEDIUM" }) },
    {
      key: "other",
      label: "Low & other",
      value: other,
      link: findingsLink({ severity: "LOW,INFORMATIONAL,UNTRIAGED" }),
    },
    { key: "total", label: "All active", value: t.all, link: findingsLink({}) },
  ];
  return (
    <section aria-labelledby="sev-heading" className="panel">
      <h2 id="sev-heading">Active findings by severity</h2>
      <ul className="stat-grid">
        {cards.map((c) => (
          <li key={c.key}>
            <Link to={c.link} className={`stat stat-${c.key}`} data-testid={`dashboard-card-${c.key}`}>
              <span className="stat-value" data-testid={`dashboard-count-${c.key}`}>
                {fmtNumber(c.value)}
              </span>
              <span className="stat-label">{c.label}</span>
            </Link>
          </li>
        ))}
      </ul>
      {t.all === 0 ? (
        <Empty title="No active findings.">
          Scan something to see findings here: <code>vigil scan</code> a directory or image, add a registry
          under Settings → Registries, or enrol hosts with the agent.
        </Empty>
      ) : null}
      <FixFirst totals={t} />
    </section>
  );
}

/** Critical and high findings with a known exploit, and how many have a fix. */
function FixFirst({ totals: t }: { totals: Totals }) {
  const exploited = useAsync(
    (signal) =>
      countFindings(
        {
          findingStatus: [{ comparison: "EQUALS", value: "ACTIVE" }],
          severity: [
            { comparison: "EQUALS", value: "CRITICAL" },
            { comparison: "EQUALS", value: "HIGH" },
          ],
          exploitAvailable: [{ comparison: "EQUALS", value: "YES" }],
        },
        500,
        signal,
      ),
    [],
  );
  const fixable = useAsync(
    (signal) =>
      t.fixable !== undefined
        ? Promise.resolve({ count: t.fixable, capped: false })
        : countFindings(
            {
              findingStatus: [{ comparison: "EQUALS", value: "ACTIVE" }],
              fixAvailable: [{ comparison: "EQUALS", value: "YES" }],
            },
            500,
            signal,
          ),
    [t.fixable],
  );
  const show = (s: typeof exploited) =>
    s.loading && !s.data ? "…" : s.error ? "?" : `${fmtNumber(s.data!.count)}${s.data!.capped ? "+" : ""}`;
  return (
    <ul className="stat-grid stat-grid-wide">
      <li>
        <Link
          to={findingsLink({ severity: "CRITICAL,HIGH", exploit: "YES", sort: "EPSS_SCORE" })}
          className="stat stat-exploit"
          data-testid="dashboard-card-exploited"
        >
          <span className="stat-value" data-testid="dashboard-count-exploited" aria-live="polite">
            {show(exploited)}
          </span>
          <span className="stat-label">Critical and high with a known exploit — fix these first</span>
        </Link>
        {exploited.error ? <ErrorMessage error={exploited.error} onRetry={exploited.reload} /> : null}
      </li>
      <li>
        <Link
          to={findingsLink({ fix: "YES" })}
          className="stat stat-fix"
          data-testid="dashboard-card-fixable"
        >
          <span className="stat-value" data-testid="dashboard-count-fixable" aria-live="polite">
            {show(fixable)}
          </span>
          <span className="stat-label">Active findings with a fix available</span>
        </Link>
        {fixable.error ? <ErrorMessage error={fixable.error} onRetry={fixable.reload} /> : null}
      </li>
      {t.exploitable !== undefined ? (
        <li>
          <Link to={findingsLink({ exploit: "YES" })} className="stat stat-exploit-all">
            <span className="stat-value">{fmtNumber(t.exploitable)}</span>
            <span className="stat-label">Active findings with a known exploit, any severity</span>
          </Link>
        </li>
      ) : null}
    </ul>
  );
}

interface TopSpec {
  title: string;
  type: "AWS_EC2_INSTANCE" | "AWS_ECR_CONTAINER" | "TITLE";
  member: string;
  label: (r: Record<string, unknown>) => string;
  detail: (r: Record<string, unknown>) => string;
  filter: (r: Record<string, unknown>) => Record<string, string>;
  empty: string;
  testid: string;
}

const s = (v: unknown) => (v === undefined || v === null ? "" : String(v));

const TOP: TopSpec[] = [
  {
    title: "Riskiest hosts",
    type: "AWS_EC2_INSTANCE",
    member: "ec2InstanceAggregation",
    label: (r) => s(r["instanceId"]),
    detail: (r) => s(r["operatingSystem"]),
    filter: (r) => ({ resourceId: exact(s(r["instanceId"])) }),
    empty: "No host has active findings. Enrol hosts with the agent or scan a host's root filesystem.",
    testid: "top-hosts",
  },
  {
    title: "Riskiest images",
    type: "AWS_ECR_CONTAINER",
    member: "awsEcrContainerAggregation",
    label: (r) => s(r["repository"]) || s(r["resourceId"]),
    detail: (r) =>
      [
        Array.isArray(r["imageTags"]) ? (r["imageTags"] as string[]).slice(0, 3).join(", ") : "",
        s(r["imageSha"]).slice(0, 19),
      ]
        .filter(Boolean)
        .join(" · "),
    filter: (r) => ({ resourceId: exact(s(r["resourceId"])) }),
    empty: "No image has active findings. Add a registry under Settings → Registries, or scan an image.",
    testid: "top-images",
  },
  {
    title: "Most widespread critical vulnerabilities",
    type: "TITLE",
    member: "titleAggregation",
    label: (r) => s(r["vulnerabilityId"]) || s(r["title"]),
    detail: (r) => s(r["title"]),
    filter: (r): Record<string, string> =>
      r["vulnerabilityId"]
        ? { vulnerabilityId: exact(s(r["vulnerabilityId"])) }
        : { title: exact(s(r["title"])) },
    empty: "No active vulnerabilities.",
    testid: "top-vulnerabilities",
  },
];

function TopList({ spec }: { spec: TopSpec }) {
  const r = useAsync(
    (signal) =>
      op(
        "ListFindingAggregations",
        {
          aggregationType: spec.type,
          aggregationRequest: { [spec.member]: { sortBy: "CRITICAL", sortOrder: "DESC" } },
          maxResults: 5,
        },
        { signal },
      ),
    [spec],
  );
  const id = `${spec.testid}-heading`;
  return (
    <section className="panel" aria-labelledby={id} data-testid={spec.testid}>
      <h2 id={id}>{spec.title}</h2>
      <Remote state={r} isEmpty={(d) => d.responses.length === 0} empty={<Empty title={spec.empty} />}>
        {(d) => (
          <ol className="top-list">
            {d.responses.slice(0, 5).map((resp: AggregationResponse) => {
              const a = resp[spec.member] ?? {};
              return (
                <li key={`${spec.label(a)}-${a.accountId ?? ""}`}>
                  <Link to={findingsLink(spec.filter(a))} className="top-item">
                    <span className="top-main">
                      <span className="top-label mono">{spec.label(a)}</span>
                      {spec.detail(a) ? <span className="top-detail">{spec.detail(a)}</span> : null}
                    </span>
                    <SeverityCountsView counts={a.severityCounts ?? {}} />
                  </Link>
                </li>
              );
            })}
          </ol>
        )}
      </Remote>
    </section>
  );
}

function Coverage() {
  const r = useAsync(async (signal) => {
    const [byType, byStatus] = await Promise.all([
      op("ListCoverageStatistics", { groupBy: "RESOURCE_TYPE" }, { signal }),
      op("ListCoverageStatistics", { groupBy: "SCAN_STATUS_CODE" }, { signal }),
    ]);
    return { byType, byStatus };
  }, []);
  return (
    <section className="panel" aria-labelledby="coverage-heading" data-testid="coverage-summary">
      <h2 id="coverage-heading">Coverage</h2>
      <Remote
        state={r}
        isEmpty={(d) => d.byType.totalCounts === 0}
        empty={
          <Empty title="Nothing is covered yet.">
            Resources appear here once scanned: add a registry, enrol hosts, or run <code>vigil scan</code>.
          </Empty>
        }
      >
        {(d) => (
          <>
            <p>
              <strong>{fmtNumber(d.byType.totalCounts)}</strong> resources;{" "}
              {(d.byStatus.countsByGroup ?? []).map((g, i) => (
                <span key={g.groupKey}>
                  {i > 0 ? ", " : ""}
                  {fmtNumber(g.count)} {g.groupKey.toLowerCase()}
                </span>
              ))}
              .
            </p>
            <ul className="coverage-list">
              {(d.byType.countsByGroup ?? []).map((g) => (
                <li key={g.groupKey}>
                  <Link to={`/resources?type=${encodeURIComponent(g.groupKey)}`}>
                    <span className="coverage-count">{fmtNumber(g.count)}</span>{" "}
                    {labelOf(g.groupKey).toLowerCase()}
                    {g.count === 1 ? "" : "s"}
                  </Link>{" "}
                  <Link to={findingsLink({ resourceType: g.groupKey })} className="sub-link">
                    findings<span className="visually-hidden"> on {labelOf(g.groupKey).toLowerCase()}s</span>
                  </Link>
                </li>
              ))}
            </ul>
          </>
        )}
      </Remote>
    </section>
  );
}

function Timeline() {
  const [days, setDays] = useState(30);
  const r = useAsync((signal) => op("GetFindingsTimeline", { days }, { signal }), [days]);
  return (
    <section className="panel panel-wide" aria-labelledby="timeline-heading">
      <div className="panel-head">
        <h2 id="timeline-heading">Findings over time</h2>
        <label className="inline-field">
          <span>Period</span>
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            <option value={7}>7 days</option>
            <option value={30}>30 days</option>
            <option value={90}>90 days</option>
            <option value={365}>1 year</option>
          </select>
        </label>
      </div>
      <Remote state={r} isEmpty={(d) => d.days.length === 0} empty={<Empty title="No history yet." />}>
        {(d) => (
          <>
            <TimelineChart days={d.days} />
            <p>
              <Link to={findingsLink({ sort: "FIRST_OBSERVED_AT" })}>Newest active findings</Link>
              {" · "}
              <Link to={findingsLink({ status: "CLOSED", sort: "LAST_OBSERVED_AT" })}>
                Recently closed findings
              </Link>
            </p>
          </>
        )}
      </Remote>
    </section>
  );
}

export function Dashboard() {
  useTitle("Dashboard");
  return (
    <div className="page">
      <h1>Dashboard</h1>
      <SeverityCards />
      <div className="grid-2">
        {TOP.slice(0, 2).map((t) => (
          <TopList key={t.type} spec={t} />
        ))}
      </div>
      <div className="grid-2">
        <TopList spec={TOP[2]!} />
        <Coverage />
      </div>
      <Timeline />
    </div>
  );
}
