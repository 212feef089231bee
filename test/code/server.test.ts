/**
 * Code scanning on the server: code results submitted with a function's inventory become
 * CODE_VULNERABILITY findings that live like every other finding (ListFindings with the code
 * filter fields, aggregations, re-evaluation, suppression, closing with history and an
 * "Inspector2 Finding" event), BatchGetCodeSnippet through the AWS SDK, the AWS CLI and the
 * console, validation of the submitted `inventory.code`, and `vigil scan --code --submit` end to
 * end. A real server on loopback throughout; responses checked against the inspector2 model.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  BatchGetCodeSnippetCommand,
  CreateFilterCommand,
  DeleteFilterCommand,
  DisableCommand,
  EnableCommand,
  Inspector2Client,
  ListFindingAggregationsCommand,
  ListFindingsCommand,
  type Finding as SdkFinding,
} from "@aws-sdk/client-inspector2";
import { allDetectorIds } from "../../src/code/detectors.js";
import { suggestedFixesOf } from "../../src/code/fixes.js";
import { type CodeTree, scanCode } from "../../src/code/scan.js";
import { type SubmittedCode, toSubmittedCode } from "../../src/code/submitted.js";
import { ConsoleUsers } from "../../src/console/server/users.js";
import { toCodeFinding } from "../../src/findings/finding.js";
import { type Credentials, signedFetch } from "../../src/server/client.js";
import type { Principal } from "../../src/service/service.js";
import { makeZip, tempDir } from "../advisories/helpers.js";
import { shapesValidator } from "../support/botocore.js";
import { runVigilAsync } from "../support/cli.js";
import { type Receiver, startReceiver } from "../support/receiver.js";
import { pypi, startTestService, type TestService } from "../support/service.js";
import { codeAwareModel, validate } from "./inspector2-model.js";

const ACCOUNT = "123456789012";
const OTHER = "210987654321";
const FUNCTION = "orders";

const APP = `import sqlite3
import subprocess


def lambda_handler(event, context):
    conn = sqlite3.connect("/tmp/orders.db")
    name = event["name"]
    rows = conn.execute("SELECT * FROM orders WHERE customer = '" + name + "'").fetchall()
    subprocess.run("tar czf /tmp/out.tgz " + event["dir"], shell=True)
    return {"rows": len(rows)}
`;
/** The same handler with the query parameterised (the command injection stays). */
const APP_FIXED = APP.replace(
  `conn.execute("SELECT * FROM orders WHERE customer = '" + name + "'")`,
  `conn.execute("SELECT * FROM orders WHERE customer = ?", (name,))`,
);
const TOKEN_JS = "exports.newToken = () => Math.random().toString(36).slice(2);\n";

async function codeOf(files: Record<string, string>): Promise<SubmittedCode> {
  const tree: CodeTree = {
    async *files() {
      for (const [path, text] of Object.entries(files)) yield { path, read: async () => Buffer.from(text) };
    },
  };
  return toSubmittedCode(await scanCode(tree));
}

