/**
 * What the console's browser suites share: each file starts its own real server (on a real
 * SQLite file) and its own Debian Chromium (through playwright-core) with {@link useConsole},
 * and signs in through the page as a person would. The server's clock is real time plus an
 * offset the tests move (session expiry without sleeping, Advanced signatures still fresh).
 */
import type { Page } from "playwright-core";
import { openBrowser, type TestBrowser } from "../helpers/browser";
import { OffsetClock, startTestServer, type Credential, type TestServer } from "../helpers/server";

export const DAY = 86_400_000;
export const DATE = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export interface ConsoleWorld {
  t: TestServer;
  b: TestBrowser;
  page: Page;
  clock: OffsetClock;
  /** Signs in through the sign-in form and waits for the API Keys table. */
  signIn(c: Credential): Promise<void>;
  /** The table row of key `id`. */
  row(id: number): ReturnType<Page["locator"]>;
  /** The management audit entries of one sub-type, as the admin reads them. */
  auditOf(subtype: string): Promise<Array<Record<string, unknown>>>;
  /** The key ids of the rows the table shows. */
  shown(): Promise<number[]>;
}

/**
 * Registers `before`/`after` hooks in the calling `describe` that start a server and a browser
 * and stop them; the returned world is filled in when `before` has run.
 */
export function useConsole(): ConsoleWorld {
  const clock = new OffsetClock();
  const w = { clock } as ConsoleWorld;
  before(async () => {
    w.t = await startTestServer({
      clock,
      options: { console: { idleMs: 30 * 60_000, absoluteMs: 8 * 3_600_000 } },
    });
    w.b = await openBrowser(w.t.url);
    w.page = w.b.page;
  });
  after(async () => {
    await w.b?.close();
    await w.t?.close();
  });
  w.signIn = async (c) => {
    const page = w.page;
    await w.b.context.clearCookies();
    await page.goto(`${w.t.url}/console`);
    await page
      .getByLabel(c.level === "advanced" ? "Advanced" : "Standard", { exact: true })
      .check();
    await page.getByLabel("Key ID").fill(String(c.id));
    await page.getByLabel("Key", { exact: true }).fill(c.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "API Keys" }).waitFor();
    await page
      .locator("#table-status")
      .filter({ hasText: /of \d+ keys/ })
      .waitFor();
  };
  w.row = (id) => w.page.locator(`tr[data-key-id="${id}"]`);
  w.auditOf = async (subtype) =>
    (
      await w.t.call("POST", "/public_api/v1/audits/management_logs", {
        request_data: {
          filters: [{ field: "sub_type", operator: "in", value: [subtype] }],
          search_to: 100,
        },
      })
    ).body.reply.data as Array<Record<string, unknown>>;
  w.shown = async () =>
    (await w.page
      .locator("tbody tr")
      .evaluateAll((rs) => rs.map((r) => Number(r.getAttribute("data-key-id"))))) as number[];
  return w;
}

/** Three keys for the table's suites: an Advanced Investigator expiring in 3 days, two Viewers. */
export async function filterKeys(t: TestServer) {
  return {
    alpha: await t.createKey({
      level: "advanced",
      roles: ["Investigator"],
      comment: "filter-alpha",
      expiration: Date.now() + 3 * DAY,
    }),
    beta: await t.createKey({
      roles: ["Viewer"],
      comment: "filter-beta",
      expiration: Date.now() + 20 * DAY,
    }),
    gamma: await t.createKey({ roles: ["Viewer"], comment: "filter-gamma" }),
  };
}
