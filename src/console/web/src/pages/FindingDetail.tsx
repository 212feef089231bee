import { type ReactNode, useState } from "react";
import { Link, useLocation, useParams } from "react-router-dom";
import { remediationCommand } from "../../../../findings/remediation";
import { op } from "../api";
import { CopyCommand, ExternalLink, Facts, vulnerabilityUrl } from "../components/Bits";
import { SeverityBadge } from "../components/Severity";
import { Empty, ErrorMessage, Loading, Remote } from "../components/States";
import { SuppressForm } from "../components/SuppressForm";
import { fmtDate, fmtDateTime, fmtEpss, fmtScore, labelOf } from "../lib/format";
import { useAsync, useTitle } from "../lib/hooks";
import { useSession } from "../lib/session";
import type {
  CodeSnippetResponse,
  CodeVulnerabilityDetails,
  Finding,
  FindingResource,
  VulnerablePackage,
} from "../types";

const codeDetailsOf = (f: Finding) => f.codeVulnerabilityDetails;

/** The code around a code finding, with suggested fixes (a read: viewers may call it). */
function loadCodeSnippet(arn: string, signal: AbortSignal): Promise<CodeSnippetResponse> {
  return op("BatchGetCodeSnippet", { findingArns: [arn] }, { signal });
}

async function loadFinding(arn: string, signal: AbortSignal) {
  const r = await op(
    "ListFindings",
    { filterCriteria: { findingArn: [{ comparison: "EQUALS", value: arn }] }, maxResults: 1 },
    { signal },
  );
  return r.findings[0];
}

export function FindingDetail() {
  const { arn = "" } = useParams();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;
  const r = useAsync((signal) => loadFinding(arn, signal), [arn]);
  useTitle(r.data?.title ?? "Finding");
  const back = (
    <Link to={from ?? "/findings"} className="back-link">
      ← Back to findings
    </Link>
  );
  if (r.loading && !r.data) {
    return (
      <div className="page">
        {back}
        <h1>Finding</h1>
        <Loading label="Loading the finding…" />
      </div>
    );
  }
  if (r.error || !r.data) {
    return (
      <div className="page">
        {back}
        <h1>Finding</h1>
        {r.error ? (
          <ErrorMessage error={r.error} onRetry={r.reload} />
        ) : (
          <Empty title="No such finding.">
            <p>
              <span className="mono break">{arn}</span> does not exist or belongs to an account you cannot
              see.
            </p>
          </Empty>
        )}
      </div>
    );
  }
  return <FindingView f={r.data} back={back} onChanged={r.reload} />;
}

function platformOf(r: FindingResource | undefined): string | undefined {
  const d = r?.details;
  const p = d?.awsEcrContainerImage?.["platform"] ?? d?.awsEc2Instance?.["platform"];
  return typeof p === "string" ? p : undefined;
}

const installed = (p: VulnerablePackage) =>
  `${p.epoch ? `${p.epoch}:` : ""}${p.version}${p.release ? `-${p.release}` : ""}`;

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section className="panel" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

