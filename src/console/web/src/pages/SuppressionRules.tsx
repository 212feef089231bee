import { useId, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { describeError, op } from "../api";
import { DataTable, MoreButton } from "../components/Bits";
import { Empty, Remote } from "../components/States";
import { EXPIRY_TAG, SuppressForm } from "../components/SuppressForm";
import { fmtDate, labelOf, todayIso } from "../lib/format";
import { useAsync, useTitle } from "../lib/hooks";
import { describeCriteria, type Params, paramsOf, toCriteria } from "../lib/query";
import { useSession } from "../lib/session";
import { SEVERITIES, type SuppressionFilter } from "../types";

/** A rule's criteria never include the finding status: suppressing changes it. */
function ruleCriteria(p: Params) {
  const { status: _status, sort: _sort, order: _order, group: _group, ...rest } = p;
  return toCriteria({ ...rest, status: "" });
}

export function SuppressionRules() {
  useTitle("Suppression rules");
  const { isAdmin } = useSession();
  const [search, setSearch] = useSearchParams();
  const creating = search.get("new") === "1";
  const [pages, setPages] = useState(1);
  const [announce, setAnnounce] = useState("");
  const rules = useAsync(
    async (signal) => {
      const out: SuppressionFilter[] = [];
      let token: string | undefined;
      for (let i = 0; i < pages; i++) {
        const r = await op(
          "ListFilters",
          { action: "SUPPRESS", maxResults: 100, ...(token ? { nextToken: token } : {}) },
          { signal },
        );
        out.push(...r.filters);
        token = r.nextToken;
        if (!token) break;
      }
      return { filters: out, nextToken: token };
    },
    [pages],
  );

  return (
    <div className="page">
      <div className="page-head">
        <h1>Suppression rules</h1>
        {isAdmin && !creating ? (
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => setSearch({ new: "1" })}
            data-testid="rule-new"
          >
            New rule
          </button>
        ) : null}
      </div>
      <p className="lede">
        A suppression rule hides the findings it matches from the active list (they stay visible with status
        Suppressed). Give every rule a reason, and an expiry when the decision should be revisited.
      </p>
      {!isAdmin ? (
        <p className="callout" data-testid="viewer-note">
          You are signed in as a viewer: you can read the rules; an admin creates and deletes them.
        </p>
      ) : null}
      {isAdmin && creating ? (
        <NewRule
          from={search.get("from")}
          onDone={(msg) => {
            setAnnounce(msg);
            setSearch({});
            rules.reload();
          }}
          onCancel={() => setSearch({})}
        />
      ) : null}
      <div aria-live="polite" className="announce" data-testid="rules-announce">
        {announce}
      </div>
      <Remote
        state={rules}
        loadingLabel="Loading rules…"
        isEmpty={(d) => d.filters.length === 0}
        empty={
          <Empty title="No suppression rules.">
            {isAdmin
              ? 'Create one with "New rule", from the Findings page (select findings, then "Suppress selected", or "Suppression rule from filter"), or from a finding\'s page.'
              : "An admin can create rules from the Findings page."}
          </Empty>
        }
      >
        {(d) => (
          <>
            <RulesTable
              filters={d.filters}
              canDelete={isAdmin}
              onDeleted={(name) => {
                setAnnounce(`Deleted rule "${name}".`);
                rules.reload();
              }}
            />
            <MoreButton nextToken={d.nextToken} loading={rules.loading} onMore={() => setPages((p) => p + 1)}>
              Show more rules
            </MoreButton>
          </>
        )}
      </Remote>
    </div>
  );
}

