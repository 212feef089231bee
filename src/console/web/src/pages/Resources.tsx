import { type ReactNode, useId, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { op } from "../api";
import { Empty, ErrorMessage, Loading } from "../components/States";
import { fmtAgo, fmtDateTime, fmtNumber, labelOf } from "../lib/format";
import { useAsync, useTitle } from "../lib/hooks";
import type { CoveredResource } from "../types";

type View = "all" | "hosts" | "images" | "functions";
const VIEWS: { id: View; label: string; type?: string }[] = [
  { id: "all", label: "All resources" },
  { id: "hosts", label: "Hosts", type: "AWS_EC2_INSTANCE" },
  { id: "images", label: "Images by repository", type: "AWS_ECR_CONTAINER_IMAGE" },
  { id: "functions", label: "Functions", type: "AWS_LAMBDA_FUNCTION" },
];
const TYPE_VIEW: Record<string, View> = {
  AWS_EC2_INSTANCE: "hosts",
  AWS_ECR_CONTAINER_IMAGE: "images",
  AWS_LAMBDA_FUNCTION: "functions",
};

const REASON_TEXT: Record<string, string> = {
  SUCCESSFUL: "Scanned",
  PENDING_INITIAL_SCAN: "Waiting for its first scan",
  NO_INVENTORY: "No package inventory received yet",
  STALE_INVENTORY: "The inventory is out of date: the agent has not reported recently",
  UNSUPPORTED_OS: "Operating system not supported",
  UNSUPPORTED_RUNTIME: "Runtime not supported",
  SCAN_ELIGIBILITY_EXPIRED: "Not pulled recently: re-scanning has stopped",
  IMAGE_SIZE_EXCEEDED: "Image too large to scan",
  ACCESS_DENIED: "Access denied: check the registry credentials",
  INTERNAL_ERROR: "The scan failed",
  EXCLUDED_BY_TAG: "Excluded by a tag",
  RESOURCE_TERMINATED: "Gone",
  EC2_INSTANCE_STOPPED: "Host stopped",
  NO_RESOURCES_FOUND: "Nothing found to scan",
  SCAN_FREQUENCY_MANUAL: "Scanned on demand only",
  SCAN_FREQUENCY_SCAN_ON_PUSH: "Scanned on push only",
  PENDING_DISABLE: "Being disabled",
  UNMANAGED_EC2_INSTANCE: "Host not managed by an agent",
};

type Criteria = Record<string, { comparison: "EQUALS" | "NOT_EQUALS"; value: string }[]>;

function criteriaOf(type: string | undefined, status: string, reason: string): Criteria {
  const c: Criteria = {};
  if (type) c["resourceType"] = [{ comparison: "EQUALS", value: type }];
  if (status) c["scanStatusCode"] = [{ comparison: "EQUALS", value: status }];
  if (reason) c["scanStatusReason"] = [{ comparison: "EQUALS", value: reason }];
  return c;
}

export function Resources() {
  useTitle("Resources");
  const [search, setSearch] = useSearchParams();
  const typeParam = search.get("type") ?? "";
  const view: View =
    (VIEWS.find((v) => v.id === search.get("view"))?.id as View | undefined) ?? TYPE_VIEW[typeParam] ?? "all";
  const viewType = VIEWS.find((v) => v.id === view)?.type;
  const type = viewType ?? typeParam;
  const status = search.get("status") ?? "";
  const reason = search.get("reason") ?? "";
  const criteria = useMemo(() => criteriaOf(type || undefined, status, reason), [type, status, reason]);
  const set = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(search);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setSearch(next);
  };
  const id = useId();

  return (
    <div className="page">
      <h1>Resources and coverage</h1>
      <CoverageCounts criteria={criteria} />
      <fieldset className="tabs-nav">
        <legend className="visually-hidden">Resource view</legend>
        {VIEWS.map((v) => (
          <button
            key={v.id}
            type="button"
            className={`tab-button${v.id === view ? " is-active" : ""}`}
            aria-pressed={v.id === view}
            onClick={() => set({ view: v.id, type: undefined })}
            data-testid={`resources-view-${v.id}`}
          >
            {v.label}
          </button>
        ))}
      </fieldset>
      <div className="toolbar">
        {view === "all" ? (
          <div className="field inline-field">
            <label htmlFor={`${id}-type`}>Resource type</label>
            <select id={`${id}-type`} value={typeParam} onChange={(e) => set({ type: e.target.value })}>
              <option value="">Any</option>
              {VIEWS.filter((v) => v.type).map((v) => (
                <option key={v.type} value={v.type}>
                  {labelOf(v.type)}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <div className="field inline-field">
          <label htmlFor={`${id}-status`}>Scan status</label>
          <select
            id={`${id}-status`}
            value={status}
            onChange={(e) => set({ status: e.target.value })}
            data-testid="coverage-status"
          >
            <option value="">Any</option>
            <option value="ACTIVE">Active (scanned continuously)</option>
            <option value="INACTIVE">Inactive (not being scanned)</option>
          </select>
        </div>
        <div className="field inline-field">
          <label htmlFor={`${id}-reason`}>Reason</label>
          <select id={`${id}-reason`} value={reason} onChange={(e) => set({ reason: e.target.value })}>
            <option value="">Any</option>
            {Object.keys(REASON_TEXT).map((r) => (
              <option key={r} value={r}>
                {REASON_TEXT[r]}
              </option>
            ))}
          </select>
        </div>
      </div>
      {view === "images" ? (
        <ImagesByRepository criteria={criteria} />
      ) : (
        <ResourceList key={JSON.stringify(criteria) + view} criteria={criteria} view={view} />
      )}
    </div>
  );
}

function CoverageCounts({ criteria }: { criteria: Criteria }) {
  const key = JSON.stringify(criteria);
  const r = useAsync(
    async (signal) => {
      const [types, statuses] = await Promise.all([
        op("ListCoverageStatistics", { filterCriteria: criteria, groupBy: "RESOURCE_TYPE" }, { signal }),
        op("ListCoverageStatistics", { filterCriteria: criteria, groupBy: "SCAN_STATUS_REASON" }, { signal }),
      ]);
      return { types, statuses };
    },
    [key],
  );
  if (r.loading && !r.data) return <Loading label="Counting resources…" />;
  if (r.error) return <ErrorMessage error={r.error} onRetry={r.reload} />;
  const d = r.data!;
  return (
    <ul className="stat-grid" aria-label="Coverage counts" data-testid="coverage-counts">
      <li>
        <div className="stat">
          <span className="stat-value">{fmtNumber(d.types.totalCounts)}</span>
          <span className="stat-label">resources</span>
        </div>
      </li>
      {(d.types.countsByGroup ?? []).map((g) => (
        <li key={g.groupKey}>
          <div className="stat">
            <span className="stat-value">{fmtNumber(g.count)}</span>
            <span className="stat-label">{labelOf(g.groupKey).toLowerCase()}s</span>
          </div>
        </li>
      ))}
      {(d.statuses.countsByGroup ?? [])
        .filter((g) => g.groupKey !== "SUCCESSFUL")
        .map((g) => (
          <li key={g.groupKey}>
            <div className="stat stat-warn">
              <span className="stat-value">{fmtNumber(g.count)}</span>
              <span className="stat-label">{REASON_TEXT[g.groupKey] ?? labelOf(g.groupKey)}</span>
            </div>
          </li>
        ))}
    </ul>
  );
}

/** Pages of ListCoverage (200 at a time) with "Show more". */
function usePagedCoverage(criteria: Criteria) {
  const [pages, setPages] = useState(1);
  const key = JSON.stringify(criteria);
  const r = useAsync(
    async (signal) => {
      const out: CoveredResource[] = [];
      let token: string | undefined;
      for (let i = 0; i < pages; i++) {
        const page = await op(
          "ListCoverage",
          { filterCriteria: criteria, maxResults: 200, ...(token ? { nextToken: token } : {}) },
          { signal },
        );
        out.push(...page.coveredResources);
        token = page.nextToken;
        if (!token) break;
      }
      return { items: out, nextToken: token };
    },
    [key, pages],
  );
  return { ...r, more: () => setPages((p) => p + 1) };
}

function StatusCell({ c }: { c: CoveredResource }) {
  const code = c.scanStatus?.statusCode ?? "—";
  const reason = c.scanStatus?.reason;
  return (
    <>
      <span className={`status status-${code.toLowerCase()}`}>{labelOf(code)}</span>
      {reason ? <span className="sub">{REASON_TEXT[reason] ?? labelOf(reason)}</span> : null}
    </>
  );
}

const findingsOf = (id: string) => `/findings?resourceId=${encodeURIComponent(`"${id}"`)}`;

function ResourceList({ criteria, view }: { criteria: Criteria; view: View }) {
  const r = usePagedCoverage(criteria);
  if (r.loading && !r.data) return <Loading label="Loading resources…" />;
  if (r.error) return <ErrorMessage error={r.error} onRetry={r.reload} />;
  const items = r.data!.items;
  if (items.length === 0) {
    return (
      <Empty title="No resources match.">
        {view === "hosts"
          ? "Enrol hosts with the agent (vigil hosts activation) or scan a root filesystem with vigil scan."
          : view === "functions"
            ? "Scan a function package with vigil scan to see it here."
            : "Add a registry under Settings → Registries, enrol hosts, or run vigil scan; or widen the filters."}
      </Empty>
    );
  }
  const columns: { h: string; cell: (c: CoveredResource) => ReactNode }[] = [
    {
      h: view === "functions" ? "Function" : view === "hosts" ? "Host" : "Resource",
      cell: (c) => (
        <>
          <Link to={findingsOf(c.resourceId)} className="mono break">
            {c.resourceMetadata?.lambdaFunction?.functionName ?? c.resourceId}
          </Link>
          {view === "all" ? <span className="sub">{labelOf(c.resourceType)}</span> : null}
        </>
      ),
    },
    ...(view === "hosts"
      ? [
          { h: "Platform", cell: (c: CoveredResource) => c.resourceMetadata?.ec2?.platform ?? "—" },
          {
            h: "Image",
            cell: (c: CoveredResource) => (
              <span className="mono">{c.resourceMetadata?.ec2?.amiId ?? "—"}</span>
            ),
          },
        ]
      : view === "functions"
        ? [
            {
              h: "Runtime",
              cell: (c: CoveredResource) => c.resourceMetadata?.lambdaFunction?.runtime ?? "—",
            },
            {
              h: "Layers",
              cell: (c: CoveredResource) => c.resourceMetadata?.lambdaFunction?.layers?.join(", ") || "—",
            },
          ]
        : [{ h: "Account", cell: (c: CoveredResource) => <span className="mono">{c.accountId}</span> }]),
    { h: "Scan status", cell: (c) => <StatusCell c={c} /> },
    {
      h: "Last scanned",
      cell: (c) => <span title={fmtDateTime(c.lastScannedAt)}>{fmtAgo(c.lastScannedAt)}</span>,
    },
  ];
  return (
    <>
      <table className="data-table" data-testid="resources-table">
        <caption className="visually-hidden">Resources</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.h} scope="col">
                {c.h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {items.map((c) => (
            <tr key={`${c.accountId}/${c.resourceId}`} data-testid="resource-row">
              {columns.map((col) => (
                <td key={col.h}>{col.cell(c)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {r.data!.nextToken ? (
        <button type="button" className="btn" onClick={r.more} disabled={r.loading}>
          {r.loading ? "Loading…" : `Show more (${fmtNumber(items.length)} shown)`}
        </button>
      ) : null}
    </>
  );
}

function ImagesByRepository({ criteria }: { criteria: Criteria }) {
  const key = JSON.stringify(criteria);
  const repos = useAsync(
    (signal) =>
      op("ListCoverageStatistics", { filterCriteria: criteria, groupBy: "ECR_REPOSITORY_NAME" }, { signal }),
    [key],
  );
  if (repos.loading && !repos.data) return <Loading label="Loading repositories…" />;
  if (repos.error) return <ErrorMessage error={repos.error} onRetry={repos.reload} />;
  const groups = repos.data!.countsByGroup ?? [];
  if (groups.length === 0) {
    return (
      <Empty title="No images match.">
        Add a registry under Settings → Registries, or scan an image with <code>vigil scan</code>.
      </Empty>
    );
  }
  return (
    <div className="repo-list" data-testid="repositories">
      {groups.map((g) => (
        <RepositoryGroup key={g.groupKey} criteria={criteria} repository={g.groupKey} count={g.count} />
      ))}
      {repos.data!.nextToken ? (
        <p className="hint">Showing the {fmtNumber(groups.length)} repositories with the most images.</p>
      ) : null}
    </div>
  );
}

/** One repository, its images fetched when it is opened. */
function RepositoryGroup({
  criteria,
  repository,
  count,
}: {
  criteria: Criteria;
  repository: string;
  count: number;
}) {
  const [open, setOpen] = useState(false);
  return (
    <details className="repo" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        <span className="mono">{repository}</span>{" "}
        <span className="sub">
          {fmtNumber(count)} image{count === 1 ? "" : "s"}
        </span>
      </summary>
      {open ? <RepositoryImages criteria={criteria} repository={repository} /> : null}
    </details>
  );
}

function RepositoryImages({ criteria, repository }: { criteria: Criteria; repository: string }) {
  const c = useMemo(
    () => ({ ...criteria, ecrRepositoryName: [{ comparison: "EQUALS" as const, value: repository }] }),
    [criteria, repository],
  );
  const r = usePagedCoverage(c);
  if (r.loading && !r.data) return <Loading />;
  if (r.error) return <ErrorMessage error={r.error} onRetry={r.reload} />;
  return (
    <>
      <table className="data-table">
        <caption className="visually-hidden">Images in {repository}</caption>
        <thead>
          <tr>
            <th scope="col">Image</th>
            <th scope="col">Tags</th>
            <th scope="col">Scan status</th>
            <th scope="col">Last scanned</th>
          </tr>
        </thead>
        <tbody>
          {r.data!.items.map((img) => (
            <tr key={img.resourceId} data-testid="resource-row">
              <td>
                <Link to={findingsOf(img.resourceId)} className="mono break">
                  {img.resourceId.includes("@")
                    ? img.resourceId.slice(img.resourceId.indexOf("@") + 1, img.resourceId.indexOf("@") + 20)
                    : img.resourceId}
                </Link>
              </td>
              <td>{img.resourceMetadata?.ecrImage?.tags?.join(", ") || "(untagged)"}</td>
              <td>
                <StatusCell c={img} />
              </td>
              <td>
                <span title={fmtDateTime(img.lastScannedAt)}>{fmtAgo(img.lastScannedAt)}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.data!.nextToken ? (
        <button type="button" className="btn" onClick={r.more} disabled={r.loading}>
          Show more
        </button>
      ) : null}
    </>
  );
}
