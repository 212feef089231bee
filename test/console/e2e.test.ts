/**
 * The console end to end in real headless Chromium (Debian's chromium driven by playwright-core)
 * against a server seeded from real scans: Debian's docker-registry and skopeo Go programs and a
 * debootstrap bookworm root, matched against the real Go and Debian advisory mirrors.
 * Sign in, filter to CRITICAL, open a finding, copy its remediation, suppress it with a reason,
 * see the counts change; a viewer cannot suppress. Screenshots of each page go to
 * docs/screenshots/ (linked from the README).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import AxeBuilder from "@axe-core/playwright";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { updateAdvisories } from "../../src/advisories/update.js";
import { ConsoleUsers } from "../../src/console/server/users.js";
import { inventoryTarget, openTarget } from "../../src/pipeline/scan.js";
import type { Principal } from "../../src/service/service.js";
import { tempDir } from "../advisories/helpers.js";
import { debianGoPrograms, repoRoot, vulndataDir } from "../support/fixtures.js";
import { startTestService, type TestService } from "../support/service.js";

const ACCOUNT = "123456789012";
const admin: Principal = { accountId: ACCOUNT, id: "seed", readOnly: false };
const PASSWORD = "console-e2e-password";
const SHOTS = join(repoRoot, "docs", "screenshots");
const CHROMIUM = "/usr/bin/chromium";

/** An installed Python application (dist-info metadata as pip writes it) of an LLM service. */
function pythonApp(root: string): string {
  const site = join(root, "usr/lib/python3/dist-packages");
  for (const [name, version] of [
    ["langchain", "0.0.150"],
    ["llama-index", "0.7.0"],
    ["duckdb", "0.9.0"],
    ["apache-iotdb", "1.2.0"],
    ["Django", "2.2.0"],
    ["requests", "2.19.0"],
    ["PyYAML", "5.1"],
    ["Jinja2", "2.10"],
    ["urllib3", "1.24.1"],
  ]) {
    const dir = join(site, `${name}-${version}.dist-info`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "METADATA"), `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`);
  }
  return root;
}