function FindingView({ f, back, onChanged }: { f: Finding; back: ReactNode; onChanged: () => void }) {
  const { isAdmin } = useSession();
  const [announce, setAnnounce] = useState("");
  // Network findings have no vulnerability details (or, from some writers, an empty shell).
  const pvd = f.packageVulnerabilityDetails?.vulnerabilityId ? f.packageVulnerabilityDetails : undefined;
  const vulnId = pvd?.vulnerabilityId;
  const resource = f.resources[0];
  const adjusted = f.inspectorScoreDetails?.adjustedCvss;
  const details = useAsync(
    (signal) =>
      f.type === "PACKAGE_VULNERABILITY"
        ? op("BatchGetFindingDetails", { findingArns: [f.findingArn] }, { signal }).then(
            (d) => d.findingDetails[0],
            () => undefined,
          )
        : Promise.resolve(undefined),
    [f.findingArn],
  );
  const kev = details.data?.cisaData;
  const code = f.type === "CODE_VULNERABILITY" ? codeDetailsOf(f) : undefined;

  return (
    <div className="page page-finding">
      {back}
      <header className="finding-head">
        <h1 data-testid="finding-title">{f.title}</h1>
        <div className="finding-tags">
          <span data-testid="finding-severity">
            <SeverityBadge severity={f.severity} />
          </span>
          <span className={`status status-${f.status.toLowerCase()}`} data-testid="finding-status">
            {labelOf(f.status)}
          </span>
          <span className="tag">{labelOf(f.type)}</span>
          {f.exploitAvailable === "YES" ? <span className="tag tag-danger">Known exploit</span> : null}
          {code ? null : f.fixAvailable === "YES" ? (
            <span className="tag tag-ok">Fix available</span>
          ) : f.fixAvailable === "PARTIAL" ? (
            <span className="tag">Partial fix</span>
          ) : (
            <span className="tag">No fix yet</span>
          )}
        </div>
        <Facts
          items={{
            Account: <span className="mono">{f.awsAccountId}</span>,
            "First observed": fmtDateTime(f.firstObservedAt),
            "Last observed": fmtDateTime(f.lastObservedAt),
            Updated: f.updatedAt ? fmtDateTime(f.updatedAt) : undefined,
            "Finding ARN": <span className="mono break">{f.findingArn}</span>,
          }}
        />
      </header>
      <div aria-live="polite" className="announce">
        {announce}
      </div>

      <div className="detail-grid">
        <div className="detail-main">
          {pvd ? (
            <Section id="vuln" title="Vulnerability">
              <p className="vuln-id">
                <ExternalLink href={vulnerabilityUrl(pvd.vulnerabilityId, pvd.sourceUrl)}>
                  <span className="mono" data-testid="vulnerability-id">
                    {pvd.vulnerabilityId}
                  </span>
                </ExternalLink>
                {pvd.relatedVulnerabilities?.length ? (
                  <span className="sub"> also known as {pvd.relatedVulnerabilities.join(", ")}</span>
                ) : null}
              </p>
              <p className="description" data-testid="finding-description">
                {f.description}
              </p>
              <Facts
                items={{
                  Source: pvd.source,
                  "Vendor severity": pvd.vendorSeverity,
                  Published: pvd.vendorCreatedAt ? fmtDate(pvd.vendorCreatedAt) : undefined,
                  Updated: pvd.vendorUpdatedAt ? fmtDate(pvd.vendorUpdatedAt) : undefined,
                  Weaknesses: details.data?.cwes?.length ? details.data.cwes.join(", ") : undefined,
                }}
              />
            </Section>
          ) : (
            <Section id="desc" title="Description">
              <p className="description" data-testid="finding-description">
                {f.description}
              </p>
            </Section>
          )}

          {pvd?.vulnerablePackages.length ? (
            <Section id="fix" title="Fix">
              {pvd.vulnerablePackages.map((p) => {
                const fix = remediationCommand(p, platformOf(resource));
                const fixed =
                  p.fixedInVersion && p.fixedInVersion !== "NotAvailable" ? p.fixedInVersion : undefined;
                return (
                  <div
                    className="package"
                    key={`${p.name}-${p.version}-${p.filePath ?? ""}-${p.sourceLayerHash ?? ""}`}
                    data-testid="vulnerable-package"
                  >
                    <h3>
                      <span className="mono">{p.name}</span>{" "}
                      <span className="version-change">
                        <span className="mono">{installed(p)}</span>
                        <span aria-hidden="true"> → </span>
                        <span className="visually-hidden"> fixed in </span>
                        <span className="mono">{fixed ?? "no fixed version yet"}</span>
                      </span>
                    </h3>
                    <Facts
                      items={{
                        Installed: <span className="mono">{installed(p)}</span>,
                        "Fixed in": fixed ? <span className="mono">{fixed}</span> : "Not available yet",
                        "Package manager": p.packageManager,
                        Architecture: p.arch,
                        Path: p.filePath ? <span className="mono break">{p.filePath}</span> : undefined,
                        "Image layer": p.sourceLayerHash ? (
                          <span className="mono break" data-testid="source-layer">
                            {p.sourceLayerHash}
                          </span>
                        ) : undefined,
                        "Function layer": p.sourceLambdaLayerArn,
                      }}
                    />
                    {fix ? (
                      <div className="remediation">
                        <p className="remediation-label">
                          Upgrade with <strong>{fix.manager}</strong>:
                        </p>
                        <CopyCommand command={fix.command} />
                        {fix.note ? <p className="hint">{fix.note}</p> : null}
                      </div>
                    ) : fixed ? (
                      <p>
                        Upgrade {p.name} to {fixed} or later with the tool that installed it.
                      </p>
                    ) : (
                      <p>
                        No fixed version is published yet. Consider mitigations, or suppress the finding with
                        a reason and an expiry so it comes back for review.
                      </p>
                    )}
                  </div>
                );
              })}
              {f.remediation?.recommendation?.text &&
              f.remediation.recommendation.text !== "None provided" ? (
                <p className="hint">
                  {f.remediation.recommendation.text}{" "}
                  {f.remediation.recommendation.Url ? (
                    <ExternalLink href={f.remediation.recommendation.Url}>More information</ExternalLink>
                  ) : null}
                </p>
              ) : null}
            </Section>
          ) : null}

          {f.networkReachabilityDetails ? <NetworkPath f={f} /> : null}

          {code ? <CodeVulnerability f={f} code={code} /> : null}

          {code ? null : (
            <Section id="scores" title="Risk">
              <div className="score-grid">
                <div className="score-card">
                  <span className="score-value" data-testid="vigil-score">
                    {fmtScore(f.inspectorScore)}
                  </span>
                  <span className="score-label">Vigil score</span>
                </div>
                <div className="score-card">
                  <span className="score-value">{fmtEpss(f.epss?.score)}</span>
                  <span className="score-label">EPSS (chance of exploitation in 30 days)</span>
                </div>
                <div className="score-card">
                  <span className="score-value">{f.exploitAvailable === "YES" ? "Yes" : "No"}</span>
                  <span className="score-label">
                    Known exploited
                    {f.exploitabilityDetails?.lastKnownExploitAt
                      ? ` (since ${fmtDate(f.exploitabilityDetails.lastKnownExploitAt)})`
                      : ""}
                  </span>
                </div>
              </div>
              {kev ? (
                <p className="callout callout-danger">
                  In CISA's Known Exploited Vulnerabilities catalog since {fmtDate(kev.dateAdded)}
                  {kev.dateDue ? `, remediation due ${fmtDate(kev.dateDue)}` : ""}.
                  {kev.action ? ` ${kev.action}` : ""}
                </p>
              ) : null}
              {adjusted ? (
                <div className="score-breakdown" data-testid="score-breakdown">
                  <h3>How the Vigil score was reached</h3>
                  <Facts
                    items={{
                      "Adjusted CVSS score": fmtScore(adjusted.score),
                      "Adjusted vector": <span className="mono break">{adjusted.scoringVector}</span>,
                      "CVSS version": adjusted.version,
                      "Base score from": adjusted.cvssSource ?? adjusted.scoreSource,
                    }}
                  />
                  {adjusted.adjustments?.length ? (
                    <table className="data-table">
                      <caption>Adjustments to the base vector for this resource</caption>
                      <thead>
                        <tr>
                          <th scope="col">Metric</th>
                          <th scope="col">Why</th>
                        </tr>
                      </thead>
                      <tbody>
                        {adjusted.adjustments.map((a) => (
                          <tr key={`${a.metric}-${a.reason}`} data-testid="score-adjustment">
                            <td className="mono">{a.metric}</td>
                            <td>{a.reason}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  ) : (
                    <p className="hint">No adjustments: the base vector applies as published.</p>
                  )}
                </div>
              ) : null}
              {pvd?.cvss?.length ? (
                <table className="data-table">
                  <caption>CVSS scores</caption>
                  <thead>
                    <tr>
                      <th scope="col">Version</th>
                      <th scope="col">Base score</th>
                      <th scope="col">Vector</th>
                      <th scope="col">Source</th>
                    </tr>
                  </thead>
                  <tbody>
                    {pvd.cvss.map((c) => (
                      <tr key={`${c.source}-${c.scoringVector}`}>
                        <td>{c.version}</td>
                        <td className="num">{fmtScore(c.baseScore)}</td>
                        <td className="mono break">{c.scoringVector}</td>
                        <td>{c.source}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : null}
            </Section>
          )}

          {pvd && (pvd.referenceUrls?.length || pvd.sourceUrl) ? (
            <Section id="refs" title="References">
              <ul className="refs">
                {pvd.sourceUrl ? (
                  <li>
                    <ExternalLink href={pvd.sourceUrl} />
                  </li>
                ) : null}
                {(pvd.referenceUrls ?? [])
                  .filter((u) => u !== pvd.sourceUrl)
                  .map((u) => (
                    <li key={u}>
                      <ExternalLink href={u} />
                    </li>
                  ))}
              </ul>
            </Section>
          ) : null}
        </div>

        <aside className="detail-side">
          {resource ? <ResourceFacts r={resource} /> : null}
          <Section id="suppress" title="Suppress this finding">
            {f.status === "SUPPRESSED" ? (
              <p>This finding is already suppressed. See Suppression rules to change or remove the rule.</p>
            ) : isAdmin ? (
              <SuppressForm
                findingArns={[f.findingArn]}
                defaultName={`Suppress ${vulnId || f.title}`.slice(0, 128)}
                submitLabel="Suppress this finding"
                onCreated={() => {
                  setAnnounce("The finding is suppressed.");
                  onChanged();
                }}
              />
            ) : (
              <p data-testid="viewer-note">Viewers can't suppress findings; ask an admin of this account.</p>
            )}
          </Section>
          <History arn={f.findingArn} status={f.status} />
        </aside>
      </div>
    </div>
  );
}

const cweUrl = (cwe: string) => {
  const n = /^CWE-(\d+)$/i.exec(cwe)?.[1];
  return n ? `https://cwe.mitre.org/data/definitions/${n}.html` : undefined;
};

const lineRange = (start: number, end: number) => (end > start ? `lines ${start}–${end}` : `line ${start}`);

/** A code finding: the detector and where, the code with the vulnerable lines marked, the fixes. */
function CodeVulnerability({ f, code }: { f: Finding; code: CodeVulnerabilityDetails }) {
  const snippet = useAsync((signal) => loadCodeSnippet(f.findingArn, signal), [f.findingArn, f.status]);
  const where = code.filePath;
  const result = snippet.data?.codeSnippetResults?.find((r) => r.findingArn === f.findingArn);
  const error = snippet.data?.errors?.find((e) => e.findingArn === f.findingArn);
  const first = result?.startLine ?? where.startLine;
  const last = result?.endLine ?? where.endLine;
  return (
    <section className="panel" aria-labelledby="code-h" data-testid="code-vulnerability">
      <h2 id="code-h">Vulnerable code</h2>
      <Facts
        items={{
          Detector: (
            <span data-testid="code-detector">
              {code.detectorName} <span className="sub mono">{code.detectorId}</span>
            </span>
          ),
          Weaknesses: code.cwes.length ? (
            <span data-testid="code-cwes">
              {code.cwes.map((c, i) => (
                <span key={c}>
                  {i > 0 ? ", " : null}
                  <ExternalLink href={cweUrl(c)}>{c}</ExternalLink>
                </span>
              ))}
            </span>
          ) : undefined,
          File: (
            <span className="mono break" data-testid="code-location">
              {where.filePath}:{where.startLine}
              {where.endLine > where.startLine ? `–${where.endLine}` : ""}
            </span>
          ),
          Rule: code.ruleId ? <span className="mono">{code.ruleId}</span> : undefined,
          "Function layer": code.sourceLambdaLayerArn ? (
            <span className="mono break">{code.sourceLambdaLayerArn}</span>
          ) : undefined,
          Tags: code.detectorTags?.length ? code.detectorTags.join(", ") : undefined,
        }}
      />
      <Remote state={snippet} loadingLabel="Loading the code…">
        {() =>
          result?.codeSnippet?.length ? (
            <figure className="code-snippet" style={{ margin: "0.75rem 0" }}>
              <pre
                className="command"
                style={{ padding: "0.4rem 0", whiteSpace: "pre" }}
                data-testid="code-snippet"
              >
                <code>
                  {result.codeSnippet.map((l) => {
                    const flagged = l.lineNumber >= first && l.lineNumber <= last;
                    return (
                      <span
                        key={l.lineNumber}
                        data-testid={flagged ? "code-line-flagged" : "code-line"}
                        style={{
                          display: "block",
                          padding: "0 0.8rem",
                          ...(flagged
                            ? {
                                background: "var(--danger-soft)",
                                color: "var(--danger-soft-text)",
                                boxShadow: "inset 3px 0 0 var(--danger)",
                                fontWeight: 600,
                              }
                            : {}),
                        }}
                      >
                        <span
                          aria-hidden="true"
                          style={{
                            display: "inline-block",
                            minWidth: "4ch",
                            marginRight: "1.5ch",
                            textAlign: "right",
                            opacity: 0.7,
                            userSelect: "none",
                          }}
                        >
                          {l.lineNumber}
                        </span>
                        <span className="visually-hidden">
                          Line {l.lineNumber}
                          {flagged ? ", vulnerable" : ""}:{" "}
                        </span>
                        {l.content}
                      </span>
                    );
                  })}
                </code>
              </pre>
              <figcaption className="hint">
                {where.fileName}, {lineRange(first, last)} marked.
              </figcaption>
            </figure>
          ) : (
            <p className="hint" data-testid="code-snippet-missing">
              {error?.errorCode === "CODE_SNIPPET_NOT_FOUND"
                ? "The code is no longer in the function's latest code scan (fixed or removed), so there is no snippet to show."
                : error
                  ? `The code could not be shown: ${error.errorMessage}`
                  : "No code snippet is available for this finding."}
            </p>
          )
        }
      </Remote>
      {f.remediation?.recommendation?.text ? (
        <>
          <h3>What to do</h3>
          <p data-testid="code-remediation">{f.remediation.recommendation.text}</p>
        </>
      ) : null}
      {result?.suggestedFixes?.length ? (
        <div data-testid="suggested-fixes">
          {result.suggestedFixes.map((fix, i) => (
            <div className="remediation" key={`${fix.description ?? ""}\0${fix.code ?? ""}`}>
              <h3>{result.suggestedFixes!.length > 1 ? `Suggested fix ${i + 1}` : "Suggested fix"}</h3>
              {fix.description ? <p>{fix.description}</p> : null}
              {fix.code ? <CopyCommand command={fix.code} testid="suggested-fix-code" /> : null}
            </div>
          ))}
        </div>
      ) : null}
      {code.referenceUrls?.length ? (
        <>
          <h3>References</h3>
          <ul className="refs">
            {code.referenceUrls.map((u) => (
              <li key={u}>
                <ExternalLink href={u} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function ResourceFacts({ r }: { r: FindingResource }) {
  const ecr = r.details?.awsEcrContainerImage;
  const ec2 = r.details?.awsEc2Instance;
  const fn = r.details?.awsLambdaFunction;
  const v = (x: unknown): ReactNode =>
    x === undefined || x === null || x === ""
      ? undefined
      : Array.isArray(x)
        ? x.length
          ? x.map(String).join(", ")
          : undefined
        : typeof x === "object"
          ? JSON.stringify(x)
          : String(x);
  const mono = (x: unknown) => (v(x) === undefined ? undefined : <span className="mono break">{v(x)}</span>);
  const tags = Object.entries(r.tags ?? {});
  return (
    <section className="panel" aria-labelledby="resource-h" data-testid="affected-resource">
      <h2 id="resource-h">Affected resource</h2>
      <Facts
        items={{
          ID: (
            <span className="mono break" data-testid="resource-id">
              {r.id}
            </span>
          ),
          Type: labelOf(r.type),
          Region: r.region,
          Partition: r.partition,
        }}
      />
      {ecr ? (
        <Facts
          items={{
            Registry: v(ecr["registry"]),
            Repository: mono(ecr["repositoryName"]),
            Digest: mono(ecr["imageHash"]),
            Tags: v(ecr["imageTags"]),
            Platform: v(ecr["platform"]),
            Architecture: v(ecr["architecture"]),
            Pushed: ecr["pushedAt"] !== undefined ? fmtDateTime(ecr["pushedAt"] as number) : undefined,
            Author: v(ecr["author"]),
          }}
        />
      ) : null}
      {ec2 ? (
        <Facts
          items={{
            Platform: v(ec2["platform"]),
            Image: mono(ec2["imageId"]),
            "Instance type": v(ec2["type"]),
            IPv4: v(ec2["ipV4Addresses"]),
            IPv6: v(ec2["ipV6Addresses"]),
            Network: mono(ec2["vpcId"]),
            Subnet: mono(ec2["subnetId"]),
            Launched: ec2["launchedAt"] !== undefined ? fmtDateTime(ec2["launchedAt"] as number) : undefined,
          }}
        />
      ) : null}
      {fn ? (
        <Facts
          items={{
            Function: mono(fn["functionName"]),
            Runtime: v(fn["runtime"]),
            Version: v(fn["version"]),
            Layers: v(fn["layers"]),
            "Code SHA-256": mono(fn["codeSha256"]),
            Role: mono(fn["executionRoleArn"]),
          }}
        />
      ) : null}
      {tags.length ? (
        <table className="data-table">
          <caption>Tags</caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {tags.map(([k, val]) => (
              <tr key={k}>
                <td className="mono">{k}</td>
                <td className="mono break">{val}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <p>
        <Link to={`/findings?resourceId=${encodeURIComponent(`"${r.id}"`)}`}>
          All findings on this resource
        </Link>
      </p>
    </section>
  );
}

function NetworkPath({ f }: { f: Finding }) {
  const n = f.networkReachabilityDetails!;
  const ports =
    n.openPortRange.begin === n.openPortRange.end
      ? `${n.openPortRange.begin}`
      : `${n.openPortRange.begin}–${n.openPortRange.end}`;
  return (
    <section className="panel" aria-labelledby="net-h" data-testid="network-path">
      <h2 id="net-h">Network path</h2>
      <p>
        {n.protocol} port{n.openPortRange.begin === n.openPortRange.end ? "" : "s"} <strong>{ports}</strong>{" "}
        reachable along this path:
      </p>
      <ol className="net-path">
        {n.networkPath.steps.map((s) => (
          <li key={`${s.componentType}-${s.componentId}`}>
            <span className="tag">{s.componentType}</span> <span className="mono break">{s.componentId}</span>
            {s.componentArn ? <span className="sub mono break">{s.componentArn}</span> : null}
          </li>
        ))}
      </ol>
      {f.remediation?.recommendation?.text ? (
        <>
          <h3>What to do</h3>
          <p data-testid="network-remediation">{f.remediation.recommendation.text}</p>
        </>
      ) : null}
    </section>
  );
}

function History({ arn, status }: { arn: string; status: string }) {
  const h = useAsync((signal) => op("GetFindingHistory", { findingArn: arn }, { signal }), [arn, status]);
  return (
    <section className="panel" aria-labelledby="history-h" data-testid="finding-history">
      <h2 id="history-h">History</h2>
      <Remote
        state={h}
        isEmpty={(d) => d.history.length === 0}
        empty={<Empty title="No recorded history." />}
      >
        {(d) => (
          <ol className="history">
            {d.history.map((e) => (
              <li key={`${e.at}-${e.change}-${e.status}-${e.detail ?? ""}`}>
                <time dateTime={new Date(e.at * 1000).toISOString()}>{fmtDateTime(e.at)}</time>
                <span className={`status status-${e.status.toLowerCase()}`}>{labelOf(e.change)}</span>
                {e.detail ? <span className="sub">{e.detail}</span> : null}
              </li>
            ))}
          </ol>
        )}
      </Remote>
    </section>
  );
}