function RulesTable({
  filters,
  canDelete,
  onDeleted,
}: {
  filters: SuppressionFilter[];
  canDelete: boolean;
  onDeleted: (name: string) => void;
}) {
  const [confirming, setConfirming] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const today = todayIso();

  async function remove(f: SuppressionFilter) {
    setBusy(true);
    setError(undefined);
    try {
      await op("DeleteFilter", { arn: f.arn });
      setConfirming(undefined);
      onDeleted(f.name);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <DataTable
        testid="rules-table"
        caption="Suppression rules"
        columns={["Rule", "Reason", "Matches", "Expires", "Created"]}
        actions={canDelete}
      >
        {filters.map((f) => {
          const expires = f.tags?.[EXPIRY_TAG];
          const expired = expires !== undefined && expires.slice(0, 10) < today;
          return (
            <tr key={f.arn} data-testid="rule-row">
              <th scope="row">
                {f.name}
                {f.description ? <span className="sub">{f.description}</span> : null}
              </th>
              <td>{f.reason ?? <span className="sub">(no reason given)</span>}</td>
              <td>
                <ul className="criteria">
                  {describeCriteria(f.criteria).map((c) => (
                    <li key={c}>{c}</li>
                  ))}
                </ul>
              </td>
              <td>
                {expires ? (
                  <>
                    {fmtDate(expires)}
                    {expired ? <span className="tag tag-warn">expired</span> : null}
                  </>
                ) : (
                  "Never"
                )}
              </td>
              <td>{fmtDate(f.createdAt)}</td>
              {canDelete ? (
                <td className="actions">
                  {confirming === f.arn ? (
                    <>
                      <button
                        type="button"
                        className="btn btn-danger btn-small"
                        onClick={() => void remove(f)}
                        disabled={busy}
                        data-testid="rule-delete-confirm"
                      >
                        Delete "{f.name}"
                      </button>
                      <button
                        type="button"
                        className="btn btn-small"
                        onClick={() => setConfirming(undefined)}
                      >
                        Keep
                      </button>
                    </>
                  ) : (
                    <button
                      type="button"
                      className="btn btn-small"
                      onClick={() => setConfirming(f.arn)}
                      aria-label={`Delete rule ${f.name}`}
                      data-testid="rule-delete"
                    >
                      Delete
                    </button>
                  )}
                </td>
              ) : null}
            </tr>
          );
        })}
      </DataTable>
    </>
  );
}

/** A new rule: from the Findings page's filter (`from`), or from a small form. */
function NewRule({
  from,
  onDone,
  onCancel,
}: {
  from: string | null;
  onDone: (message: string) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const fromParams = useMemo(() => (from ? paramsOf(new URLSearchParams(from)) : undefined), [from]);
  const [form, setForm] = useState<Params>({});
  const params = fromParams ?? form;
  const criteria = useMemo(() => ruleCriteria(params), [params]);
  const summary = describeCriteria(criteria);
  const field = (key: string, label: string, hint?: string) => (
    <div className="field">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input
        id={`${id}-${key}`}
        value={form[key] ?? ""}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
        data-testid={`rule-${key}`}
        aria-describedby={hint ? `${id}-${key}-hint` : undefined}
      />
      {hint ? (
        <p className="hint" id={`${id}-${key}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
  const severities = (form["severity"] ?? "").split(",").filter(Boolean);

  return (
    <section className="panel" aria-labelledby={`${id}-h`} data-testid="rule-create">
      <h2 id={`${id}-h`}>New suppression rule</h2>
      {fromParams ? (
        <p>
          From the Findings filter (<Link to={`/findings${from}`}>back to it</Link>):
        </p>
      ) : (
        <fieldset className="rule-criteria">
          <legend>Which findings</legend>
          <fieldset className="filter-group">
            <legend>Severity</legend>
            {SEVERITIES.map((s) => (
              <label key={s} className="check">
                <input
                  type="checkbox"
                  checked={severities.includes(s)}
                  onChange={(e) =>
                    setForm({
                      ...form,
                      severity: (e.target.checked
                        ? [...severities, s]
                        : severities.filter((x) => x !== s)
                      ).join(","),
                    })
                  }
                />
                {labelOf(s)}
              </label>
            ))}
          </fieldset>
          {field(
            "vulnerabilityId",
            "Vulnerability ID",
            'e.g. "CVE-2023-4863" (quotes: exactly) or CVE-2023- (prefix)',
          )}
          {field("package", "Package name")}
          {field("resourceId", "Resource ID")}
          {field("repository", "Image repository")}
        </fieldset>
      )}
      {summary.length ? (
        <ul className="criteria" data-testid="rule-criteria-summary">
          {summary.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
      ) : (
        <p className="hint">
          Choose at least one condition: a rule without any would suppress every finding.
        </p>
      )}
      {summary.length ? (
        <SuppressForm
          criteria={criteria}
          defaultName={fromParams ? "Suppress filtered findings" : "New suppression rule"}
          submitLabel="Create rule"
          onCreated={() => onDone("Rule created.")}
          onCancel={onCancel}
        />
      ) : (
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
      )}
    </section>
  );
}