describe("web console in Chromium", { timeout: 300_000 }, () => {
  let t: TestService;
  let browser: Browser;
  const tmp = tempDir("console-e2e");

  const newPage = async (): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext({
      viewport: { width: 1360, height: 900 },
      colorScheme: "light",
    });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: t.url });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    return { context, page };
  };
  const signIn = async (page: Page, username: string) => {
    await page.goto(`${t.url}/console/`);
    await page.getByTestId("signin-username").fill(username);
    await page.getByTestId("signin-password").fill(PASSWORD);
    await page.getByTestId("signin-submit").click();
    await page.getByTestId("nav-dashboard").waitFor();
  };
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
  const count = async (page: Page, testId: string) =>
    Number((await page.getByTestId(testId).innerText()).replace(/\D/g, ""));

  before(async () => {
    assert.ok(existsSync(CHROMIUM), "Debian's chromium is installed (see .ci/apt-packages)");
    mkdirSync(SHOTS, { recursive: true });
    const site = join(tmp.path, "console");
    const build = spawnSync(
      process.execPath,
      [
        join(repoRoot, "node_modules/vite/bin/vite.js"),
        "build",
        "--outDir",
        site,
        "--emptyOutDir",
        "--logLevel",
        "warn",
      ],
      { cwd: repoRoot, encoding: "utf8" },
    );
    assert.equal(build.status, 0, build.stderr);
    t = await startTestService({ consoleDir: site });
    await updateAdvisories({ dataDir: t.dataDir, mirror: vulndataDir, feeds: ["osv:Go", "osv:PyPI"] });
    for (const [id, dir] of [
      ["i-0build0registry01", debianGoPrograms()],
      ["i-0llm0app00000001", pythonApp(join(tmp.path, "llm-app"))],
    ] as const) {
      const target = await openTarget(dir);
      const inv = await inventoryTarget(target);
      target.close();
      await t.service.submitInventory(
        admin,
        { id, type: "AWS_EC2_INSTANCE" },
        { os: inv.os, packages: inv.packages },
      );
    }
    const users = new ConsoleUsers(t.service.db);
    await users.add("alice", ACCOUNT, "admin", PASSWORD);
    await users.add("victor", ACCOUNT, "viewer", PASSWORD);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    tmp.cleanup();
  });

  it("an admin finds a critical finding, copies the fix and suppresses it", async () => {
    const { context, page } = await newPage();
    await page.goto(`${t.url}/console/`);
    await page.getByTestId("signin-username").waitFor();
    await shot(page, "sign-in");
    await page.getByTestId("signin-username").fill("alice");
    await page.getByTestId("signin-password").fill("wrong password!");
    await page.getByTestId("signin-submit").click();
    await assert.doesNotReject(
      page.getByTestId("signin-error").getByText("wrong username or password").waitFor(),
    );
    await signIn(page, "alice");

    await page.getByTestId("dashboard-count-critical").waitFor();
    await page.getByTestId("timeline-chart").waitFor();
    const criticalBefore = await count(page, "dashboard-count-critical");
    assert.ok(criticalBefore > 0, "the seeded scans have critical findings");
    await shot(page, "dashboard");

    await page.getByTestId("nav-findings").click();
    // The page settles its URL (default filters) after the first rows; filter once it has.
    await page.getByTestId("finding-row").first().waitFor();
    await page.waitForLoadState("networkidle");
    const critical = page.getByTestId("filter-severity-CRITICAL");
    for (let i = 0; !/severity=CRITICAL/.test(page.url()); i++) {
      assert.ok(i < 10, "the CRITICAL filter applies");
      if (!(await critical.isChecked())) await critical.click();
      await page.waitForTimeout(200);
    }
    await page.getByTestId("finding-row").first().waitFor();
    // The fix to copy: critical findings that have a fixed version.
    await page.getByTestId("filter-fix").selectOption("YES");
    await page.waitForURL(/fix=YES/);
    await page.getByTestId("finding-row").first().waitFor();
    assert.match(page.url(), /severity=CRITICAL/);
    const rows = page.getByTestId("finding-row");
    for (const sev of await rows.evaluateAll((els) => els.map((e) => e.textContent ?? "")))
      assert.match(sev, /CRITICAL/i);
    await shot(page, "findings");

    await page.getByTestId("finding-link").first().click();
    await page.getByTestId("finding-title").waitFor();
    const command = (await page.getByTestId("remediation-command").first().innerText()).trim();
    assert.match(command, /\S/);
    await page.getByTestId("copy-button").first().click();
    await page
      .getByTestId("copy-status")
      .first()
      .getByText(/copied/i)
      .waitFor();
    assert.equal(await page.evaluate("navigator.clipboard.readText()"), command);
    await page.getByTestId("score-breakdown").waitFor();
    await shot(page, "finding");

    await page
      .getByTestId("suppress-reason")
      .fill("compensating control: registry only on the build network");
    await page.getByTestId("suppress-submit").click();
    await page.getByTestId("finding-status").getByText("SUPPRESSED").waitFor();

    await page.getByTestId("nav-dashboard").click();
    // The dashboard reloads its counts: the suppressed finding no longer counts as active.
    for (let i = 0; (await count(page, "dashboard-count-critical")) !== criticalBefore - 1; i++) {
      assert.ok(i < 100, "the critical count went down by one");
      await page.waitForTimeout(100);
    }

    await page.getByTestId("nav-resources").click();
    await page.getByTestId("resource-row").first().waitFor();
    await shot(page, "resources");
    await page.getByTestId("nav-suppression-rules").click();
    await page.getByTestId("rule-row").first().waitFor();
    assert.match(await page.getByTestId("rules-table").innerText(), /compensating control/);
    await shot(page, "suppression-rules");
    await page.getByTestId("nav-settings").click();
    await page.getByTestId("feeds-table").waitFor();
    await shot(page, "settings");
    await page.getByTestId("nav-dashboard").click();
    await page.getByTestId("theme-toggle").click();
    await page.getByTestId("dashboard-count-critical").waitFor();
    await page.waitForLoadState("networkidle");
    await shot(page, "dashboard-dark");
    await context.close();
  });

  it("every page passes axe's WCAG 2.1 A and AA checks, in light and dark", async () => {
    const { context, page } = await newPage();
    const audit = async (label: string) => {
      await page.waitForLoadState("networkidle");
      const result = await new AxeBuilder({ page })
        .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
        .analyze();
      const found = result.violations.map(
        (v) =>
          `${label}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
      );
      assert.deepEqual(found, [], found.join("\n"));
      assert.ok(result.passes.length > 10, `${label}: axe ran its checks (${result.passes.length} passed)`);
    };
    await page.goto(`${t.url}/console/`);
    await page.getByTestId("signin-username").waitFor();
    await audit("sign-in");
    await signIn(page, "alice");
    for (const theme of ["light", "dark"]) {
      if (theme === "dark") await page.getByTestId("theme-toggle").click();
      await page.getByTestId("nav-dashboard").click();
      await page.getByTestId("timeline-chart").waitFor();
      await audit(`dashboard (${theme})`);
      await page.getByTestId("nav-findings").click();
      await page.getByTestId("finding-row").first().waitFor();
      await audit(`findings (${theme})`);
      await page.getByTestId("finding-link").first().click();
      await page.getByTestId("finding-title").waitFor();
      await audit(`finding (${theme})`);
      await page.getByTestId("nav-resources").click();
      await page.getByTestId("resource-row").first().waitFor();
      await audit(`resources (${theme})`);
      await page.getByTestId("nav-suppression-rules").click();
      await page.getByTestId("rules-announce").waitFor({ state: "attached" });
      await audit(`suppression rules (${theme})`);
      await page.getByTestId("nav-settings").click();
      await page.getByTestId("feeds-table").waitFor();
      await audit(`settings (${theme})`);
    }
    await context.close();
  });

  it("a viewer sees findings but cannot suppress them", async () => {
    const { context, page } = await newPage();
    await signIn(page, "victor");
    assert.equal((await page.getByTestId("user-role").innerText()).toLowerCase().includes("viewer"), true);
    await page.getByTestId("nav-findings").click();
    await page.getByTestId("finding-row").first().waitFor();
    assert.equal(await page.getByTestId("suppress-selected").isDisabled(), true);
    await page.getByTestId("finding-link").first().click();
    await page.getByTestId("finding-title").waitFor();
    await page.getByTestId("viewer-note").waitFor();
    assert.equal(await page.getByTestId("suppress-form").count(), 0);
    // The server refuses it too, whatever the page shows.
    const status = await page.evaluate(`(async () => {
      const s = await (await fetch("/console/api/session")).json();
      const r = await fetch("/console/api/ops/CreateFilter", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": s.csrfToken },
        body: JSON.stringify({ input: { name: "sneaky", action: "SUPPRESS",
          filterCriteria: { severity: [{ comparison: "EQUALS", value: "CRITICAL" }] } } }),
      });
      return r.status;
    })()`);
    assert.equal(status, 403);
    await context.close();
  });
});
