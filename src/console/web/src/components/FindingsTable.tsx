import { useVirtualizer } from "@tanstack/react-virtual";
import { type CSSProperties, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link } from "react-router-dom";
import { describeError, op } from "../api";
import { fmtAgo, fmtDateTime, fmtEpss, fmtNumber, fmtScore, labelOf } from "../lib/format";
import type { FilterCriteria, Finding, SortField } from "../types";
import { SeverityBadge } from "./Severity";
import { Empty } from "./States";

const PAGE = 100;
/** Rows left below the viewport when the next page is fetched. */
const PREFETCH = 40;
const ROW_HEIGHT = 52;

interface PagesState {
  items: Finding[];
  nextToken: string | undefined;
  done: boolean;
  loading: boolean;
  error: unknown;
}

const EMPTY: PagesState = { items: [], nextToken: undefined, done: false, loading: false, error: undefined };

/**
 * Findings fetched 100 at a time with nextToken as the list is scrolled; filtering, sorting and
 * paging happen on the server, so only what has been scrolled past is ever held.
 */
function useFindingPages(
  criteria: FilterCriteria,
  sort: { field: SortField; sortOrder: "ASC" | "DESC" },
  queryKey: string,
) {
  const [state, setState] = useState<PagesState>(EMPTY);
  const stateRef = useRef(state);
  stateRef.current = state;
  const generation = useRef(0);
  const inputRef = useRef({ criteria, sort });
  inputRef.current = { criteria, sort };

  const fetchMore = useCallback(async () => {
    const s = stateRef.current;
    if (s.loading || s.done) return;
    const gen = generation.current;
    const update = (next: PagesState) => {
      stateRef.current = next;
      setState(next);
    };
    update({ ...s, loading: true, error: undefined });
    let token = s.nextToken;
    const got: Finding[] = [];
    try {
      // A page can come back empty with a token (the server bounds rows examined per call).
      for (let tries = 0; tries < 10; tries++) {
        const r = await op("ListFindings", {
          filterCriteria: inputRef.current.criteria,
          sortCriteria: inputRef.current.sort,
          maxResults: PAGE,
          ...(token ? { nextToken: token } : {}),
        });
        if (gen !== generation.current) return;
        got.push(...r.findings);
        token = r.nextToken;
        if (got.length > 0 || !token) break;
      }
      const cur = stateRef.current;
      update({
        items: [...cur.items, ...got],
        nextToken: token,
        done: !token,
        loading: false,
        error: undefined,
      });
    } catch (error) {
      if (gen !== generation.current) return;
      update({ ...stateRef.current, loading: false, error });
    }
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new query (its key) starts over
  useEffect(() => {
    generation.current++;
    stateRef.current = EMPTY;
    setState(EMPTY);
    void fetchMore();
  }, [queryKey, fetchMore]);

  return { ...state, fetchMore };
}

interface Props {
  criteria: FilterCriteria;
  sort: { field: SortField; sortOrder: "ASC" | "DESC" };
  /** Changes when the list must be fetched again (new filters, or after a suppression). */
  queryKey: string;
  selectable: boolean;
  selected: ReadonlySet<string>;
  onSelect: (arns: string[], selected: boolean) => void;
  onSort: (field: SortField) => void;
  onLoaded?: (count: number, done: boolean) => void;
  linkState?: unknown;
}

const SORTABLE: Record<string, SortField> = {
  severity: "SEVERITY",
  score: "INSPECTOR_SCORE",
  epss: "EPSS_SCORE",
  last: "LAST_OBSERVED_AT",
};

export function FindingsTable({
  criteria,
  sort,
  queryKey,
  selectable,
  selected,
  onSelect,
  onSort,
  onLoaded,
  linkState,
}: Props) {
  const pages = useFindingPages(criteria, sort, queryKey);
  const { items, done, loading, error, fetchMore } = pages;
  const scrollRef = useRef<HTMLDivElement>(null);
  const count = items.length + (done ? 0 : 1);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    useFlushSync: false,
  });
  const virtualItems = virtualizer.getVirtualItems();
  const lastIndex = virtualItems.at(-1)?.index ?? 0;

  useEffect(() => {
    if (!done && !loading && !error && lastIndex >= items.length - PREFETCH) void fetchMore();
  }, [lastIndex, items.length, done, loading, error, fetchMore]);

  useEffect(() => {
    onLoaded?.(items.length, done);
  }, [items.length, done, onLoaded]);

  // A new query starts at the top.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs per query
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [queryKey]);

  const { loadedArns, allSelected, someSelected } = useMemo(() => {
    const arns = items.map((f) => f.findingArn);
    let n = 0;
    for (const a of arns) if (selected.has(a)) n++;
    return {
      loadedArns: arns,
      allSelected: arns.length > 0 && n === arns.length,
      someSelected: n > 0 && n < arns.length,
    };
  }, [items, selected]);

  if (done && items.length === 0) {
    return (
      <Empty title="No findings match these filters.">
        Widen the filters (the Status filter shows active findings unless you pick others), or clear them all.
      </Empty>
    );
  }

  const header = (key: keyof typeof SORTABLE, label: string) => {
    const field = SORTABLE[key]!;
    const active = sort.field === field;
    return (
      <th
        scope="col"
        className={`col col-${key}`}
        aria-sort={active ? (sort.sortOrder === "ASC" ? "ascending" : "descending") : "none"}
      >
        <button type="button" className="sort-button" onClick={() => onSort(field)}>
          {label}
          <span aria-hidden="true" className="sort-indicator">
            {active ? (sort.sortOrder === "ASC" ? "▲" : "▼") : ""}
          </span>
        </button>
      </th>
    );
  };

  // Rows outside the viewport are not rendered: spacers (CSS generated rows, invisible to
  // assistive technology) above and below keep the scroll height and position right.
  const paddingTop = virtualItems[0]?.start ?? 0;
  const paddingBottom = virtualizer.getTotalSize() - (virtualItems.at(-1)?.end ?? 0);

  return (
    <div
      className="findings-table"
      data-testid="findings-table"
      data-selectable={selectable ? "true" : "false"}
    >
      <div ref={scrollRef} className="ft-scroll">
        <table
          className="ft"
          aria-rowcount={done ? items.length + 1 : -1}
          style={{ "--pad-top": `${paddingTop}px`, "--pad-bottom": `${paddingBottom}px` } as CSSProperties}
        >
          <caption className="visually-hidden">Findings{done ? "" : ", more load as you scroll"}</caption>
          <colgroup>
            <col className="w-select" />
            <col className="w-severity" />
            <col className="w-title" />
            <col className="w-resource" />
            <col className="w-score" />
            <col className="w-epss" />
            <col className="w-fix" />
            <col className="w-exploit" />
            <col className="w-status" />
            <col className="w-last" />
          </colgroup>
          <thead>
            <tr aria-rowindex={1}>
              <th scope="col" className="col col-select">
                {selectable ? (
                  <input
                    type="checkbox"
                    aria-label="Select all loaded findings"
                    checked={allSelected}
                    ref={(el) => {
                      if (el) el.indeterminate = someSelected;
                    }}
                    onChange={(e) => onSelect(loadedArns, e.target.checked)}
                    data-testid="select-all"
                  />
                ) : (
                  <span className="visually-hidden">Selection</span>
                )}
              </th>
              {header("severity", "Severity")}
              <th scope="col" className="col col-title">
                Finding
              </th>
              <th scope="col" className="col col-resource">
                Resource
              </th>
              {header("score", "Score")}
              {header("epss", "EPSS")}
              <th scope="col" className="col col-fix">
                Fix
              </th>
              <th scope="col" className="col col-exploit">
                Exploit
              </th>
              <th scope="col" className="col col-status">
                Status
              </th>
              {header("last", "Last seen")}
            </tr>
          </thead>
          <tbody>
            {virtualItems.map((v) => {
              const f = items[v.index];
              if (!f) {
                return (
                  <tr key="loader" aria-rowindex={v.index + 2} className="ft-loader">
                    <td colSpan={10} className="col col-loader">
                      {error ? (
                        <span role="alert" className="inline-error">
                          {describeError(error)}{" "}
                          <button type="button" className="btn btn-small" onClick={() => void fetchMore()}>
                            Try again
                          </button>
                        </span>
                      ) : (
                        <span role="status">
                          <span className="spinner" aria-hidden="true" />
                          {items.length === 0
                            ? "Loading findings…"
                            : `Loading more (${fmtNumber(items.length)} so far)…`}
                        </span>
                      )}
                    </td>
                  </tr>
                );
              }
              return (
                <FindingRow
                  key={f.findingArn}
                  f={f}
                  index={v.index}
                  measure={virtualizer.measureElement}
                  {...{ selectable, selected, onSelect, linkState }}
                />
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function FindingRow({
  f,
  index,
  measure,
  selectable,
  selected,
  onSelect,
  linkState,
}: {
  f: Finding;
  index: number;
  measure: (el: HTMLTableRowElement | null) => void;
  selectable: boolean;
  selected: ReadonlySet<string>;
  onSelect: (arns: string[], selected: boolean) => void;
  linkState?: unknown;
}) {
  const pkg = f.packageVulnerabilityDetails?.vulnerablePackages[0];
  const r = f.resources[0];
  const isSelected = selected.has(f.findingArn);
  const net = f.networkReachabilityDetails;
  return (
    <tr
      ref={measure}
      data-index={index}
      aria-rowindex={index + 2}
      className={`ft-row${isSelected ? " is-selected" : ""}`}
      data-testid="finding-row"
      data-arn={f.findingArn}
    >
      <td className="col col-select">
        {selectable ? (
          <input
            type="checkbox"
            checked={isSelected}
            aria-label={`Select ${f.title}${r ? ` on ${r.id}` : ""}`}
            onChange={(e) => onSelect([f.findingArn], e.target.checked)}
            data-testid="finding-select"
          />
        ) : null}
      </td>
      <td className="col col-severity">
        <SeverityBadge severity={f.severity} />
      </td>
      <td className="col col-title">
        <Link
          to={`/findings/${encodeURIComponent(f.findingArn)}`}
          state={linkState}
          className="ft-title"
          data-testid="finding-link"
        >
          {f.title}
        </Link>
        <span className="ft-sub">
          {pkg
            ? `${pkg.name} ${pkg.version}${pkg.fixedInVersion && pkg.fixedInVersion !== "NotAvailable" ? ` → ${pkg.fixedInVersion}` : ""}`
            : net
              ? `${net.protocol} ${net.openPortRange.begin}${net.openPortRange.end !== net.openPortRange.begin ? `–${net.openPortRange.end}` : ""} open`
              : f.codeVulnerabilityDetails
                ? `${f.codeVulnerabilityDetails.filePath.filePath}:${f.codeVulnerabilityDetails.filePath.startLine}`
                : labelOf(f.type)}
        </span>
      </td>
      <td className="col col-resource">
        <span className="ft-resource mono" title={r?.id}>
          {r?.id ?? "—"}
        </span>
        <span className="ft-sub">{labelOf(r?.type)}</span>
      </td>
      <td className="col col-score num">{fmtScore(f.inspectorScore)}</td>
      <td className="col col-epss num">{fmtEpss(f.epss?.score)}</td>
      <td className="col col-fix">
        {f.fixAvailable === "YES" ? "Yes" : f.fixAvailable === "PARTIAL" ? "Partial" : "No"}
      </td>
      <td className="col col-exploit">
        {f.exploitAvailable === "YES" ? <span className="tag tag-danger">Known</span> : "—"}
      </td>
      <td className="col col-status">
        <span className={`status status-${f.status.toLowerCase()}`}>{labelOf(f.status)}</span>
      </td>
      <td className="col col-last" title={fmtDateTime(f.lastObservedAt)}>
        {fmtAgo(f.lastObservedAt)}
      </td>
    </tr>
  );
}
