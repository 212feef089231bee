import { type FormEvent, useCallback, useId, useMemo, useState } from "react";
import { Link, useLocation, useNavigate, useSearchParams } from "react-router-dom";
import { describeError, op } from "../api";
import { FilterBar } from "../components/FilterBar";
import { FindingsTable } from "../components/FindingsTable";
import { SeverityCountsView } from "../components/Severity";
import { Empty, Remote } from "../components/States";
import { MAX_BULK, SuppressForm } from "../components/SuppressForm";
import { fmtNumber } from "../lib/format";
import { useAsync, useTitle } from "../lib/hooks";
import {
  AGGREGATIONS,
  aggregationInput,
  aggregationSpec,
  groupRow,
  type Params,
  paramsOf,
  QUERY_KEYS,
  SORT_FIELDS,
  searchOf,
  sortOf,
  toCriteria,
} from "../lib/query";
import { useSession } from "../lib/session";
import type { AggregationResponse, SortField } from "../types";

export function Findings() {
  useTitle("Findings");
  const { isAdmin } = useSession();
  const [search, setSearch] = useSearchParams();
  const location = useLocation();
  const params = useMemo(() => paramsOf(search), [search]);
  const criteria = useMemo(() => toCriteria(params), [params]);
  const sort = sortOf(params);
  const groupSpec = aggregationSpec(params["group"]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [reloadCount, setReloadCount] = useState(0);
  const [suppressOpen, setSuppressOpen] = useState(false);
  const [announce, setAnnounce] = useState("");
  const [loaded, setLoaded] = useState<{ count: number; done: boolean }>({ count: 0, done: false });
  const queryKey = `${JSON.stringify(criteria)}|${sort.field}|${sort.sortOrder}|${reloadCount}`;

  const update = useCallback(
    (changes: Record<string, string | undefined>) => {
      const next: Params = { ...params };
      for (const [k, v] of Object.entries(changes)) {
        if (v === undefined) delete next[k];
        else next[k] = v;
      }
      setSelected(new Set());
      setSearch(new URLSearchParams(searchOf(next)), { replace: false });
    },
    [params, setSearch],
  );

  const onSelect = useCallback((arns: string[], on: boolean) => {
    setSelected((prev) => {
      const next = new Set(prev);
      for (const a of arns) {
        if (on) next.add(a);
        else next.delete(a);
      }
      return next;
    });
  }, []);

  const onSort = useCallback(
    (field: SortField) => {
      const same = sort.field === field;
      update({ sort: field, order: same && sort.sortOrder === "DESC" ? "ASC" : "DESC" });
    },
    [sort.field, sort.sortOrder, update],
  );

  const onLoaded = useCallback((count: number, done: boolean) => setLoaded({ count, done }), []);

  const sortId = useId();
  const groupId = useId();
  const suppressHintId = useId();

  return (
    <div className="page page-findings">
      <div className="page-head">
        <h1>Findings</h1>
        <SavedViews params={params} />
      </div>
      <div className="findings-layout">
        <FilterBar params={params} onChange={update} onClear={() => setSearch(new URLSearchParams())} />
        <section className="findings-main" aria-label="Results">
          <div className="toolbar">
            <div className="field inline-field">
              <label htmlFor={sortId}>Sort by</label>
              <select
                id={sortId}
                value={sort.field}
                data-testid="sort-field"
                onChange={(e) => update({ sort: e.target.value })}
              >
                {SORT_FIELDS.map((s) => (
                  <option key={s.value} value={s.value}>
                    {s.label}
                  </option>
                ))}
              </select>
              <button
                type="button"
                className="btn btn-small"
                data-testid="sort-order"
                onClick={() => update({ order: sort.sortOrder === "DESC" ? "ASC" : "DESC" })}
                title={sort.sortOrder === "DESC" ? "Switch to ascending" : "Switch to descending"}
              >
                {/* The visible words are the accessible name (WCAG 2.5.3); the arrow is decoration. */}
                <span aria-hidden="true">{sort.sortOrder === "DESC" ? "↓ " : "↑ "}</span>
                {sort.sortOrder === "DESC" ? "Descending" : "Ascending"}
              </button>
            </div>
            <div className="field inline-field">
              <label htmlFor={groupId}>Group by</label>
              <select
                id={groupId}
                value={groupSpec?.type ?? ""}
                data-testid="group-by"
                onChange={(e) => update({ group: e.target.value || undefined })}
              >
                <option value="">No grouping</option>
                {AGGREGATIONS.map((a) => (
                  <option key={a.type} value={a.type}>
                    {a.label}
                  </option>
                ))}
              </select>
            </div>
            <div className="toolbar-spacer" />
            {!groupSpec ? (
              <span className="result-count" aria-live="polite" data-testid="result-count">
                {loaded.count === 0 && !loaded.done
                  ? ""
                  : `${fmtNumber(loaded.count)}${loaded.done ? "" : "+"} finding${loaded.count === 1 ? "" : "s"}`}
              </span>
            ) : null}
            {isAdmin ? (
              <>
                <Link
                  className="btn btn-small"
                  to={`/suppression-rules?new=1&from=${encodeURIComponent(searchOf(params))}`}
                  data-testid="rule-from-filter"
                >
                  Suppression rule from filter
                </Link>
                <button
                  type="button"
                  className="btn btn-primary btn-small"
                  disabled={selected.size === 0}
                  aria-expanded={suppressOpen}
                  onClick={() => setSuppressOpen((o) => !o)}
                  data-testid="suppress-selected"
                >
                  Suppress selected{selected.size ? ` (${selected.size})` : ""}
                </button>
              </>
            ) : (
              <>
                <button
                  type="button"
                  className="btn btn-small"
                  disabled
                  aria-describedby={suppressHintId}
                  data-testid="suppress-selected"
                >
                  Suppress selected
                </button>
                <span id={suppressHintId} className="hint" data-testid="viewer-note">
                  Viewers can't suppress findings; ask an admin.
                </span>
              </>
            )}
          </div>
          <div aria-live="polite" className="announce" data-testid="findings-announce">
            {announce}
          </div>
          {suppressOpen && isAdmin && selected.size > 0 ? (
            <div className="panel suppress-panel">
              <h2>
                Suppress {selected.size} finding{selected.size === 1 ? "" : "s"}
              </h2>
              {selected.size > MAX_BULK ? (
                <p className="form-error">
                  {fmtNumber(selected.size)} selected: suppress at most {MAX_BULK} at once, or use
                  "Suppression rule from filter".
                </p>
              ) : null}
              <SuppressForm
                findingArns={[...selected]}
                defaultName={`Suppressed in console ${new Date().toISOString().slice(0, 10)}`}
                onCreated={(rules) => {
                  setAnnounce(
                    `Suppressed ${selected.size} finding${selected.size === 1 ? "" : "s"} with ${rules.length} rule${rules.length === 1 ? "" : "s"}.`,
                  );
                  setSelected(new Set());
                  setSuppressOpen(false);
                  setReloadCount((c) => c + 1);
                }}
                onCancel={() => setSuppressOpen(false)}
              />
            </div>
          ) : null}
          {groupSpec ? (
            <GroupView
              key={searchOf(params)}
              params={params}
              onPick={(filter) => update({ ...filter, group: undefined })}
            />
          ) : (
            <FindingsTable
              criteria={criteria}
              sort={sort}
              queryKey={queryKey}
              selectable={isAdmin}
              selected={selected}
              onSelect={onSelect}
              onSort={onSort}
              onLoaded={onLoaded}
              linkState={{ from: location.pathname + location.search }}
            />
          )}
        </section>
      </div>
    </div>
  );
}

/** The view grouped by an aggregation: groups with their counts; a group opens its findings. */
function GroupView({ params, onPick }: { params: Params; onPick: (filter: Params) => void }) {
  const spec = aggregationSpec(params["group"])!;
  const [sortBy, setSortBy] = useState<"CRITICAL" | "HIGH" | "ALL">("CRITICAL");
  const [more, setMore] = useState(0);
  const input = aggregationInput(spec, params, sortBy);
  const inputKey = JSON.stringify(input);
  const r = useAsync(
    async (signal) => {
      const out: AggregationResponse[] = [];
      let token: string | undefined;
      for (let i = 0; i <= more; i++) {
        const page = await op(
          "ListFindingAggregations",
          { ...input, maxResults: 50, ...(token ? { nextToken: token } : {}) },
          { signal },
        );
        out.push(...page.responses);
        token = page.nextToken;
        if (!token) break;
      }
      return { responses: out, nextToken: token };
    },
    [inputKey, more],
  );
  const sortId = useId();
  return (
    <div className="group-view" data-testid="group-view">
      <div className="toolbar">
        <p className="hint">
          Active findings grouped by {spec.label.toLowerCase()}. Severity, status, score and other filters
          that the aggregation cannot express are not applied to these counts.
        </p>
        <div className="field inline-field">
          <label htmlFor={sortId}>Rank by</label>
          <select
            id={sortId}
            value={sortBy}
            onChange={(e) => {
              setMore(0);
              setSortBy(e.target.value as "CRITICAL" | "HIGH" | "ALL");
            }}
          >
            <option value="CRITICAL">Critical</option>
            <option value="HIGH">High</option>
            <option value="ALL">All</option>
          </select>
        </div>
      </div>
      <Remote
        state={r}
        loadingLabel="Grouping findings…"
        isEmpty={(d) => d.responses.length === 0}
        empty={
          <Empty title={`No active findings to group by ${spec.label.toLowerCase()}.`}>
            Try another grouping, or clear the filters.
          </Empty>
        }
      >
        {(d) => (
          <>
            <table className="data-table">
              <caption className="visually-hidden">Findings by {spec.label.toLowerCase()}</caption>
              <thead>
                <tr>
                  <th scope="col">{spec.label}</th>
                  <th scope="col">Critical · High · Medium · All</th>
                </tr>
              </thead>
              <tbody>
                {d.responses.map((resp, i) => {
                  const g = groupRow(spec, resp, i);
                  return (
                    <tr key={g.key} data-testid="group-row">
                      <td>
                        <button type="button" className="link-button" onClick={() => onPick(g.filter)}>
                          <span className="mono">{g.label || "(none)"}</span>
                        </button>
                        {g.detail ? <span className="sub">{g.detail}</span> : null}
                      </td>
                      <td>
                        <SeverityCountsView counts={g.counts} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {d.nextToken ? (
              <button
                type="button"
                className="btn"
                disabled={r.loading}
                onClick={() => setMore((m) => m + 1)}
              >
                {r.loading ? "Loading…" : "Show more groups"}
              </button>
            ) : null}
          </>
        )}
      </Remote>
    </div>
  );
}

/** Saved views: the caller's named Findings queries. */
function SavedViews({ params }: { params: Params }) {
  const navigate = useNavigate();
  const views = useAsync((signal) => op("ListSavedViews", {}, { signal }), []);
  const [saving, setSaving] = useState(false);
  const [name, setName] = useState("");
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);
  const id = useId();
  const current = searchOf(params);
  const match = views.data?.views.find((v) => searchOf(queryParams(v.query)) === current);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return setMessage("Name the view.");
    setBusy(true);
    try {
      const query: Record<string, string> = {};
      for (const k of QUERY_KEYS) if (params[k] !== undefined) query[k] = params[k];
      await op("PutSavedView", { name: name.trim(), query });
      setMessage(`Saved view "${name.trim()}".`);
      setSaving(false);
      setName("");
      views.reload();
    } catch (err) {
      setMessage(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!match) return;
    setBusy(true);
    try {
      await op("DeleteSavedView", { id: match.id });
      setMessage(`Deleted view "${match.name}".`);
      views.reload();
    } catch (err) {
      setMessage(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="saved-views" data-testid="saved-views">
      <div className="field inline-field">
        <label htmlFor={`${id}-views`}>Saved views</label>
        <select
          id={`${id}-views`}
          value={match?.id ?? ""}
          disabled={views.loading && !views.data}
          data-testid="saved-view-select"
          onChange={(e) => {
            const v = views.data?.views.find((x) => x.id === e.target.value);
            if (v) navigate(`/findings${searchOf(queryParams(v.query))}`);
          }}
        >
          <option value="">
            {views.error ? "(unavailable)" : views.data?.views.length ? "Choose a view…" : "No saved views"}
          </option>
          {views.data?.views.map((v) => (
            <option key={v.id} value={v.id}>
              {v.name}
            </option>
          ))}
        </select>
      </div>
      {match ? (
        <button
          type="button"
          className="btn btn-small"
          onClick={remove}
          disabled={busy}
          data-testid="saved-view-delete"
        >
          Delete view
        </button>
      ) : (
        <button
          type="button"
          className="btn btn-small"
          aria-expanded={saving}
          onClick={() => setSaving((s) => !s)}
          data-testid="saved-view-save"
        >
          Save view
        </button>
      )}
      {saving ? (
        <form className="inline-form" onSubmit={save}>
          <label htmlFor={`${id}-name`} className="visually-hidden">
            View name
          </label>
          <input
            id={`${id}-name`}
            placeholder="View name"
            value={name}
            maxLength={100}
            onChange={(e) => setName(e.target.value)}
            data-testid="saved-view-name"
          />
          <button type="submit" className="btn btn-primary btn-small" disabled={busy}>
            Save
          </button>
        </form>
      ) : null}
      <span aria-live="polite" className="hint">
        {message || (views.error ? describeError(views.error) : "")}
      </span>
    </div>
  );
}

function queryParams(q: Record<string, unknown>): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries(q)) if (typeof v === "string") out[k] = v;
  return out;
}
