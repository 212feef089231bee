import { useId, useState } from "react";
import { useNavigate, useParams } from "react-router-dom";
import { ApiError, describeError, op } from "../api";
import { DataTable, Facts, MoreButton } from "../components/Bits";
import { Empty, ErrorMessage, Loading, Remote } from "../components/States";
import { Tabs } from "../components/Tabs";
import { fmtAgo, fmtDateTime, fmtNumber, labelOf, toDate } from "../lib/format";
import { useAsync, useTitle } from "../lib/hooks";
import { useSession } from "../lib/session";
import type { AuditEvent, DeliveryState, EventDelivery } from "../types";

const TABS = [
  { id: "feeds", label: "Feeds and freshness" },
  { id: "registries", label: "Registries" },
  { id: "integrations", label: "Integrations" },
  { id: "accounts", label: "Accounts and members" },
  { id: "keys", label: "Access keys" },
  { id: "audit", label: "Audit log" },
];

export function Settings() {
  const { tab = "feeds" } = useParams();
  const navigate = useNavigate();
  const current = TABS.some((t) => t.id === tab) ? tab : "feeds";
  useTitle(`Settings: ${TABS.find((t) => t.id === current)!.label}`);
  return (
    <div className="page">
      <h1>Settings</h1>
      <Tabs
        tabs={TABS}
        selected={current}
        onSelect={(id) => navigate(`/settings/${id}`)}
        label="Settings sections"
      >
        {current === "feeds" ? <Feeds /> : null}
        {current === "registries" ? <Registries /> : null}
        {current === "integrations" ? <Integrations /> : null}
        {current === "accounts" ? <Accounts /> : null}
        {current === "keys" ? <AccessKeys /> : null}
        {current === "audit" ? <Audit /> : null}
      </Tabs>
    </div>
  );
}

const DAY = 86400_000;

function Feeds() {
  const r = useAsync((signal) => op("GetFeedStatus", {}, { signal }), []);
  if (r.loading && !r.data) return <Loading label="Reading feed status…" />;
  if (r.error) return <ErrorMessage error={r.error} onRetry={r.reload} />;
  const feeds = r.data!.feeds;
  if (feeds.length === 0) {
    return (
      <Empty title="No advisory feeds have been loaded.">
        Run <code>vigil db update</code> on the server (or start it with a mirror) so findings can be matched.
      </Empty>
    );
  }
  const now = Date.now();
  return (
    <section aria-labelledby="feeds-h">
      <h2 id="feeds-h">Advisory feeds</h2>
      <p className="lede">
        Findings are only as fresh as these feeds. A feed not updated for two days is flagged.
      </p>
      <DataTable
        testid="feeds-table"
        caption="Advisory feeds"
        columns={["Feed", "Status", "Last updated", "Advisories", "Message"]}
      >
        {feeds.map((f) => {
          const updated = toDate(f.lastUpdatedAt ?? undefined);
          const stale = !updated || now - updated.getTime() > 2 * DAY;
          return (
            <tr key={f.feed}>
              <th scope="row" className="mono">
                {f.feed}
              </th>
              <td>
                <span className={`status status-${f.status === "ok" ? "ok" : "failed"}`}>{f.status}</span>
                {stale ? <span className="tag tag-warn">stale</span> : null}
              </td>
              <td title={fmtDateTime(f.lastUpdatedAt)}>
                {f.lastUpdatedAt ? fmtAgo(f.lastUpdatedAt) : "never"}
              </td>
              <td className="num">{fmtNumber(f.advisories)}</td>
              <td>{f.message ?? ""}</td>
            </tr>
          );
        })}
      </DataTable>
    </section>
  );
}

function Registries() {
  const r = useAsync((signal) => op("ListRegistries", undefined, { signal }), []);
  if (r.loading && !r.data) return <Loading label="Loading registries…" />;
  if (r.error) {
    if (r.error instanceof ApiError && r.error.errorType === "BadRequestException")
      return <Empty title="Registry scanning is off on this server.">{r.error.message}</Empty>;
    return <ErrorMessage error={r.error} onRetry={r.reload} />;
  }
  const regs = r.data!.registries;
  if (regs.length === 0) {
    return (
      <Empty title="No registries.">
        Add one with <code>vigil registry add NAME URL</code>; its images are then scanned as they are pushed.
      </Empty>
    );
  }
  return (
    <DataTable
      testid="registries-table"
      caption="Container registries"
      showCaption
      columns={["Name", "URL", "Status", "Credentials", "Last polled", "Added"]}
    >
      {regs.map((g) => (
        <tr key={g.registryId}>
          <th scope="row">{g.name}</th>
          <td className="mono break">{g.url}</td>
          <td>
            <span className={`status status-${g.status.toLowerCase()}`}>
              {labelOf(g.status.toUpperCase())}
            </span>
            {g.statusDetail ? <span className="sub">{g.statusDetail}</span> : null}
          </td>
          <td>{g.authenticated ? "Stored" : "Anonymous"}</td>
          <td title={fmtDateTime(g.lastPolledAt)}>{fmtAgo(g.lastPolledAt)}</td>
          <td>{fmtDateTime(g.createdAt)}</td>
        </tr>
      ))}
    </DataTable>
  );
}

