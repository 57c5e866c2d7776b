/**
 * A real browser for the console tests: Debian's Chromium (/usr/bin/chromium, installed by
 * .ci/run when missing) driven by playwright-core, headless, in a new empty profile, with
 * clipboard access granted for the server's origin. No browser download: playwright-core has none.
 * Also: axe-core accessibility checks in the same page, and screenshots for docs/console.md.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { repoRoot, scratchDir } from "./paths";

export const CHROMIUM = process.env.KEYPLANE_CHROMIUM ?? "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Every request body the page sent, to prove a secret never crossed the wire. */
  sent: Array<{ url: string; body: string; headers: Record<string, string> }>;
  close(): Promise<void>;
}

/** Opens a browser on `origin` (clipboard allowed there). */
export async function openBrowser(
  origin: string,
  o: { bypassCSP?: boolean } = {},
): Promise<TestBrowser> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
  const profile = scratchDir("chromium-profile");
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1400, height: 900 },
    bypassCSP: o.bypassCSP ?? false,
    timezoneId: "UTC",
  });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
  const page = context.pages()[0] ?? (await context.newPage());
  const sent: TestBrowser["sent"] = [];
  page.on("request", (r) =>
    sent.push({ url: r.url(), body: r.postData() ?? "", headers: r.headers() }),
  );
  return {
    context,
    page,
    sent,
    async close() {
      await context.close().catch(() => undefined);
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The clipboard's text, read in the page. */
export const clipboard = (page: Page): Promise<string> =>
  page.evaluate("navigator.clipboard.readText()");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/**
 * Runs axe-core in the page and returns the serious and critical violations. The page must have
 * been opened with `bypassCSP` (axe is injected as a script the console's CSP would refuse).
 */
export async function axeSerious(page: Page): Promise<AxeViolation[]> {
  const src = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  await page.addScriptTag({ content: src });
  // A string, so that this file needs no DOM typings: it runs in the page.
  const res = (await page.evaluate(`axe.run(document, { resultTypes: ["violations"] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`)) as AxeViolation[];
  return res.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/**
 * Where the screenshots go: docs/console/ (the ones docs/console.md shows) when
 * KEYPLANE_UPDATE_SCREENSHOTS=1, else a scratch directory, so a test run leaves the tree clean.
 */
let shotDir: string | undefined;
export function screenshotDir(): string {
  shotDir ??=
    process.env.KEYPLANE_UPDATE_SCREENSHOTS === "1"
      ? path.join(repoRoot, "docs", "console")
      : scratchDir("screenshots");
  fs.mkdirSync(shotDir, { recursive: true });
  return shotDir;
}

/**
 * A screenshot of the viewport (or with `fullPage`, of the whole page); `mask` covers elements
 * that show a secret (even a test server's key stays out of the docs).
 */
export async function screenshot(
  page: Page,
  name: string,
  mask: string[] = [],
  o: { fullPage?: boolean } = {},
): Promise<string> {
  const file = path.join(screenshotDir(), `${name}.png`);
  await page.screenshot({
    path: file,
    mask: mask.map((m) => page.locator(m)),
    fullPage: o.fullPage ?? false,
  });
  return file;
}
