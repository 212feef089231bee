/**
 * The Vigil web console: routes and the session.
 *
 * data-testid hooks for end-to-end tests (keep them stable):
 * - Sign-in: signin-username, signin-password, signin-submit, signin-error (aria-live region).
 * - Shell: nav-dashboard, nav-findings, nav-resources, nav-suppression-rules, nav-settings,
 *   account-info, user-role, theme-toggle, sign-out.
 * - Dashboard: dashboard-count-{critical,high,medium,other,total,exploited,fixable} (the numbers),
 *   dashboard-card-<same> (the links), top-hosts, top-images, top-vulnerabilities,
 *   coverage-summary, timeline-chart.
 * - Findings: filter-bar, filter-severity (fieldset) with filter-severity-{CRITICAL,HIGH,…},
 *   filter-status with filter-status-{ACTIVE,SUPPRESSED,CLOSED}, filter-{type,resourceType,fix,exploit}
 *   (selects), filter-{title,vulnerabilityId,package,resourceId,account,repository,layer,ami,
 *   lambdaLayer} (text, applied on Enter/blur), filter-{epss,score}{Min,Max}, filter-clear,
 *   sort-field, sort-order, group-by, group-view, group-row, result-count, findings-table,
 *   finding-row (data-arn = the finding ARN), finding-link, finding-select, select-all,
 *   suppress-selected, rule-from-filter, viewer-note, findings-announce, saved-views,
 *   saved-view-select, saved-view-save, saved-view-name, saved-view-delete, empty-state, error-state.
 * - Suppress form (Findings bulk, finding detail, new rule): suppress-form, suppress-name,
 *   suppress-reason, suppress-expiry, suppress-submit, suppress-error.
 * - Finding detail: finding-title, finding-severity, finding-status, finding-description,
 *   vulnerability-id, vulnerable-package, remediation-command, copy-button, copy-status,
 *   vigil-score, score-breakdown, score-adjustment, source-layer, affected-resource, resource-id,
 *   network-path, finding-history.
 * - Resources: coverage-counts, coverage-status, resources-view-{all,hosts,images,functions},
 *   resources-table, resource-row, repositories.
 * - Suppression rules: rule-new, rule-create, rule-{vulnerabilityId,package,resourceId,repository},
 *   rule-criteria-summary, rules-table, rule-row, rule-delete, rule-delete-confirm, rules-announce.
 * - Settings: tab-{feeds,registries,integrations,accounts,keys,audit}, feeds-table,
 *   registries-table, targets-table, event-rules-table, deliveries-table, delivery-state,
 *   replay-dead, accounts-panel, members-table, keys-table, audit-table.
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import { BrowserRouter, Link, Route, Routes } from "react-router-dom";
import { describeError, getSession, type Session, setUnauthorizedHandler, signOut } from "./api";
import { Shell } from "./components/Shell";
import { Loading } from "./components/States";
import { SessionContext, type SessionContextValue } from "./lib/session";
import { Dashboard } from "./pages/Dashboard";
import { FindingDetail } from "./pages/FindingDetail";
import { Findings } from "./pages/Findings";
import { Resources } from "./pages/Resources";
import { Settings } from "./pages/Settings";
import { SignIn } from "./pages/SignIn";
import { SuppressionRules } from "./pages/SuppressionRules";

type State =
  | { kind: "loading" }
  | { kind: "signed-out"; notice?: string }
  | { kind: "failed"; error: unknown }
  | { kind: "signed-in"; session: Session };

export function App() {
  const [state, setState] = useState<State>({ kind: "loading" });

  const check = useCallback(() => {
    setState({ kind: "loading" });
    getSession().then(
      (session) => setState(session ? { kind: "signed-in", session } : { kind: "signed-out" }),
      (error: unknown) => setState({ kind: "failed", error }),
    );
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() =>
      setState({ kind: "signed-out", notice: "Your session has ended. Sign in again to continue." }),
    );
    check();
    return () => setUnauthorizedHandler(undefined);
  }, [check]);

  const session = state.kind === "signed-in" ? state.session : undefined;
  const ctx = useMemo<SessionContextValue | null>(
    () =>
      session
        ? {
            user: session.user,
            isAdmin: session.user.role === "admin",
            signOut: async () => {
              try {
                await signOut();
              } finally {
                setState({ kind: "signed-out", notice: "You have signed out." });
              }
            },
          }
        : null,
    [session],
  );

  if (state.kind === "loading") {
    return (
      <main id="main" className="boot">
        <Loading label="Loading Vigil…" />
      </main>
    );
  }
  if (state.kind === "failed") {
    return (
      <main id="main" className="boot">
        <div className="state state-error" role="alert">
          <p className="state-title">{describeError(state.error)}</p>
          <button type="button" className="btn" onClick={check}>
            Try again
          </button>
        </div>
      </main>
    );
  }
  if (state.kind === "signed-out" || !ctx) {
    return (
      <SignIn
        onSignedIn={(s) => setState({ kind: "signed-in", session: s })}
        {...(state.kind === "signed-out" && state.notice ? { notice: state.notice } : {})}
      />
    );
  }
  return (
    <SessionContext.Provider value={ctx}>
      <BrowserRouter basename="/console">
        <Shell>
          <Routes>
            <Route path="/" element={<Dashboard />} />
            <Route path="/findings" element={<Findings />} />
            <Route path="/findings/:arn" element={<FindingDetail />} />
            <Route path="/resources" element={<Resources />} />
            <Route path="/suppression-rules" element={<SuppressionRules />} />
            <Route path="/settings" element={<Settings />} />
            <Route path="/settings/:tab" element={<Settings />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Shell>
      </BrowserRouter>
    </SessionContext.Provider>
  );
}

function NotFound() {
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p>
        There is no console page at this address. <Link to="/">Go to the dashboard</Link>.
      </p>
    </div>
  );
}