function Integrations() {
  const targets = useAsync((signal) => op("ListEventTargets", undefined, { signal }), []);
  const rules = useAsync((signal) => op("ListEventRules", undefined, { signal }), []);
  return (
    <>
      <section aria-labelledby="targets-h" className="subsection">
        <h2 id="targets-h">Targets</h2>
        <Remote
          state={targets}
          isEmpty={(d) => d.targets.length === 0}
          empty={
            <Empty title="No event targets.">
              Add a webhook, Slack or Security Hub target with <code>vigil events target put</code>.
            </Empty>
          }
        >
          {(d) => (
            <DataTable
              testid="targets-table"
              caption="Event targets"
              columns={["Name", "Type", "Settings", "Updated"]}
            >
              {d.targets.map((t) => (
                <tr key={t.name}>
                  <th scope="row">{t.name}</th>
                  <td>{t.type}</td>
                  <td className="mono break">
                    {Object.entries(t.config)
                      .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
                      .join("; ")}
                  </td>
                  <td>{fmtDateTime(t.updatedAt)}</td>
                </tr>
              ))}
            </DataTable>
          )}
        </Remote>
      </section>
      <section aria-labelledby="rules-h" className="subsection">
        <h2 id="rules-h">Rules</h2>
        <Remote
          state={rules}
          isEmpty={(d) => d.rules.length === 0}
          empty={
            <Empty title="No event rules.">
              A rule routes matching events (new findings, scans) to targets:{" "}
              <code>vigil events rule put</code>.
            </Empty>
          }
        >
          {(d) => (
            <DataTable
              testid="event-rules-table"
              caption="Event rules"
              columns={["Name", "Enabled", "Targets", "Pattern"]}
            >
              {d.rules.map((r) => (
                <tr key={r.name}>
                  <th scope="row">
                    {r.name}
                    {r.description ? <span className="sub">{r.description}</span> : null}
                  </th>
                  <td>{r.enabled ? "Yes" : "No"}</td>
                  <td>{r.targets.join(", ")}</td>
                  <td>
                    <details>
                      <summary>Show pattern</summary>
                      <pre className="json">{JSON.stringify(r.pattern, null, 2)}</pre>
                    </details>
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </Remote>
      </section>
      <Deliveries />
    </>
  );
}

const STATES: DeliveryState[] = ["queued", "delivering", "delivered", "dead", "skipped"];

function Deliveries() {
  const { isAdmin } = useSession();
  const [state, setState] = useState<DeliveryState | "">("");
  const [pages, setPages] = useState(1);
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);
  const id = useId();
  const r = useAsync(
    async (signal) => {
      const out: EventDelivery[] = [];
      let token: string | undefined;
      for (let i = 0; i < pages; i++) {
        const p = await op(
          "ListEventDeliveries",
          { maxResults: 100, ...(state ? { state } : {}), ...(token ? { nextToken: token } : {}) },
          { signal },
        );
        out.push(...p.deliveries);
        token = p.nextToken;
        if (!token) break;
      }
      return { deliveries: out, nextToken: token };
    },
    [state, pages],
  );

  async function replay(ids?: number[]) {
    setBusy(true);
    setMessage("");
    try {
      const res = await op("ReplayEventDeliveries", ids ? { ids } : {});
      setMessage(`Queued ${res.replayed} dead-lettered deliver${res.replayed === 1 ? "y" : "ies"} again.`);
      r.reload();
    } catch (e) {
      setMessage(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="deliveries-h" className="subsection">
      <div className="panel-head">
        <h2 id="deliveries-h">Delivery log</h2>
        <div className="field inline-field">
          <label htmlFor={`${id}-state`}>State</label>
          <select
            id={`${id}-state`}
            value={state}
            onChange={(e) => {
              setPages(1);
              setState(e.target.value as DeliveryState | "");
            }}
            data-testid="delivery-state"
          >
            <option value="">Any</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s === "dead" ? "dead (failed, not retried)" : s}
              </option>
            ))}
          </select>
        </div>
        {isAdmin ? (
          <button
            type="button"
            className="btn"
            onClick={() => void replay()}
            disabled={busy}
            data-testid="replay-dead"
          >
            Replay all dead letters
          </button>
        ) : null}
      </div>
      {!isAdmin ? <p className="hint">Admins can replay dead-lettered deliveries.</p> : null}
      <p aria-live="polite" className="announce">
        {message}
      </p>
      <Remote
        state={r}
        isEmpty={(d) => d.deliveries.length === 0}
        empty={
          <Empty title={state ? `No ${state} deliveries.` : "No deliveries yet."}>
            {state ? "Choose another state." : "Deliveries appear when a rule routes an event to a target."}
          </Empty>
        }
      >
        {(d) => (
          <>
            <DataTable
              testid="deliveries-table"
              caption="Event deliveries, newest first"
              columns={["#", "Event", "Rule → target", "State", "Attempts", "Last result", "Created"]}
              actions={isAdmin}
            >
              {d.deliveries.map((d) => (
                <tr key={d.id}>
                  <td className="num">{d.id}</td>
                  <td>
                    {d.detailType}
                    <span className="sub mono break">{d.resources.slice(0, 2).join(", ")}</span>
                  </td>
                  <td>
                    {d.rule} → {d.target}
                  </td>
                  <td>
                    <span className={`status status-${d.state}`}>{d.state}</span>
                  </td>
                  <td className="num">{d.attempts}</td>
                  <td>
                    {d.lastStatus ? `HTTP ${d.lastStatus}` : ""}
                    {d.lastError ? <span className="sub">{d.lastError}</span> : null}
                  </td>
                  <td title={fmtDateTime(d.createdAt)}>{fmtAgo(d.createdAt)}</td>
                  {isAdmin ? (
                    <td>
                      {d.state === "dead" ? (
                        <button
                          type="button"
                          className="btn btn-small"
                          disabled={busy}
                          onClick={() => void replay([d.id])}
                          aria-label={`Replay delivery ${d.id}`}
                        >
                          Replay
                        </button>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </DataTable>
            <MoreButton nextToken={d.nextToken} loading={r.loading} onMore={() => setPages((p) => p + 1)}>
              Show older deliveries
            </MoreButton>
          </>
        )}
      </Remote>
    </section>
  );
}

/** Calls that fail for an account outside an organization answer undefined plus why. */
async function optional<T>(p: Promise<T>): Promise<{ value?: T; error?: string }> {
  try {
    return { value: await p };
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    return { error: e instanceof ApiError ? e.message : String(e) };
  }
}

function Accounts() {
  const { user } = useSession();
  const r = useAsync(async (signal) => {
    const [admin, members, config] = await Promise.all([
      optional(op("GetDelegatedAdminAccount", {}, { signal })),
      optional(op("ListMembers", { onlyAssociated: false, maxResults: 50 }, { signal })),
      optional(op("DescribeOrganizationConfiguration", {}, { signal })),
    ]);
    return { admin, members, config };
  }, []);
  if (r.loading && !r.data) return <Loading />;
  if (r.error) return <ErrorMessage error={r.error} onRetry={r.reload} />;
  const { admin, members, config } = r.data!;
  const inOrg = admin.value?.delegatedAdmin || (members.value?.members.length ?? 0) > 0 || config.value;
  return (
    <div data-testid="accounts-panel">
      <Facts
        items={{
          "Your account": <span className="mono">{user.accountId}</span>,
          "Delegated administrator": admin.value?.delegatedAdmin?.accountId ? (
            <span className="mono">
              {admin.value.delegatedAdmin.accountId} ({admin.value.delegatedAdmin.relationshipStatus ?? ""})
            </span>
          ) : undefined,
          "New members automatically scanned": config.value?.autoEnable
            ? Object.entries(config.value.autoEnable)
                .filter(([, on]) => on)
                .map(([k]) => k)
                .join(", ") || "none"
            : undefined,
        }}
      />
      {!inOrg ? (
        <Empty title="This account is not part of an organization.">
          <p>
            An organization lets a delegated administrator see its members' findings. Set one up with{" "}
            <code>vigil org</code> on the server.
          </p>
          {admin.error || members.error ? (
            <p className="hint">Server said: {members.error ?? admin.error}</p>
          ) : null}
        </Empty>
      ) : null}
      {members.value && members.value.members.length > 0 ? (
        <DataTable
          testid="members-table"
          caption="Member accounts"
          showCaption
          columns={["Account", "Relationship", "Administrator", "Updated"]}
        >
          {members.value.members.map((m) => (
            <tr key={m.accountId}>
              <th scope="row" className="mono">
                {m.accountId}
              </th>
              <td>{labelOf(m.relationshipStatus)}</td>
              <td className="mono">{m.delegatedAdminAccountId ?? "—"}</td>
              <td>{fmtDateTime(m.updatedAt)}</td>
            </tr>
          ))}
        </DataTable>
      ) : inOrg && members.error ? (
        <p className="hint">Members are listed for the delegated administrator only ({members.error}).</p>
      ) : null}
    </div>
  );
}

function AccessKeys() {
  const { isAdmin } = useSession();
  const r = useAsync(
    (signal) => (isAdmin ? op("ListAccessKeys", undefined, { signal }) : Promise.resolve(undefined)),
    [isAdmin],
  );
  if (!isAdmin) {
    return (
      <p className="callout" data-testid="viewer-note">
        Access keys are shown to admins only. Ask an admin, or the operator (<code>vigil keys list</code>).
      </p>
    );
  }
  if (r.loading && !r.data) return <Loading />;
  if (r.error) return <ErrorMessage error={r.error} onRetry={r.reload} />;
  const keys = r.data!.keys;
  if (keys.length === 0) {
    return (
      <Empty title="No access keys for this account.">
        Create one on the server with <code>vigil keys create</code> to use the API and CLI.
      </Empty>
    );
  }
  return (
    <DataTable
      testid="keys-table"
      caption="API access keys (secrets are never shown)"
      showCaption
      columns={["Access key ID", "Access", "Description", "Created", "Last used"]}
    >
      {keys.map((k) => (
        <tr key={k.accessKeyId}>
          <th scope="row" className="mono">
            {k.accessKeyId}
          </th>
          <td>{k.readOnly ? "Read-only" : "Read and write"}</td>
          <td>{k.description ?? ""}</td>
          <td>{fmtDateTime(k.createdAt)}</td>
          <td title={fmtDateTime(k.lastUsedAt)}>{k.lastUsedAt ? fmtAgo(k.lastUsedAt) : "never"}</td>
        </tr>
      ))}
    </DataTable>
  );
}

function Audit() {
  const { isAdmin } = useSession();
  const [action, setAction] = useState("");
  const [applied, setApplied] = useState("");
  const [pages, setPages] = useState(1);
  const id = useId();
  const r = useAsync(
    async (signal) => {
      if (!isAdmin) return undefined;
      const out: AuditEvent[] = [];
      let token: string | undefined;
      for (let i = 0; i < pages; i++) {
        const p = await op(
          "ListAuditEvents",
          {
            maxResults: 100,
            ...(applied ? { actions: [applied] } : {}),
            ...(token ? { nextToken: token } : {}),
          },
          { signal },
        );
        out.push(...p.events);
        token = p.nextToken;
        if (!token) break;
      }
      return { events: out, nextToken: token };
    },
    [isAdmin, applied, pages],
  );
  if (!isAdmin) {
    return (
      <p className="callout" data-testid="viewer-note">
        The audit log names keys and settings, so only admins can read it.
      </p>
    );
  }
  return (
    <section aria-labelledby="audit-h">
      <div className="panel-head">
        <h2 id="audit-h">Audit log</h2>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            setPages(1);
            setApplied(action.trim());
          }}
        >
          <label htmlFor={`${id}-action`}>Action</label>
          <input
            id={`${id}-action`}
            value={action}
            placeholder="e.g. CreateFilter"
            onChange={(e) => setAction(e.target.value)}
          />
          <button type="submit" className="btn btn-small">
            Filter
          </button>
        </form>
      </div>
      <Remote
        state={r}
        isEmpty={(d) => d.events.length === 0}
        empty={
          <Empty title={applied ? `No ${applied} events.` : "Nothing audited yet."}>
            Changes (rules, keys, registries, suppressions) are recorded here as they happen.
          </Empty>
        }
      >
        {(d) => (
          <>
            <DataTable
              testid="audit-table"
              caption="Audit events, newest first"
              columns={["When", "Who", "Action", "Target", "Detail"]}
            >
              {d.events.map((e) => (
                <tr key={e.id}>
                  <td>{fmtDateTime(e.at)}</td>
                  <td className="mono">{e.principal}</td>
                  <td>{e.action}</td>
                  <td className="mono break">{e.target}</td>
                  <td className="mono break small">
                    {Object.keys(e.detail).length ? JSON.stringify(e.detail).slice(0, 300) : ""}
                  </td>
                </tr>
              ))}
            </DataTable>
            <MoreButton nextToken={d.nextToken} loading={r.loading} onMore={() => setPages((p) => p + 1)}>
              Show older events
            </MoreButton>
          </>
        )}
      </Remote>
    </section>
  );
}
