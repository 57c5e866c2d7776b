/**
 * The web console in a real browser (Debian's Chromium through playwright-core) against a real
 * server on a real SQLite file: sign-in at both security levels, the API Keys table with its
 * filters in the URL, the pivot menu and its clipboard, New Key with the key shown once, edit,
 * revoke, delete, Notification Center, Server Settings and SBAC, a read-only key, CSRF and
 * session-expiry refusals, and axe-core on each page. The server's clock is real time plus an
 * offset the tests move (session expiry without sleeping, Advanced signatures still fresh).
 */
import { strict as assert } from "node:assert";
import type { Page } from "playwright-core";
import {
  axeSerious,
  clipboard,
  openBrowser,
  screenshot,
  type TestBrowser,
} from "../helpers/browser";
import { OffsetClock, startTestServer, type Credential, type TestServer } from "../helpers/server";

const DAY = 86_400_000;
const DATE = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe("web console (Chromium)", function () {
  this.timeout(120_000);
  let t: TestServer;
  let b: TestBrowser;
  let page: Page;
  const clock = new OffsetClock();

  before(async () => {
    t = await startTestServer({
      clock,
      options: { console: { idleMs: 30 * 60_000, absoluteMs: 8 * 3_600_000 } },
    });
    b = await openBrowser(t.url);
    page = b.page;
  });
  after(async () => {
    await b?.close();
    await t?.close();
  });

  async function signIn(c: Credential) {
    await b.context.clearCookies();
    await page.goto(`${t.url}/console`);
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
  }

  const row = (id: number) => page.locator(`tr[data-key-id="${id}"]`);
  const auditOf = async (subtype: string) =>
    (
      await t.call("POST", "/public_api/v1/audits/management_logs", {
        request_data: {
          filters: [{ field: "sub_type", operator: "in", value: [subtype] }],
          search_to: 100,
        },
      })
    ).body.reply.data as Array<Record<string, unknown>>;

  describe("signing in", () => {
    it("signs in with a Standard key and sets an HttpOnly, SameSite=Strict session cookie", async () => {
      await signIn(t.admin);
      await row(t.admin.id).waitFor();
      const cookies = await b.context.cookies(t.url);
      const s = cookies.find((c) => c.name === "kp_session");
      assert.ok(s, "session cookie set");
      assert.equal(s.httpOnly, true);
      assert.equal(s.sameSite, "Strict");
      assert.ok(!cookies.some((c) => c.value.includes(t.admin.key)), "no cookie holds the key");
      await screenshot(page, "api-keys");
    });

    it("serves the page with a CSP without inline script, no-store and the security headers", async () => {
      const res = await page.goto(`${t.url}/console`);
      const h = res!.headers();
      assert.match(h["content-security-policy"]!, /script-src 'self'(;|$)/);
      assert.doesNotMatch(h["content-security-policy"]!, /unsafe-inline/);
      assert.match(h["content-security-policy"]!, /frame-ancestors 'none'/);
      assert.equal(h["cache-control"], "no-store");
      assert.equal(h["x-content-type-options"], "nosniff");
      assert.equal(h["referrer-policy"], "no-referrer");
    });

    it("signs in with an Advanced key by signing a server challenge: the key never crosses the wire", async () => {
      const adv = await t.createKey({
        level: "advanced",
        roles: ["Instance Administrator"],
        comment: "advanced admin",
      });
      b.sent.length = 0;
      await signIn(adv);
      assert.match(
        await page.locator("#who").innerText(),
        new RegExp(`Public API - ${adv.id} \\(Advanced`),
      );
      const signInCall = b.sent.find((s) => s.url.endsWith("/console/api/session") && s.body);
      assert.ok(signInCall, "the sign-in request was sent");
      assert.match(JSON.parse(signInCall.body).request_data.signature, /^[0-9a-f]{64}$/);
      for (const s of b.sent) {
        assert.ok(
          !s.body.includes(adv.key) && !Object.values(s.headers).some((v) => v.includes(adv.key)),
          `the key crossed the wire in ${s.url}`,
        );
      }
      const audit = await auditOf("console_sign_in");
      assert.ok(
        audit.some(
          (a) =>
            a.user_name === `Public API - ${adv.id}` ||
            JSON.stringify(a).includes(`Public API - ${adv.id}`),
        ),
        "sign-in audited as the key",
      );
    });

    it("refuses a wrong key with one message and creates no session", async () => {
      await b.context.clearCookies();
      await page.goto(`${t.url}/console`);
      await page.getByLabel("Key ID").fill(String(t.admin.id));
      await page
        .getByLabel("Key", { exact: true })
        .fill(t.admin.key.slice(0, -1) + (t.admin.key.endsWith("A") ? "B" : "A"));
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("Sign-in refused").waitFor();
      assert.equal(
        (await b.context.cookies(t.url)).some((c) => c.name === "kp_session"),
        false,
      );
    });

    it("signs out: the session ends on the server too", async () => {
      await signIn(t.admin);
      const cookie = (await b.context.cookies(t.url)).find((c) => c.name === "kp_session")!;
      const csrf = await page.evaluate(
        async () =>
          (
            (await (await fetch("/console/api/session")).json()) as {
              reply: { csrf_token: string };
            }
          ).reply.csrf_token,
      );
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByText("You are signed out.").waitFor();
      // The old cookie, replayed from outside the browser, no longer works.
      const r = await fetch(`${t.url}/public_api/v1/api_keys/get_api_keys`, {
        method: "POST",
        headers: {
          cookie: `kp_session=${cookie.value}`,
          "x-keyplane-csrf": csrf,
          "content-type": "application/json",
        },
        body: "{}",
      });
      assert.equal(r.status, 401);
    });
  });

  describe("refusals", () => {
    it("refuses an API call from a session without the CSRF token (403) and changes nothing", async () => {
      await signIn(t.admin);
      const before = (
        await t.call("POST", "/public_api/v1/api_keys/get_api_keys", { request_data: {} })
      ).body.reply.TOTAL_COUNT;
      const r = await page.evaluate(async () => {
        const res = await fetch("/public_api/v1/api_keys/generate", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ request_data: { roles: ["Viewer"], security_level: "standard" } }),
        });
        return { status: res.status, refused: res.headers.get("x-keyplane-refused") };
      });
      assert.deepEqual(r, { status: 403, refused: "csrf" });
      assert.equal(
        (await t.call("POST", "/public_api/v1/api_keys/get_api_keys", { request_data: {} })).body
          .reply.TOTAL_COUNT,
        before,
      );
    });

    it("refuses a console change from another origin", async () => {
      const r = await fetch(`${t.url}/console/api/session`, {
        method: "POST",
        headers: { origin: "http://evil.example", "content-type": "application/json" },
        body: JSON.stringify({
          request_data: { key_id: t.admin.id, security_level: "standard", key: t.admin.key },
        }),
      });
      assert.equal(r.status, 403);
      assert.equal(r.headers.get("set-cookie"), null);
    });

    it("ends an idle session: the next call is refused and the page asks to sign in again", async () => {
      await signIn(t.admin);
      clock.advance(31 * 60_000);
      try {
        await page.getByRole("link", { name: "Notification Center" }).click();
        await page.getByText("Your session has ended").waitFor();
        await page.reload();
        await page.getByRole("button", { name: "Sign in" }).waitFor();
      } finally {
        clock.advance(-31 * 60_000);
      }
    });

    it("ends a session at its absolute limit however busy it is", async () => {
      await signIn(t.admin);
      try {
        for (let i = 0; i < 17; i++) {
          clock.advance(29 * 60_000); // always inside the idle timeout
          const st = await page.evaluate(async () => (await fetch("/console/api/session")).status);
          if (i < 16) assert.equal(st, 200, `call ${i}`);
          else assert.equal(st, 401, "past 8 h");
        }
      } finally {
        clock.advance(-17 * 29 * 60_000);
      }
    });
  });

  describe("New Key", () => {
    for (const level of ["standard", "advanced"] as const) {
      it(`generates ${level === "advanced" ? "an" : "a"} ${level} key with role, comment, expiration and scope; shows it once; copies it; forgets it after Done`, async () => {
        await signIn(t.admin);
        await page.getByRole("button", { name: "New Key" }).click();
        const dlg = page.getByRole("dialog", { name: "New Key" });
        await dlg
          .getByLabel(level === "advanced" ? "Advanced" : "Standard", { exact: true })
          .check();
        await dlg.getByLabel("Investigator", { exact: true }).check();
        await dlg.locator(".role", { hasText: "Investigator" }).locator("summary").click();
        const comps = dlg.getByRole("table", { name: "Components of Investigator" });
        await comps
          .getByRole("row", { name: "Cases and Issues View / Edit", exact: true })
          .waitFor();
        await comps
          .getByRole("row", { name: "Endpoint Administration View", exact: true })
          .waitFor();
        await dlg.getByLabel("Comment (optional)").fill(`console ${level} key`);
        await dlg.getByLabel("Enable Expiration Date").check();
        const exp = new Date(Date.now() + 5 * DAY + 3_600_000);
        await dlg.getByLabel("Date (UTC)").fill(exp.toISOString().slice(0, 10));
        await dlg.getByLabel("Time (UTC)").fill("12:30");
        await dlg.getByRole("tab", { name: "Scope" }).click();
        await dlg.getByText("scopes are stored but not enforced").waitFor();
        await dlg.locator("details[data-area='endpoints.endpoint_groups'] summary").click();
        await dlg.locator("#scope-endpoints-endpoint_groups-mode").selectOption("scope");
        await dlg.locator("#scope-endpoints-endpoint_groups-list").fill("emea-servers, lab");
        if (level === "standard") await screenshot(page, "new-key-scope");
        await page.getByRole("button", { name: "Generate" }).click();

        const value = page.locator("#new-key-value");
        await value.waitFor();
        const key = await value.inputValue();
        assert.match(key, /^kp[0-9A-Za-z]{126}$/);
        await page
          .getByText("you will not be able to view the API Key again after you click Done")
          .waitFor();
        if (level === "standard") await screenshot(page, "key-shown-once", ["#new-key-value"]);
        await page.getByRole("button", { name: "Copy", exact: true }).click();
        assert.equal(await clipboard(page), key);
        const id = Number((await page.getByText(/API Key ID: \d+/).innerText()).match(/\d+/)![0]);

        await page.getByRole("button", { name: "Done" }).click();
        await row(id).waitFor();
        assert.equal(
          (await page.content()).includes(key),
          false,
          "the key is gone from the DOM after Done",
        );
        assert.equal(
          await page.evaluate(
            `document.body.innerText.includes(${JSON.stringify(key)}) || [...document.querySelectorAll("input")].some((i) => i.value === ${JSON.stringify(key)})`,
          ),
          false,
        );
        await page.goBack().catch(() => undefined);
        assert.equal(
          (await page.content()).includes(key),
          false,
          "not back through history either",
        );

        // As the API sees it: the key works, with what the dialog asked for, created by the signed-in key.
        const got = (await t.call("GET", `/platform/iam/v1/api-key/${id}`)).body.data;
        assert.deepEqual(got.roles, ["Investigator"]);
        assert.equal(got.comment, `console ${level} key`);
        assert.equal(got.expiration, Date.parse(`${exp.toISOString().slice(0, 10)}T12:30:00Z`));
        assert.equal(got.security_level, level);
        assert.equal(got.created_by, `Public API - ${t.admin.id}`);
        const scope = (await t.call("GET", `/platform/iam/v1/scope/api-key/${id}`)).body.data;
        assert.match(JSON.stringify(scope), /emea-servers/);
        const ok = await t.call("POST", "/public_api/v1/api_keys/validate", undefined, {
          as: { id, key, level },
        });
        assert.equal(ok.status, 200);
        assert.equal(
          t.logs.some((l) => l.includes(key)),
          false,
          "never in a log line",
        );
        assert.equal(
          JSON.stringify(await auditOf("create")).includes(key),
          false,
          "never in the audit log",
        );
        await page.goto(`${t.url}/console`);
        const days = Math.round((got.expiration - Date.now()) / DAY);
        await row(id)
          .locator("[data-field=expiration]")
          .filter({ hasText: new RegExp(`\\(in (${days}|${days - 1}) d\\)`) })
          .waitFor();
      });
    }

    it("moves focus into the dialog, switches tabs with the arrow keys, and gives focus back on Escape", async () => {
      await signIn(t.admin);
      await page.getByRole("button", { name: "New Key" }).focus();
      await page.keyboard.press("Enter");
      await page.getByRole("dialog", { name: "New Key" }).waitFor();
      assert.equal(
        await page.evaluate("!!document.activeElement.closest('dialog')"),
        true,
        "focus is in the dialog",
      );
      await page.getByRole("tab", { name: "Role" }).focus();
      await page.keyboard.press("ArrowRight");
      assert.equal(
        await page.getByRole("tab", { name: "Scope" }).getAttribute("aria-selected"),
        "true",
      );
      await page.getByRole("heading", { name: "Scope Definition" }).waitFor();
      await page.keyboard.press("Escape");
      await page.getByRole("dialog").waitFor({ state: "detached" });
      assert.equal(
        await page.evaluate("document.activeElement.id"),
        "new-key",
        "focus returns to New Key",
      );
    });

    it("names the field and the reason when the server refuses, and creates nothing", async () => {
      await signIn(t.admin);
      const before = (
        await t.call("POST", "/public_api/v1/api_keys/get_api_keys", { request_data: {} })
      ).body.reply.TOTAL_COUNT;
      await page.getByRole("button", { name: "New Key" }).click();
      const dlg = page.getByRole("dialog", { name: "New Key" });
      await dlg.getByLabel("Viewer", { exact: true }).check();
      await dlg.getByLabel("Enable Expiration Date").check();
      await dlg.getByLabel("Date (UTC)").fill("2001-01-01");
      await page.getByRole("button", { name: "Generate" }).click();
      await dlg
        .locator("#new-key-error")
        .filter({ hasText: /request_data\.expiration/ })
        .waitFor();
      assert.equal(
        (await t.call("POST", "/public_api/v1/api_keys/get_api_keys", { request_data: {} })).body
          .reply.TOTAL_COUNT,
        before,
      );
      await page.keyboard.press("Escape");
    });
  });

  describe("a read-only key", () => {
    it("sees the table but no New Key, and no Edit, Revoke or Delete in the menu", async () => {
      await t.call("POST", "/platform/iam/v1/role", {
        request_data: {
          pretty_name: "Key Reader",
          description: "reads keys",
          components: { public_api: "view" },
        },
      });
      const reader = await t.createKey({ roles: ["Key Reader"], comment: "reader" });
      await signIn(reader);
      await row(reader.id).waitFor();
      assert.equal(await page.getByRole("button", { name: "New Key" }).count(), 0);
      await row(reader.id)
        .getByRole("button", { name: `Actions for key ${reader.id}` })
        .click();
      const items = await page.getByRole("menuitem").allInnerTexts();
      assert.ok(items.includes("View Examples"));
      assert.ok(!items.some((i) => ["Edit", "Revoke", "Delete"].includes(i)), items.join(", "));
      await page.keyboard.press("Escape");
      // And the API agrees: the same session cannot generate.
      const st = await page.evaluate(async () => {
        const s = (
          (await (await fetch("/console/api/session")).json()) as { reply: { csrf_token: string } }
        ).reply;
        return (
          await fetch("/public_api/v1/api_keys/generate", {
            method: "POST",
            headers: { "content-type": "application/json", "x-keyplane-csrf": s.csrf_token },
            body: JSON.stringify({
              request_data: { roles: ["Key Reader"], security_level: "standard" },
            }),
          })
        ).status;
      });
      assert.equal(st, 403);
      const denied = await auditOf("check");
      assert.ok(
        denied.some((a) => JSON.stringify(a).includes(`Public API - ${reader.id}`)),
        "the refusal is audited as the signed-in key",
      );
      await page.getByRole("link", { name: "Server Settings" }).click();
      await page.getByText("This key may not read the server settings.").waitFor();
      await page.getByRole("link", { name: "Notification Center" }).click();
      await page.getByText("This key may not read notifications.").waitFor();
    });
  });

  describe("the table and its filters", () => {
    let alpha: Credential;
    let beta: Credential;
    let gamma: Credential;
    before(async () => {
      alpha = await t.createKey({
        level: "advanced",
        roles: ["Investigator"],
        comment: "filter-alpha",
        expiration: Date.now() + 3 * DAY,
      });
      beta = await t.createKey({
        roles: ["Viewer"],
        comment: "filter-beta",
        expiration: Date.now() + 20 * DAY,
      });
      gamma = await t.createKey({ roles: ["Viewer"], comment: "filter-gamma" });
    });
    const shown = async () =>
      (await page
        .locator("tbody tr")
        .evaluateAll((rs) => rs.map((r) => Number(r.getAttribute("data-key-id"))))) as number[];

    it("shows each column of a key as the vendor labels them", async () => {
      await signIn(t.admin);
      const heads = await page.locator("thead th").allInnerTexts();
      for (const l of [
        "ID",
        "Security Level",
        "Roles",
        "Comment",
        "Expiration",
        "Creation Time",
        "Created By",
        "Last Used",
        "Status",
        "Scope",
      ]) {
        assert.ok(
          heads.some((h) => h.replace(/[▲▼]/g, "").trim() === l),
          `column ${l}`,
        );
      }
      const cells = row(alpha.id).locator("[data-field]");
      assert.equal(await cells.nth(1).innerText(), "Advanced");
      assert.equal(await row(alpha.id).locator("[data-field=roles]").innerText(), "Investigator");
      assert.match(
        await row(alpha.id).locator("[data-field=expiration]").innerText(),
        /\(in 3 d\)/,
      );
      assert.equal(await row(gamma.id).locator("[data-field=expiration]").innerText(), "Never");
      assert.equal(
        await row(alpha.id).locator("[data-field=created_by]").innerText(),
        `Public API - ${t.admin.id}`,
      );
    });

    it("adds filters as removable chips that live in the URL", async () => {
      await signIn(t.admin);
      await page.getByRole("button", { name: "Filter API keys" }).click();
      await page.getByLabel("Field").selectOption("comment");
      await page.getByLabel("Value").fill("filter-");
      await page.getByRole("button", { name: "Add filter" }).click();
      await page.locator("#table-status").filter({ hasText: "of 3 keys" }).waitFor();
      assert.deepEqual((await shown()).sort(), [alpha.id, beta.id, gamma.id].sort());
      assert.match(page.url(), /f=comment%3Afilter-/);
      await page.getByRole("button", { name: "Filter API keys" }).click();
      await page.getByLabel("Field").selectOption("security_level");
      await page.getByLabel("Value").selectOption("advanced");
      await page.getByRole("button", { name: "Add filter" }).click();
      await page.locator("#table-status").filter({ hasText: "of 1 keys" }).waitFor();
      assert.deepEqual(await shown(), [alpha.id]);
      await screenshot(page, "filters");
      // The URL alone reproduces the view (bookmark, share).
      const url = page.url();
      await page.goto("about:blank");
      await page.goto(url);
      await page.locator("#table-status").filter({ hasText: "of 1 keys" }).waitFor();
      await page.getByRole("button", { name: "Remove filter Security Level: advanced" }).click();
      await page.locator("#table-status").filter({ hasText: "of 3 keys" }).waitFor();
      assert.doesNotMatch(page.url(), /security_level/);
    });

    const cases: Array<{
      name: string;
      f: () => string;
      expect: () => number[];
      not: () => number[];
    }> = [
      {
        name: "expiring within 7 days",
        f: () => "expiring_within:7d",
        expect: () => [alpha.id],
        not: () => [beta.id, gamma.id],
      },
      {
        name: "expiring within 30 days",
        f: () => "expiring_within:30d",
        expect: () => [alpha.id, beta.id],
        not: () => [gamma.id],
      },
      {
        name: "expiration 30 days prior to beta's",
        f: () => `expires_prior:${DATE(Date.now() + 20 * DAY)}`,
        expect: () => [alpha.id, beta.id],
        not: () => [gamma.id],
      },
      {
        name: "creation time 30 days prior to today",
        f: () => `created_prior:${DATE(Date.now())}`,
        expect: () => [alpha.id, beta.id, gamma.id],
        not: () => [],
      },
      {
        name: "creation time 30 days prior to 2001-01-01",
        f: () => "created_prior:2001-01-01",
        expect: () => [],
        not: () => [alpha.id, beta.id, gamma.id],
      },
      {
        name: "created after tomorrow",
        f: () => `created_after:${DATE(Date.now() + DAY)}`,
        expect: () => [],
        not: () => [alpha.id],
      },
      {
        name: "roles",
        f: () => "roles:Investigator",
        expect: () => [alpha.id],
        not: () => [beta.id, gamma.id],
      },
      {
        name: "id",
        f: () => `id:${beta.id},${gamma.id}`,
        expect: () => [beta.id, gamma.id],
        not: () => [alpha.id],
      },
      {
        name: "created by",
        f: () => `created_by:Public API - ${t.admin.id}`,
        expect: () => [alpha.id, beta.id, gamma.id],
        not: () => [t.admin.id],
      },
      {
        name: "unused for 1 day (never used included)",
        f: () => "unused_for:1d",
        expect: () => [alpha.id, beta.id, gamma.id],
        not: () => [t.admin.id],
      },
      {
        name: "status",
        f: () => "status:active",
        expect: () => [alpha.id, beta.id, gamma.id],
        not: () => [],
      },
    ];
    for (const c of cases) {
      it(`filters by ${c.name} from a bookmarked URL`, async () => {
        await page.goto(`${t.url}/console?f=${encodeURIComponent(c.f())}`);
        await page
          .locator("#table-status")
          .filter({ hasText: /of \d+ keys/ })
          .waitFor();
        const ids = await shown();
        for (const id of c.expect()) assert.ok(ids.includes(id), `${id} shown (${ids})`);
        for (const id of c.not()) assert.ok(!ids.includes(id), `${id} hidden (${ids})`);
        assert.equal(await page.locator(".chip").count(), 1);
      });
    }

    it("sorts and pages in the database, never loading the whole table", async () => {
      for (let i = 0; i < 26; i++) await t.createKey({ roles: ["Viewer"], comment: `bulk ${i}` });
      const total = (
        await t.call("POST", "/public_api/v1/api_keys/get_api_keys", { request_data: {} })
      ).body.reply.TOTAL_COUNT as number;
      b.sent.length = 0;
      await page.goto(`${t.url}/console`);
      await page.getByRole("button", { name: "ID", exact: true }).click();
      await page.locator("th[aria-sort=ascending]").waitFor();
      assert.match(page.url(), /sort=id%3Aasc/);
      assert.equal((await shown())[0], t.admin.id);
      assert.equal(await page.locator("tbody tr").count(), 25);
      await page.getByRole("button", { name: "Next page" }).click();
      await page
        .locator("#table-status")
        .filter({ hasText: `26–${Math.min(50, total)} of ${total} keys` })
        .waitFor();
      const lists = b.sent
        .filter((s) => s.url.endsWith("/get_api_keys"))
        .map((s) => JSON.parse(s.body).request_data);
      assert.ok(lists.length >= 2);
      for (const l of lists)
        assert.equal(l.search_to - l.search_from, 25, "one page asked of the server");
      assert.deepEqual(lists[lists.length - 1].sort, { field: "id", keyword: "asc" });
    });

    describe("the pivot menu", () => {
      const openOn = async (id: number, field: string) => {
        await page.goto(`${t.url}/console?f=${encodeURIComponent(`id:${id}`)}`);
        await row(id).locator(`[data-field=${field}]`).click({ button: "right" });
        await page.getByRole("menu").waitFor();
      };

      it("Copy text to clipboard copies the cell right-clicked", async () => {
        await openOn(alpha.id, "comment");
        await page.getByRole("menuitem", { name: "Copy text to clipboard" }).click();
        assert.equal(await clipboard(page), "filter-alpha");
      });

      it("opens from the keyboard (Shift+F10) and Copy entire row copies every setting", async () => {
        await page.goto(`${t.url}/console?f=${encodeURIComponent(`id:${alpha.id}`)}`);
        await row(alpha.id).focus();
        await page.keyboard.press("Shift+F10");
        await page.getByRole("menu").waitFor();
        assert.equal(
          await page.evaluate("document.activeElement.getAttribute('role')"),
          "menuitem",
          "focus moves into the menu",
        );
        await page.keyboard.press("ArrowDown");
        await page.keyboard.press("ArrowDown");
        await page.keyboard.press("Enter");
        await page.waitForFunction(
          "navigator.clipboard.readText().then((t) => t.startsWith('ID:'))",
        );
        const text = await clipboard(page);
        for (const line of [
          `ID: ${alpha.id}`,
          "Security Level: Advanced",
          "Roles: Investigator",
          "Comment: filter-alpha",
          "Status: Active",
          "Scope: None",
        ]) {
          assert.ok(text.includes(line), `${line} in ${text}`);
        }
        assert.equal(await page.getByRole("menu").count(), 0);
        assert.equal(
          await page.evaluate("document.activeElement.getAttribute('data-key-id')"),
          String(alpha.id),
          "focus returns to the row",
        );
      });

      it("View Examples copies the Python 3 example for the key's security level and shows it", async () => {
        await openOn(alpha.id, "id");
        await page.getByRole("menuitem", { name: "View Examples" }).click();
        await page.locator("#example-python").waitFor();
        const py = await clipboard(page);
        assert.match(py, /^#!\/usr\/bin\/env python3/);
        assert.match(py, /x-xdr-nonce/, "the Advanced example signs");
        assert.match(py, new RegExp(`API_KEY_ID = ${alpha.id}`));
        assert.equal(
          (await page.locator("#example-python").innerText()).trim(),
          py.trim(),
          "the example shown is the one copied",
        );
        await screenshot(page, "view-examples");
        await page.getByRole("button", { name: "Close" }).click();
        await openOn(beta.id, "id");
        await page.getByRole("menuitem", { name: "View Examples" }).click();
        await page.locator("#example-python").waitFor();
        assert.doesNotMatch(await clipboard(page), /x-xdr-nonce/, "the Standard example does not");
        await page.getByRole("button", { name: "Close" }).click();
      });

      it("Filter filters by the cell's value", async () => {
        await openOn(alpha.id, "security_level");
        await page.getByRole("menuitem", { name: "Filter by Security Level" }).click();
        await page.locator(".chip", { hasText: "Security Level: advanced" }).waitFor();
        assert.match(page.url(), /f=security_level%3Aadvanced/);
      });

      it("Edit changes roles, comment and expiration through the API, audited as the signed-in key", async () => {
        await openOn(beta.id, "comment");
        await page.getByRole("menuitem", { name: "Edit" }).click();
        const dlg = page.getByRole("dialog", { name: `Edit API key ${beta.id}` });
        await dlg.getByLabel("Investigator", { exact: true }).check();
        await dlg.getByLabel("Comment").fill("edited in the console");
        await dlg.getByLabel("Date (UTC)").fill(DATE(Date.now() + 10 * DAY));
        await dlg.getByLabel("Time (UTC)").fill("08:00");
        await dlg.getByRole("button", { name: "Save" }).click();
        await row(beta.id)
          .locator("[data-field=comment]")
          .filter({ hasText: "edited in the console" })
          .waitFor();
        const got = (await t.call("GET", `/platform/iam/v1/api-key/${beta.id}`)).body.data;
        assert.deepEqual([...got.roles].sort(), ["Investigator", "Viewer"]);
        assert.equal(got.expiration, Date.parse(`${DATE(Date.now() + 10 * DAY)}T08:00:00Z`));
        const edits = await auditOf("edit");
        assert.ok(
          edits.some(
            (a) =>
              String(a.object_id ?? JSON.stringify(a)).includes(String(beta.id)) &&
              JSON.stringify(a).includes(`Public API - ${t.admin.id}`),
          ),
        );
      });

      it("Revoke asks first, then the key stops working and shows as Revoked", async () => {
        await openOn(gamma.id, "id");
        await page.getByRole("menuitem", { name: "Revoke" }).click();
        const dlg = page.getByRole("dialog", { name: `Revoke API key ${gamma.id}?` });
        await dlg.getByRole("button", { name: "Cancel" }).click();
        assert.equal(
          (await t.call("POST", "/public_api/v1/api_keys/validate", undefined, { as: gamma }))
            .status,
          200,
          "Cancel changes nothing",
        );
        await openOn(gamma.id, "id");
        await page.getByRole("menuitem", { name: "Revoke" }).click();
        await page
          .getByRole("dialog", { name: `Revoke API key ${gamma.id}?` })
          .getByRole("button", { name: "Revoke" })
          .click();
        await row(gamma.id).locator("[data-field=status]").filter({ hasText: "Revoked" }).waitFor();
        assert.equal(
          (await t.call("POST", "/public_api/v1/api_keys/validate", undefined, { as: gamma }))
            .status,
          401,
        );
      });

      it("Delete asks first, then the key is gone", async () => {
        await openOn(gamma.id, "id");
        await page.getByRole("menuitem", { name: "Delete" }).click();
        await page
          .getByRole("dialog", { name: `Delete API key ${gamma.id}?` })
          .getByRole("button", { name: "Delete" })
          .click();
        await page.locator("#table-status").filter({ hasText: "of 0 keys" }).waitFor();
        assert.equal((await t.call("GET", `/platform/iam/v1/api-key/${gamma.id}`)).status, 404);
      });
    });

    it("Notification Center shows the API Key Expiration notices with a link to the key's row", async () => {
      await t.running.app.services.scheduler.tick();
      await signIn(t.admin);
      await page.getByRole("link", { name: "Notification Center" }).click();
      const item = page.locator("li[data-notification]", { hasText: `key ${alpha.id}` }).first();
      await item.waitFor();
      assert.match(await item.innerText(), /API Key Expiration/);
      assert.match(await item.innerText(), /Expiration, one (week|day) ahead/);
      assert.doesNotMatch(await item.innerText(), /Unused/);
      await screenshot(page, "notification-center");
      await item.getByRole("link", { name: `Show key ${alpha.id}` }).click();
      await row(alpha.id).waitFor();
      assert.deepEqual(await shown(), [alpha.id]);
    });

    it("Notification Center shows an API Key Unused notice as its own kind, with its message and a link to the key's row", async () => {
      const idle = await t.createKey({ roles: ["Viewer"], comment: "idle-in-console" });
      await t.call("PUT", "/platform/iam/v1/settings", {
        request_data: { unused_key_notice_days: 2 },
      });
      // Three days on, the key has not been used for longer than the setting: the tick posts the notice.
      clock.advance(3 * DAY);
      try {
        await t.running.app.services.scheduler.tick();
      } finally {
        clock.advance(-3 * DAY);
        await t.call("PUT", "/platform/iam/v1/settings", {
          request_data: { unused_key_notice_days: null },
        });
      }
      const listed = (
        await t.call("GET", `/platform/notifications/v1/notifications?key_id=${idle.id}`)
      ).body.data as Array<{ lead: string; message: string }>;
      const notice = listed.find((n) => n.lead === "unused");
      assert.ok(notice, `an unused notice for key ${idle.id}: ${JSON.stringify(listed)}`);
      await signIn(t.admin);
      await page.getByRole("link", { name: "Notification Center" }).click();
      const item = page.locator(
        `li[data-notification][data-lead="unused"][data-key-id="${idle.id}"]`,
      );
      await item.waitFor();
      const text = await item.innerText();
      assert.match(text, /API Key Unused/);
      assert.match(text, /Unused key: not used since \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
      assert.ok(text.includes(notice.message), `the notice's own message: ${text}`);
      assert.doesNotMatch(text, /Expiration|one (week|day) ahead|expires at/);
      await item.getByRole("link", { name: `Show key ${idle.id}` }).click();
      await row(idle.id).waitFor();
      assert.deepEqual(await shown(), [idle.id]);
    });
  });

  describe("Server Settings", () => {
    it("turns SBAC on and off; the New Key dialog's scope note follows", async () => {
      await signIn(t.admin);
      await page.getByRole("link", { name: "Server Settings" }).click();
      await page.getByLabel("Enable Scope Based Access Control").check();
      await page.getByRole("button", { name: "Save" }).click();
      await page.locator("#live").filter({ hasText: "Settings saved" }).waitFor();
      assert.equal((await t.call("GET", "/platform/iam/v1/settings")).body.data.sbac_enabled, true);
      await screenshot(page, "server-settings");
      await page.getByRole("link", { name: "API Keys" }).click();
      await page.getByRole("button", { name: "New Key" }).click();
      await page.getByRole("tab", { name: "Scope" }).click();
      await page.getByRole("heading", { name: "Scope Definition" }).waitFor();
      assert.equal(await page.locator("#sbac-off-note").count(), 0);
      await page.keyboard.press("Escape");
      await page.getByRole("link", { name: "Server Settings" }).click();
      await page.getByLabel("Enable Scope Based Access Control").uncheck();
      await page.getByRole("button", { name: "Save" }).click();
      await page.locator("#live").filter({ hasText: "Settings saved" }).waitFor();
      assert.equal(
        (await t.call("GET", "/platform/iam/v1/settings")).body.data.sbac_enabled,
        false,
      );
    });

    it("sets the key policy; New Key explains it and the server enforces it", async () => {
      await signIn(t.admin);
      await page.getByRole("link", { name: "Server Settings" }).click();
      await page.getByLabel("Longest key lifetime (days)").fill("30");
      await page.getByRole("button", { name: "Save" }).click();
      await page.locator("#live").filter({ hasText: "Settings saved" }).waitFor();
      try {
        await page.getByRole("link", { name: "API Keys" }).click();
        await page.getByRole("button", { name: "New Key" }).click();
        const dlg = page.getByRole("dialog", { name: "New Key" });
        await dlg.locator("#policy").filter({ hasText: "at most 30 days" }).waitFor();
        await dlg.getByLabel("Viewer", { exact: true }).check();
        await dlg.getByLabel("Enable Expiration Date").check();
        await dlg.getByLabel("Date (UTC)").fill(DATE(Date.now() + 40 * DAY));
        await dlg.getByRole("button", { name: "Generate" }).click();
        await dlg
          .locator("#new-key-error")
          .filter({ hasText: /request_data\.expiration/ })
          .waitFor();
        await page.keyboard.press("Escape");
      } finally {
        await t.call("PUT", "/platform/iam/v1/settings", {
          request_data: { max_key_lifetime_ms: null },
        });
      }
    });
  });

  describe("Server Settings: every setting", () => {
    const SETTINGS = "/platform/iam/v1/settings";
    const current = async () =>
      (await t.call("GET", SETTINGS)).body.data as Record<string, unknown>;
    let saved: Record<string, unknown>;
    // Save, and say the server's refusal if there is one rather than time out waiting for "Settings saved".
    const save = async () => {
      await page.getByRole("button", { name: "Save" }).click();
      await page
        .locator("#live:has-text('Settings saved'), #settings-error:not(:empty)")
        .first()
        .waitFor();
      assert.equal(await page.locator("#settings-error").innerText(), "", "no refusal");
      await page.locator("#live").filter({ hasText: "Settings saved" }).waitFor();
    };
    beforeEach(async () => {
      saved = await current();
    });
    afterEach(async () => {
      await t.call("PUT", SETTINGS, { request_data: saved });
    });

    it("has one labelled control for each setting the tenant has; what it saves the API reads back", async () => {
      await signIn(t.admin);
      await page.getByRole("link", { name: "Server Settings" }).click();
      await page.locator("#settings-form").waitFor();
      // Every setting the server reports, not a list kept in the test: a new setting without a control fails here.
      for (const key of Object.keys(saved)) {
        const control = page.locator(`#settings-form [name="${key}"]`);
        assert.equal(await control.count(), 1, `a control for ${key}`);
        const label = await control.evaluate(
          (el) =>
            (el as unknown as { labels?: ArrayLike<{ textContent: string | null }> }).labels?.[0]
              ?.textContent ?? "",
        );
        assert.ok(label.trim().length > 0, `a label on the control for ${key}`);
      }
      const want = {
        sbac_enabled: true,
        default_key_lifetime_ms: 10 * DAY,
        max_key_lifetime_ms: 20 * DAY,
        key_expiration_required: true,
        key_comment_required: true,
        key_advanced_roles: ["instance_administrator", "Investigator"],
        unused_key_notice_days: 45,
        replay_window_ms: 120_000,
        nonce_reuse_window_ms: 30_000,
        // A documentation address (IPv6: the server refuses every IPv4 literal as a webhook today); nothing is sent to it, no tick runs before afterEach restores the settings.
        notification_webhook: "https://[2001:db8::7]/keyplane-hook",
        tenant_fqdn: "keys.example.test:8443",
        audit_retention_days: 90,
      };
      assert.deepEqual(
        Object.keys(want).sort(),
        Object.keys(saved).sort(),
        "the test sets every setting",
      );
      await page.getByLabel("Enable Scope Based Access Control").check();
      await page.getByLabel("Default key lifetime (days)").fill("10");
      await page.getByLabel("Longest key lifetime (days)").fill("20");
      await page.getByLabel("Every key must have an expiration date").check();
      await page.getByLabel("Every key must have a comment").check();
      await page
        .getByLabel("Roles whose keys must be Advanced (role ids, comma-separated)")
        .fill("instance_administrator, Investigator");
      await page.getByLabel("API Key Unused notice after (days unused)").fill("45");
      await page.getByLabel("Replay window (milliseconds)").fill("120000");
      await page.getByLabel("Nonce reuse window (milliseconds)").fill("30000");
      await page.getByLabel("Notification webhook URL").fill(want.notification_webhook);
      await page.getByLabel("Tenant host name (View Examples)").fill(want.tenant_fqdn);
      await page.getByLabel("Audit retention (days)").fill("90");
      await save();
      assert.deepEqual(await current(), want);
      // The page shows what the server holds after a reload, and clearing fields sets them to none.
      await page.reload();
      await page.locator("#settings-form").waitFor();
      assert.equal(await page.getByLabel("Longest key lifetime (days)").inputValue(), "20");
      assert.equal(await page.getByLabel("Every key must have a comment").isChecked(), true);
      assert.equal(
        await page
          .getByLabel("Roles whose keys must be Advanced (role ids, comma-separated)")
          .inputValue(),
        "instance_administrator, Investigator",
      );
      await page.getByLabel("API Key Unused notice after (days unused)").fill("");
      await page.getByLabel("Notification webhook URL").fill("");
      await page
        .getByLabel("Roles whose keys must be Advanced (role ids, comma-separated)")
        .fill("");
      await page.getByLabel("Every key must have a comment").uncheck();
      await save();
      assert.deepEqual(await current(), {
        ...want,
        unused_key_notice_days: null,
        notification_webhook: null,
        key_advanced_roles: [],
        key_comment_required: false,
      });
    });

    for (const c of [
      {
        label: "API Key Unused notice after (days unused)",
        value: "5000",
        field: /request_data\.unused_key_notice_days: must be at most 3650/,
      },
      {
        label: "Replay window (milliseconds)",
        value: "5000",
        field: /request_data\.replay_window_ms: must be at least 10000/,
      },
      {
        label: "Notification webhook URL",
        value: "http://127.0.0.1:9/hook",
        field: /request_data\.notification_webhook: .*loopback/,
      },
    ]) {
      it(`shows the server's refusal naming the field (${c.label}) and changes nothing`, async () => {
        await signIn(t.admin);
        await page.getByRole("link", { name: "Server Settings" }).click();
        await page.getByLabel(c.label).fill(c.value);
        await page.getByRole("button", { name: "Save" }).click();
        await page.locator("#settings-error").filter({ hasText: c.field }).waitFor();
        assert.deepEqual(await current(), saved);
      });
    }
  });

  describe("accessibility (axe-core, in the same browser)", () => {
    let ab: TestBrowser;
    let ap: Page;
    before(async () => {
      // axe is injected as a script, which the console's CSP (rightly) refuses: this browser bypasses it.
      ab = await openBrowser(t.url, { bypassCSP: true });
      ap = ab.page;
    });
    after(async () => ab?.close());
    const clean = async (what: string) => {
      const v = await axeSerious(ap);
      assert.deepEqual(
        v.map(
          (x) =>
            `${x.id} (${x.impact}): ${x.help} at ${x.nodes.map((n) => n.target.join(" ")).join("; ")}`,
        ),
        [],
        `${what}: serious or critical violations`,
      );
    };

    it("has no serious or critical violations on any page, dialog or menu", async () => {
      await ap.goto(`${t.url}/console`);
      await ap.getByRole("button", { name: "Sign in" }).waitFor();
      await clean("sign-in page");
      await ap.getByLabel("Key ID").fill(String(t.admin.id));
      await ap.getByLabel("Key", { exact: true }).fill(t.admin.key);
      await ap.getByRole("button", { name: "Sign in" }).click();
      await ap
        .locator("#table-status")
        .filter({ hasText: /of \d+ keys/ })
        .waitFor();
      await clean("API Keys page");
      await ap.getByRole("button", { name: "Filter API keys" }).click();
      await clean("filter form");
      await ap.locator("tbody tr [data-field=comment]").first().click({ button: "right" });
      await ap.getByRole("menu").waitFor();
      await clean("pivot menu");
      await ap.keyboard.press("Escape");
      await ap.getByRole("button", { name: "New Key" }).click();
      await ap
        .locator(".role details")
        .first()
        .evaluate((d) => d.setAttribute("open", ""));
      await clean("New Key: Role tab");
      await ap.getByRole("tab", { name: "Scope" }).click();
      await ap
        .locator("details.area")
        .first()
        .evaluate((d) => d.setAttribute("open", ""));
      await clean("New Key: Scope tab");
      await ap.getByRole("tab", { name: "Role" }).click();
      await ap.getByLabel("Viewer", { exact: true }).check();
      await ap.getByRole("button", { name: "Generate" }).click();
      await ap.locator("#new-key-value").waitFor();
      await clean("the key shown once");
      await ap.getByRole("button", { name: "Done" }).click();
      await ap.locator("tbody tr [data-field=comment]").first().click({ button: "right" });
      await ap.getByRole("menuitem", { name: "Edit" }).click();
      await ap.getByRole("dialog").waitFor();
      await clean("Edit dialog");
      await ap.keyboard.press("Escape");
      await ap.getByRole("link", { name: "Notification Center" }).click();
      await ap.locator("#notifications").waitFor();
      await clean("Notification Center");
      await ap.getByRole("link", { name: "Server Settings" }).click();
      await ap.locator("#settings-form").waitFor();
      await clean("Server Settings");
    });
  });
});
