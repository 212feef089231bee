/**
 * The web console at scale: Debian's chromium (playwright-core) against a server holding the
 * service benchmark's 1,000,000 findings. Timed from navigation to what a user sees: the
 * dashboard's counts and chart, the Findings page's first rows, scrolling through 1,000 rows
 * (pages fetched as the virtualised table needs them), a finding's detail page.
 */
import { existsSync } from "node:fs";
import { chromium, type Page } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return Math.round(performance.now() - t0);
}

export async function benchConsole(
  url: string,
  username: string,
  password: string,
): Promise<Record<string, unknown>> {
  if (!existsSync(CHROMIUM)) return { skipped: `no ${CHROMIUM} (apt-get install chromium)` };
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  try {
    const page: Page = await (await browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage();
    page.setDefaultTimeout(120_000);
    const opsMs: Record<string, number[]> = {};
    page.on("requestfinished", (req) => {
      const m = /\/console\/api\/ops\/(\w+)/.exec(req.url());
      if (!m) return;
      const t = req.timing();
      const list = opsMs[m[1]!] ?? [];
      list.push(Math.round(t.responseEnd));
      opsMs[m[1]!] = list;
    });
    await page.goto(`${url}/console/`);
    await page.getByTestId("signin-username").fill(username);
    await page.getByTestId("signin-password").fill(password);
    const dashboard = await timed(async () => {
      await page.getByTestId("signin-submit").click();
      await page.getByTestId("timeline-chart").waitFor();
      await page.waitForLoadState("networkidle");
    });
    const findingsFirstRows = await timed(async () => {
      await page.getByTestId("nav-findings").click();
      await page.getByTestId("finding-row").first().waitFor();
    });
    const before = (opsMs["ListFindings"] ?? []).length;
    const scroll1000 = await timed(async () => {
      while ((opsMs["ListFindings"] ?? []).length - before < 10) {
        await page.mouse.move(900, 500);
        await page.mouse.wheel(0, 4000);
        await page.waitForTimeout(20);
      }
      await page.waitForLoadState("networkidle");
    });
    const detail = await timed(async () => {
      await page.getByTestId("finding-link").last().click();
      await page.getByTestId("finding-title").waitFor();
      await page.waitForLoadState("networkidle");
    });
    const quantile = (xs: number[], q: number) =>
      [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] ?? 0;
    return {
      dashboardMs: dashboard,
      findingsFirstRowsMs: findingsFirstRows,
      scroll1000RowsMs: scroll1000,
      findingDetailMs: detail,
      operations: Object.fromEntries(
        Object.entries(opsMs).map(([k, v]) => [
          k,
          { calls: v.length, p50Ms: quantile(v, 0.5), maxMs: Math.max(...v) },
        ]),
      ),
      goal: "first rows < 1 s, dashboard < 5 s at 1,000,000 findings",
    };
  } finally {
    await browser.close();
  }
}