const FN_DETAILS = {
  awsLambdaFunction: {
    functionName: FUNCTION,
    runtime: "PYTHON_3_11",
    codeSha256: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    version: "$LATEST",
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/orders`,
  },
};

describe("code findings on the server", { timeout: 300_000 }, () => {
  let t: TestService;
  let key: Credentials;
  let client: Inspector2Client;
  let rx: Receiver;
  let code: SubmittedCode;
  const tmp = tempDir("code-server");
  const model = codeAwareModel();

  const submit = (resourceId: string, body: Record<string, unknown>, creds = key) =>
    signedFetch(t.url, `/v1/resources/${encodeURIComponent(resourceId)}/inventory`, body, creds);
  const submitFunction = (inventory: Record<string, unknown>, resourceId = FUNCTION) =>
    submit(resourceId, { resourceType: "AWS_LAMBDA_FUNCTION", details: FN_DETAILS, inventory });
  const findings = async (filterCriteria: Record<string, unknown>) =>
    (await client.send(new ListFindingsCommand({ filterCriteria, maxResults: 100 }))).findings ?? [];
  const codeFindings = (extra: Record<string, unknown> = {}) =>
    findings({
      findingType: [{ comparison: "EQUALS", value: "CODE_VULNERABILITY" }],
      resourceId: [{ comparison: "EQUALS", value: FUNCTION }],
      ...extra,
    });
  const byDetector = (fs: SdkFinding[], id: string) =>
    fs.find((f) => f.codeVulnerabilityDetails?.detectorId === id);

  before(async () => {
    t = await startTestService({ events: {} });
    key = await t.service.createKey(ACCOUNT);
    client = new Inspector2Client({ endpoint: t.url, region: "us-east-1", credentials: key, maxAttempts: 1 });
    code = await codeOf({ "app.py": APP, "lib/token.js": TOKEN_JS });
    // Every "Inspector2 Finding" event of a code finding goes to a webhook on loopback.
    rx = await startReceiver();
    const ok = async (method: "PUT", path: string, body: unknown) => {
      const r = await signedFetch(t.url, path, body, key, { method });
      assert.equal(r.status, 200, JSON.stringify(r.json));
    };
    await ok("PUT", "/v1/events/targets/hook", {
      type: "webhook",
      config: { url: `${rx.url}/vigil`, initialDelaySeconds: 0.05, maxDelaySeconds: 1, timeoutSeconds: 2 },
    });
    await ok("PUT", "/v1/events/rules/code", {
      pattern: { "detail-type": ["Inspector2 Finding"], detail: { type: ["CODE_VULNERABILITY"] } },
      targets: ["hook"],
    });
  });
  after(async () => {
    await rx?.close();
    await t?.close();
    tmp.cleanup();
  });

  it("refuses code results while Lambda code scanning (LAMBDA_CODE) is disabled", async () => {
    assert.equal(code.findings.length, 3, JSON.stringify(code.findings.map((f) => f.detectorId)));
    const r = await submitFunction({ packages: [pypi("requests", "2.30.0")], code });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.equal(r.errorType, "AccessDeniedException");
    assert.match(String(r.json["message"]), /LAMBDA_CODE/);
    const enabled = await client.send(new EnableCommand({ resourceTypes: ["LAMBDA_CODE"] }));
    assert.equal(enabled.accounts?.[0]?.resourceStatus?.lambdaCode, "ENABLED");
  });

  it("turns submitted code results into CODE_VULNERABILITY findings, as the local scan makes them", async () => {
    const r = await submitFunction({ packages: [pypi("requests", "2.30.0")], code });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json["opened"], 4, "one package finding and three code findings");
    const got = await codeFindings();
    assert.equal(got.length, 3);
    const sql = byDetector(got, "python/sql-injection")!;
    assert.equal(sql.status, "ACTIVE");
    assert.equal(sql.severity, "HIGH");
    assert.equal(sql.title, "CWE-89 - SQL injection");
    assert.deepEqual(sql.codeVulnerabilityDetails?.filePath, {
      fileName: "app.py",
      filePath: "app.py",
      startLine: 8,
      endLine: 8,
    });
    assert.deepEqual(sql.codeVulnerabilityDetails?.cwes, ["CWE-89"]);
    assert.equal(sql.resources?.[0]?.type, "AWS_LAMBDA_FUNCTION");
    assert.equal(sql.packageVulnerabilityDetails, undefined);
    // The server's findings are exactly what `vigil scan --code` computes for the same resource.
    const local = (
      await scanCode({
        async *files() {
          yield { path: "app.py", read: async () => Buffer.from(APP) };
        },
      })
    ).findings.find((f) => f.detectorId === "python/sql-injection")!;
    const expected = toCodeFinding(local, {
      accountId: ACCOUNT,
      region: "us-east-1",
      now: new Date().toISOString(),
      resource: { type: "AWS_LAMBDA_FUNCTION", id: FUNCTION, partition: "vigil", region: "us-east-1" },
    });
    assert.equal(sql.findingArn, expected.findingArn);
    assert.deepEqual(sql.codeVulnerabilityDetails, expected.codeVulnerabilityDetails);
    assert.equal(sql.description, expected.description);
    if (model) {
      // The wire JSON (not the SDK's parse of it) against botocore's inspector2 model.
      const raw = await signedFetch(
        t.url,
        "/findings/list",
        {
          filterCriteria: { findingType: [{ comparison: "EQUALS", value: "CODE_VULNERABILITY" }] },
        },
        key,
      );
      assert.deepEqual(
        shapesValidator(model, "ListFindingsResponse", { lengths: true, epochSeconds: true })(raw.json),
        [],
      );
    }
  });

  it("filters on detector name, detector tags and file path, and counts code findings by type", async () => {
    const s = (value: string, comparison = "EQUALS") => [{ comparison, value }];
    const sqlOnly = await codeFindings({ codeVulnerabilityDetectorName: s("SQL injection") });
    assert.deepEqual(
      sqlOnly.map((f) => f.codeVulnerabilityDetails?.detectorId),
      ["python/sql-injection"],
    );
    const shell = await codeFindings({ codeVulnerabilityDetectorTags: s("subprocess") });
    assert.deepEqual(
      shell.map((f) => f.codeVulnerabilityDetails?.detectorId),
      ["python/os-command-injection"],
    );
    const lib = await codeFindings({ codeVulnerabilityFilePath: s("lib/", "PREFIX") });
    assert.deepEqual(
      lib.map((f) => f.codeVulnerabilityDetails?.detectorId),
      ["javascript/insecure-randomness"],
    );
    const notApp = await codeFindings({ codeVulnerabilityFilePath: s("app.py", "NOT_EQUALS") });
    assert.equal(notApp.length, 1);
    // A code filter matches no package finding.
    assert.equal(
      (await findings({ codeVulnerabilityDetectorName: s("SQL", "PREFIX") })).every(
        (f) => f.type === "CODE_VULNERABILITY",
      ),
      true,
    );
    // FINDING_TYPE aggregates per account, for the finding type the request names.
    const countsOf = async (findingType: "CODE_VULNERABILITY" | "PACKAGE_VULNERABILITY") => {
      const agg = await client.send(
        new ListFindingAggregationsCommand({
          aggregationType: "FINDING_TYPE",
          aggregationRequest: {
            findingTypeAggregation: { findingType, resourceType: "AWS_LAMBDA_FUNCTION" },
          },
        }),
      );
      assert.equal(agg.responses?.length, 1);
      return agg.responses![0]!.findingTypeAggregation!;
    };
    const codeAgg = await countsOf("CODE_VULNERABILITY");
    assert.equal(codeAgg.accountId, ACCOUNT);
    assert.deepEqual(codeAgg.severityCounts, { all: 3, critical: 1, high: 1, medium: 1 });
    assert.equal(codeAgg.fixAvailableCount, 0);
    assert.equal((await countsOf("PACKAGE_VULNERABILITY")).severityCounts?.all, 1);
  });

  it("keeps code findings through re-evaluation and package-only submissions", async () => {
    const before = (await codeFindings()).map((f) => f.findingArn).sort();
    const r = await t.service.reevaluateResource(ACCOUNT, FUNCTION);
    assert.deepEqual(
      { opened: r?.opened, closed: r?.closed, changed: r?.changed, active: r?.active },
      { opened: 0, closed: 0, changed: 0, active: 4 },
    );
    const after = await codeFindings();
    assert.deepEqual(after.map((f) => f.findingArn).sort(), before);
    assert.ok(after.every((f) => f.status === "ACTIVE"));
    // A package-only submission (no `code`) keeps the last code scan's findings.
    const packagesOnly = await submitFunction({ packages: [pypi("requests", "2.30.0")] });
    assert.equal(packagesOnly.status, 200, JSON.stringify(packagesOnly.json));
    assert.deepEqual(
      {
        opened: packagesOnly.json["opened"],
        closed: packagesOnly.json["closed"],
        active: packagesOnly.json["active"],
      },
      { opened: 0, closed: 0, active: 4 },
    );
    assert.ok((await codeFindings()).every((f) => f.status === "ACTIVE"));
  });

  it("BatchGetCodeSnippet: the snippet with the vulnerable line and suggested fixes, errors per ARN", async () => {
    const got = await codeFindings();
    const sql = byDetector(got, "python/sql-injection")!;
    const shell = byDetector(got, "python/os-command-injection")!;
    const [pkg] = await findings({ findingType: [{ comparison: "EQUALS", value: "PACKAGE_VULNERABILITY" }] });
    // Another account's code finding: ACCESS_DENIED, not its snippet.
    const other: Principal = { accountId: OTHER, id: "test", readOnly: false };
    await t.service.setScanTypes(other, OTHER, ["LAMBDA_CODE"], "ENABLED");
    await t.service.submitInventory(
      other,
      { id: "billing", type: "AWS_LAMBDA_FUNCTION" },
      { packages: [], code: await codeOf({ "app.py": APP }) },
    );
    const [foreign] = await t.service.listFindings(OTHER, {}).then((r) => r.findings);
    assert.ok(foreign);
    const unknown = `arn:aws:inspector2:us-east-1:${ACCOUNT}:finding/${"0".repeat(32)}`;
    const res = await client.send(
      new BatchGetCodeSnippetCommand({
        findingArns: [sql.findingArn!, shell.findingArn!, pkg!.findingArn!, foreign.findingArn, unknown],
      }),
    );
    const results = res.codeSnippetResults ?? [];
    assert.deepEqual(
      results.map((x) => x.findingArn),
      [sql.findingArn, shell.findingArn],
    );
    const s = results[0]!;
    assert.equal(s.startLine, 8);
    assert.equal(s.endLine, 8);
    const lines = s.codeSnippet ?? [];
    assert.deepEqual(
      lines.map((l) => l.lineNumber),
      [6, 7, 8, 9, 10],
    );
    assert.match(
      lines.find((l) => l.lineNumber === 8)!.content!,
      /SELECT \* FROM orders WHERE customer = '" \+ name/,
    );
    assert.ok(s.suggestedFixes?.length);
    assert.match(s.suggestedFixes![0]!.description!, /parameterised query/);
    assert.match(s.suggestedFixes![0]!.code!, /execute\("SELECT \* FROM users WHERE name = %s", \(name,\)\)/);
    assert.match(results[1]!.suggestedFixes![0]!.code!, /subprocess\.run\(\["ls"/);
    const errors = Object.fromEntries((res.errors ?? []).map((e) => [e.findingArn, e.errorCode]));
    assert.deepEqual(errors, {
      [pkg!.findingArn!]: "CODE_SNIPPET_NOT_FOUND",
      [foreign.findingArn]: "ACCESS_DENIED",
      [unknown]: "CODE_SNIPPET_NOT_FOUND",
    });
    assert.ok((res.errors ?? []).every((e) => e.errorMessage && e.errorMessage.length > 10));

    // The wire response, checked against the model (list and string lengths included).
    const raw = await signedFetch(
      t.url,
      "/codesnippet/batchget",
      { findingArns: [sql.findingArn, pkg!.findingArn, foreign.findingArn] },
      key,
    );
    assert.equal(raw.status, 200);
    if (model) assert.deepEqual(validate(model, "BatchGetCodeSnippetResponse", raw.json), []);

    // 1 to 10 ARNs a request.
    const eleven = Array.from({ length: 11 }, () => sql.findingArn!);
    await assert.rejects(
      client.send(new BatchGetCodeSnippetCommand({ findingArns: eleven })),
      (e: Error) => e.name === "ValidationException" && /findingArns/.test(e.message),
    );
    await assert.rejects(
      client.send(new BatchGetCodeSnippetCommand({ findingArns: [] })),
      (e: Error) => e.name === "ValidationException",
    );
    // A read: read-only keys may call it.
    const ro = new Inspector2Client({
      endpoint: t.url,
      region: "us-east-1",
      credentials: await t.service.createKey(ACCOUNT, { readOnly: true }),
      maxAttempts: 1,
    });
    const viaRo = await ro.send(new BatchGetCodeSnippetCommand({ findingArns: [sql.findingArn!] }));
    assert.equal(viaRo.codeSnippetResults?.length, 1);
  });

  it("BatchGetCodeSnippet through the AWS CLI and the console (a viewer may read snippets)", async (tc) => {
    const [sql] = await codeFindings({
      codeVulnerabilityDetectorName: [{ comparison: "EQUALS", value: "SQL injection" }],
    });
    // Debian's AWS CLI 2.9 predates the operation; python3's awscli (botocore 1.43) has it.
    let cli: string[] | undefined;
    try {
      execFileSync("python3", ["-m", "awscli", "inspector2", "batch-get-code-snippet", "help"], {
        stdio: "ignore",
        env: { ...process.env, PAGER: "cat" },
        timeout: 30_000,
      });
      cli = ["python3", "-m", "awscli"];
    } catch {
      tc.diagnostic("no AWS CLI with batch-get-code-snippet on this machine; the SDK checks above stand");
    }
    if (cli) {
      const out = await new Promise<string>((resolve, reject) =>
        execFile(
          cli[0]!,
          [
            ...cli.slice(1),
            "inspector2",
            "batch-get-code-snippet",
            "--finding-arns",
            sql!.findingArn!,
            "--endpoint-url",
            t.url,
            "--region",
            "us-east-1",
            "--output",
            "json",
          ],
          {
            env: {
              ...process.env,
              AWS_ACCESS_KEY_ID: key.accessKeyId,
              AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
              AWS_CONFIG_FILE: "/dev/null",
              AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
            },
            encoding: "utf8",
            timeout: 60_000,
          },
          (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
        ),
      );
      const j = JSON.parse(out) as {
        codeSnippetResults: {
          findingArn: string;
          codeSnippet: { lineNumber: number }[];
          suggestedFixes: unknown[];
        }[];
        errors: unknown[];
      };
      assert.equal(j.codeSnippetResults[0]?.findingArn, sql!.findingArn);
      assert.ok(j.codeSnippetResults[0]!.codeSnippet.some((l) => l.lineNumber === 8));
      assert.ok(j.codeSnippetResults[0]!.suggestedFixes.length > 0);
      assert.deepEqual(j.errors, []);
    }

    const users = new ConsoleUsers(t.service.db);
    await users.add("victor", ACCOUNT, "viewer", "correct horse battery staple");
    const signIn = await fetch(new URL("/console/api/session", t.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "victor", password: "correct horse battery staple" }),
    });
    assert.equal(signIn.status, 200);
    const cookie = signIn.headers.get("set-cookie")!.split(";")[0]!;
    const { csrfToken } = (await signIn.json()) as { csrfToken: string };
    const r = await fetch(new URL("/console/api/ops/BatchGetCodeSnippet", t.url), {
      method: "POST",
      headers: { "content-type": "application/json", cookie, "x-csrf-token": csrfToken },
      body: JSON.stringify({ input: { findingArns: [sql!.findingArn] } }),
    });
    assert.equal(r.status, 200, await r.clone().text());
    const body = (await r.json()) as { codeSnippetResults: { suggestedFixes?: unknown[] }[] };
    assert.equal(body.codeSnippetResults.length, 1);
    assert.ok(body.codeSnippetResults[0]!.suggestedFixes?.length);
  });

  it("a SUPPRESS filter on a code field suppresses the code finding, now and until deleted", async () => {
    const created = await client.send(
      new CreateFilterCommand({
        name: "accept-token-randomness",
        action: "SUPPRESS",
        reason: "tokens are display ids, not secrets",
        filterCriteria: {
          findingType: [{ comparison: "EQUALS", value: "CODE_VULNERABILITY" }],
          codeVulnerabilityDetectorName: [{ comparison: "EQUALS", value: "Insecure randomness for secrets" }],
        },
      }),
    );
    const status = async () =>
      Object.fromEntries(
        (await codeFindings()).map((f) => [f.codeVulnerabilityDetails!.detectorId!, f.status]),
      );
    assert.deepEqual(await status(), {
      "python/sql-injection": "ACTIVE",
      "python/os-command-injection": "ACTIVE",
      "javascript/insecure-randomness": "SUPPRESSED",
    });
    // A resubmission of the same code keeps it suppressed.
    assert.equal((await submitFunction({ packages: [pypi("requests", "2.30.0")], code })).status, 200);
    assert.equal((await status())["javascript/insecure-randomness"], "SUPPRESSED");
    await client.send(new DeleteFilterCommand({ arn: created.arn! }));
    assert.equal((await status())["javascript/insecure-randomness"], "ACTIVE");
  });

  it("fixing the code closes its finding: CLOSED, history, an Inspector2 Finding event, no snippet", async () => {
    const sql = byDetector(await codeFindings(), "python/sql-injection")!;
    const eventsBefore = rx.requests.length;
    const fixed = await codeOf({ "app.py": APP_FIXED, "lib/token.js": TOKEN_JS });
    const r = await submitFunction({ packages: [pypi("requests", "2.30.0")], code: fixed });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json["closed"], 1);
    assert.equal(r.json["opened"], 0);
    const [closed] = await codeFindings({ findingArn: [{ comparison: "EQUALS", value: sql.findingArn! }] });
    assert.equal(closed?.status, "CLOSED");
    // The command injection on the next line kept its identity (same code, same ARN).
    const open = await codeFindings({ findingStatus: [{ comparison: "EQUALS", value: "ACTIVE" }] });
    assert.deepEqual(open.map((f) => f.codeVulnerabilityDetails?.detectorId).sort(), [
      "javascript/insecure-randomness",
      "python/os-command-injection",
    ]);
    const history = await signedFetch(
      t.url,
      "/v1/console/finding-history",
      { findingArn: sql.findingArn },
      key,
    );
    assert.equal(history.status, 200, JSON.stringify(history.json));
    const changes = (history.json["history"] as { change: string; status: string }[]).map((h) => h.change);
    assert.ok(changes.includes("opened") && changes.includes("closed"), changes.join(","));
    // The event of the closing, delivered to the webhook.
    await rx.until((reqs) =>
      reqs.slice(eventsBefore).some((q) => {
        const e = JSON.parse(q.body) as { detail: { findingArn: string; status: string } };
        return e.detail.findingArn === sql.findingArn && e.detail.status === "CLOSED";
      }),
    );
    const event = rx.requests
      .slice(eventsBefore)
      .map((q) => JSON.parse(q.body) as { "detail-type": string; detail: SdkFinding & { status: string } })
      .find((e) => e.detail.findingArn === sql.findingArn)!;
    assert.equal(event["detail-type"], "Inspector2 Finding");
    assert.equal(event.detail.type, "CODE_VULNERABILITY");
    assert.equal(event.detail.codeVulnerabilityDetails?.detectorId, "python/sql-injection");
    // The opening events came too (three code findings at first submission).
    const opened = rx.requests
      .slice(0, eventsBefore)
      .map((q) => JSON.parse(q.body) as { detail: { type: string; status: string } })
      .filter((e) => e.detail.type === "CODE_VULNERABILITY" && e.detail.status === "ACTIVE");
    assert.ok(opened.length >= 3, `${opened.length} opening events`);
    // Its code is gone from the latest scan: no snippet any more.
    const snip = await client.send(new BatchGetCodeSnippetCommand({ findingArns: [sql.findingArn!] }));
    assert.deepEqual(snip.codeSnippetResults, []);
    assert.equal(snip.errors?.[0]?.errorCode, "CODE_SNIPPET_NOT_FOUND");
  });

  it("refuses a malformed inventory.code with a ValidationException naming the field", async () => {
    const one = code.findings[0]!;
    const cases: [string, unknown, RegExp][] = [
      [
        "a string line",
        { findings: [{ ...one, startLine: "8" }] },
        /inventory\.code\.findings\[0\]\.startLine/,
      ],
      [
        "an unknown detector",
        { findings: [{ ...one, detectorId: "cobol/goto" }] },
        /inventory\.code\.findings\[0\]\.detectorId/,
      ],
      [
        "21 snippet lines",
        {
          findings: [
            { ...one, snippet: Array.from({ length: 21 }, (_, i) => ({ lineNumber: i + 1, content: "x" })) },
          ],
        },
        /inventory\.code\.findings\[0\]\.snippet/,
      ],
      [
        "a 241-character line",
        { findings: [{ ...one, snippet: [{ lineNumber: 1, content: "x".repeat(241) }] }] },
        /inventory\.code\.findings\[0\]\.snippet\[0\]\.content/,
      ],
      [
        "a bad fingerprint",
        { findings: [{ ...one, fingerprint: "abc" }] },
        /inventory\.code\.findings\[0\]\.fingerprint/,
      ],
      [
        "end before start",
        { findings: [{ ...one, startLine: 9, endLine: 3 }] },
        /inventory\.code\.findings\[0\]\.endLine/,
      ],
      [
        "an unknown member",
        { findings: [{ ...one, severity: "LOW" }] },
        /inventory\.code\.findings\[0\]\.severity/,
      ],
      ["1,001 findings", { findings: Array.from({ length: 1001 }, () => one) }, /inventory\.code\.findings/],
      [
        "over a million characters of snippets",
        {
          findings: Array.from({ length: 300 }, () => ({
            ...one,
            snippet: Array.from({ length: 20 }, (_, i) => ({ lineNumber: i + 1, content: "y".repeat(240) })),
          })),
        },
        /inventory\.code\.findings: snippets hold 1440000 characters/,
      ],
      ["not an object", "SELECT 1", /inventory\.code/],
    ];
    for (const [what, bad, field] of cases) {
      const r = await submitFunction({ packages: [], code: bad });
      assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.json).slice(0, 300)}`);
      assert.equal(r.errorType, "ValidationException", what);
      assert.match(String(r.json["message"]), field, what);
    }
    // Code results belong to functions.
    const host = await submit("i-0123456789abcdef0", {
      resourceType: "AWS_EC2_INSTANCE",
      inventory: { packages: [], code },
    });
    assert.equal(host.status, 400);
    assert.match(String(host.json["message"]), /inventory\.code: .*AWS_LAMBDA_FUNCTION/);
    // Nothing of the refused submissions reached the function's findings.
    assert.equal(
      (await codeFindings({ findingStatus: [{ comparison: "EQUALS", value: "ACTIVE" }] })).length,
      2,
    );
  });

  it("vigil scan fn.zip --code --submit sends the code results along", async () => {
    const cliData = join(tmp.path, "cli-data");
    const env = { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey };
    const update = await runVigilAsync([
      "--quiet",
      "--data-dir",
      cliData,
      "db",
      "update",
      "--mirror",
      t.mirror,
      "--feeds",
      "osv:PyPI",
    ]);
    assert.equal(update.status, 0, update.stderr);
    const zip = join(tmp.path, "invoices.zip");
    writeFileSync(
      zip,
      makeZip([
        { name: "app.py", data: APP },
        { name: "requirements.txt", data: "requests==2.30.0\n" },
      ]),
    );
    const r = await runVigilAsync(
      ["--quiet", "--data-dir", cliData, "scan", "--code", "--format", "json", "--submit", t.url, zip],
      env,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /submitted invoices to .*: 3 active findings \(3 new/);
    const local = JSON.parse(r.stdout) as { findings: { type: string; findingArn: string }[] };
    const localCode = local.findings.filter((f) => f.type === "CODE_VULNERABILITY");
    assert.equal(localCode.length, 2);
    const onServer = await findings({
      resourceId: [{ comparison: "EQUALS", value: "invoices" }],
      findingType: [{ comparison: "EQUALS", value: "CODE_VULNERABILITY" }],
    });
    // Same identity on both sides: the ARN's finding id depends on resource and code only
    // (the local scan's account is a placeholder).
    const ids = (arns: (string | undefined)[]) => arns.map((a) => a!.slice(a!.lastIndexOf("/") + 1)).sort();
    assert.deepEqual(ids(onServer.map((f) => f.findingArn)), ids(localCode.map((f) => f.findingArn)));
    const snip = await client.send(
      new BatchGetCodeSnippetCommand({ findingArns: onServer.map((f) => f.findingArn!) }),
    );
    assert.equal(snip.codeSnippetResults?.length, 2);

    // A directory is a host to the server: --code with --submit is refused before scanning.
    const dir = join(tmp.path, "src");
    execFileSync("mkdir", ["-p", dir]);
    writeFileSync(join(dir, "app.py"), APP);
    const refused = await runVigilAsync(
      ["--quiet", "--data-dir", cliData, "scan", "--code", "--submit", t.url, dir],
      env,
    );
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /--code with --submit applies to function packages/);
  });

  it("the vulnerable code coming back reopens the same finding", async () => {
    const r = await submitFunction({ packages: [pypi("requests", "2.30.0")], code });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json["opened"], 1);
    const [sql] = await codeFindings({
      codeVulnerabilityDetectorName: [{ comparison: "EQUALS", value: "SQL injection" }],
    });
    assert.equal(sql?.status, "ACTIVE");
    const history = await signedFetch(
      t.url,
      "/v1/console/finding-history",
      { findingArn: sql!.findingArn },
      key,
    );
    const changes = (history.json["history"] as { change: string }[]).map((h) => h.change);
    assert.ok(changes.includes("reopened"), changes.join(","));
  });

  it("disabling LAMBDA_CODE closes the code findings and keeps the package findings", async () => {
    const before = await codeFindings({ findingStatus: [{ comparison: "EQUALS", value: "ACTIVE" }] });
    assert.ok(before.length > 0);
    const packages = async () =>
      findings({
        findingType: [{ comparison: "EQUALS", value: "PACKAGE_VULNERABILITY" }],
        resourceId: [{ comparison: "EQUALS", value: FUNCTION }],
        findingStatus: [{ comparison: "EQUALS", value: "ACTIVE" }],
      });
    const packagesBefore = (await packages()).length;
    assert.ok(packagesBefore > 0, "requests 2.30.0 has package findings");
    await client.send(new DisableCommand({ resourceTypes: ["LAMBDA_CODE"] }));
    const after = await codeFindings();
    assert.ok(after.length >= before.length);
    for (const f of after) assert.equal(f.status, "CLOSED", f.title);
    assert.equal((await packages()).length, packagesBefore);
    await client.send(new EnableCommand({ resourceTypes: ["LAMBDA_CODE"] }));
  });

  it("every detector has suggested fixes for every language it covers, within the model's limits", () => {
    for (const id of allDetectorIds()) {
      const fixes = suggestedFixesOf(id);
      assert.ok(fixes.length >= 1 && fixes.length <= 5, id);
      for (const f of fixes) {
        assert.ok(f.description.length >= 1 && f.description.length <= 1000, `${id} description`);
        assert.ok(f.code.length >= 1 && f.code.length <= 2500, `${id} code`);
      }
      if (model)
        assert.deepEqual(
          validate(model, "CodeSnippetResult", {
            findingArn: `arn:aws:inspector2:us-east-1:${ACCOUNT}:finding/${"a".repeat(32)}`,
            startLine: 1,
            endLine: 1,
            codeSnippet: [{ lineNumber: 1, content: "x" }],
            suggestedFixes: fixes,
          }),
          [],
          id,
        );
    }
    assert.deepEqual(suggestedFixesOf("cobol/sql-injection"), []);
  });
});
