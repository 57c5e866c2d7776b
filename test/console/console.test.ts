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
import { axeSerious, clipboard, openBrowser, screenshot, type TestBrowser } from "../helpers/browser";
import { OffsetClock, startTestServer, type Credential, type TestServer } from "../helpers/server";

const DAY = 86_400_000;

describe("web console (Chromium)", function () {
  this.timeout(120_000);
  let t: TestServer;
  let b: TestBrowser;
  let page: Page;
  const clock = new OffsetClock();

  before(async () => {
    t = await startTestServer({ clock, options: { console: { idleMs: 30 * 60_000, absoluteMs: 8 * 3_600_000 } } });
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
    await page.getByLabel(c.level === "advanced" ? "Advanced" : "Standard", { exact: true }).check();
    await page.getByLabel("Key ID").fill(String(c.id));
    await page.getByLabel("Key", { exact: true }).fill(c.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "API Keys" }).waitFor();
    await page.locator("#table-status").filter({ hasText: /of \d+ keys/ }).waitFor();
  }

  const row = (id: number) => page.locator(`tr[data-key-id="${id}"]`);
  const auditOf = async (subtype: string) =>
    (await t.call("POST", "/public_api/v1/audits/management_logs", { request_data: { filters: [{ field: "sub_type", operator: "in", value: [subtype] }], search_to: 100 } })).body.reply.data as Array<Record<string, unknown>>;

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
      const adv = await t.createKey({ level: "advanced", roles: ["Instance Administrator"], comment: "advanced admin" });
      b.sent.length = 0;
      await signIn(adv);
      assert.match(await page.locator("#who").innerText(), new RegExp(`Public API - ${adv.id} \\(Advanced`));
      const signInCall = b.sent.find((s) => s.url.endsWith("/console/api/session") && s.body);
      assert.ok(signInCall, "the sign-in request was sent");
      assert.match(JSON.parse(signInCall.body).request_data.signature, /^[0-9a-f]{64}$/);
      for (const s of b.sent) {
        assert.ok(!s.body.includes(adv.key) && !Object.values(s.headers).some((v) => v.includes(adv.key)), `the key crossed the wire in ${s.url}`);
      }
      const audit = await auditOf("console_sign_in");
      assert.ok(audit.some((a) => a.user_name === `Public API - ${adv.id}` || JSON.stringify(a).includes(`Public API - ${adv.id}`)), "sign-in audited as the key");
    });

    it("refuses a wrong key with one message and creates no session", async () => {
      await b.context.clearCookies();
      await page.goto(`${t.url}/console`);
      await page.getByLabel("Key ID").fill(String(t.admin.id));
      await page.getByLabel("Key", { exact: true }).fill(t.admin.key.slice(0, -1) + (t.admin.key.endsWith("A") ? "B" : "A"));
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("Sign-in refused").waitFor();
      assert.equal((await b.context.cookies(t.url)).some((c) => c.name === "kp_session"), false);
    });

    it("signs out: the session ends on the server too", async () => {
      await signIn(t.admin);
      const cookie = (await b.context.cookies(t.url)).find((c) => c.name === "kp_session")!;
      const csrf = await page.evaluate(async () => ((await (await fetch("/console/api/session")).json()) as { reply: { csrf_token: string } }).reply.csrf_token);
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByText("You are signed out.").waitFor();
      // The old cookie, replayed from outside the browser, no longer works.
      const r = await fetch(`${t.url}/public_api/v1/api_keys/get_api_keys`, { method: "POST", headers: { cookie: `kp_session=${cookie.value}`, "x-keyplane-csrf": csrf, "content-type": "application/json" }, body: "{}" });
      assert.equal(r.status, 401);
    });
  });

  describe("refusals", () => {
    it("refuses an API call from a session without the CSRF token (403) and changes nothing", async () => {
      await signIn(t.admin);
      const before = (await t.call("POST", "/public_api/v1/api_keys/get_api_keys", { request_data: {} })).body.reply.TOTAL_COUNT;
      const r = await page.evaluate(async () => {
        const res = await fetch("/public_api/v1/api_keys/generate", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ request_data: { roles: ["Viewer"], security_level: "standard" } }) });
        return { status: res.status, refused: res.headers.get("x-keyplane-refused") };
      });
      assert.deepEqual(r, { status: 403, refused: "csrf" });
      assert.equal((await t.call("POST", "/public_api/v1/api_keys/get_api_keys", { request_data: {} })).body.reply.TOTAL_COUNT, before);
    });

    it("refuses a console change from another origin", async () => {
      const r = await fetch(`${t.url}/console/api/session`, { method: "POST", headers: { origin: "http://evil.example", "content-type": "application/json" }, body: JSON.stringify({ request_data: { key_id: t.admin.id, security_level: "standard", key: t.admin.key } }) });
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
        await dlg.getByLabel(level === "advanced" ? "Advanced" : "Standard", { exact: true }).check();
        await dlg.getByLabel("Investigator", { exact: true }).check();
        await dlg.locator(".role", { hasText: "Investigator" }).locator("summary").click();
        await dlg.getByRole("table", { name: "Components of Investigator" }).getByText("cases_issues").waitFor();
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
        await page.getByText("you will not be able to view the API Key again after you click Done").waitFor();
        if (level === "standard") await screenshot(page, "key-shown-once");
        await page.getByRole("button", { name: "Copy", exact: true }).click();
        assert.equal(await clipboard(page), key);
        const id = Number((await page.getByText(/API Key ID: \d+/).innerText()).match(/\d+/)![0]);

        await page.getByRole("button", { name: "Done" }).click();
        await row(id).waitFor();
        assert.equal((await page.content()).includes(key), false, "the key is gone from the DOM after Done");
        assert.equal(await page.evaluate(`document.body.innerText.includes(${JSON.stringify(key)}) || [...document.querySelectorAll("input")].some((i) => i.value === ${JSON.stringify(key)})`), false);
        await page.goBack().catch(() => undefined);
        assert.equal((await page.content()).includes(key), false, "not back through history either");

        // As the API sees it: the key works, with what the dialog asked for, created by the signed-in key.
        const got = (await t.call("GET", `/platform/iam/v1/api-key/${id}`)).body.data;
        assert.deepEqual(got.roles, ["Investigator"]);
        assert.equal(got.comment, `console ${level} key`);
        assert.equal(got.expiration, Date.parse(`${exp.toISOString().slice(0, 10)}T12:30:00Z`));
        assert.equal(got.security_level, level);
        assert.equal(got.created_by, `Public API - ${t.admin.id}`);
        const scope = (await t.call("GET", `/platform/iam/v1/scope/api-key/${id}`)).body.data;
        assert.match(JSON.stringify(scope), /emea-servers/);
        const ok = await t.call("POST", "/public_api/v1/api_keys/validate", undefined, { as: { id, key, level } });
        assert.equal(ok.status, 200);
        assert.equal(t.logs.some((l) => l.includes(key)), false, "never in a log line");
        assert.equal(JSON.stringify(await auditOf("create")).includes(key), false, "never in the audit log");
        await page.goto(`${t.url}/console`);
        await row(id).locator("[data-field=expiration]").filter({ hasText: /in [45] d/ }).waitFor();
      });
    }

    it("names the field and the reason when the server refuses, and creates nothing", async () => {
      await signIn(t.admin);
      const before = (await t.call("POST", "/public_api/v1/api_keys/get_api_keys", { request_data: {} })).body.reply.TOTAL_COUNT;
      await page.getByRole("button", { name: "New Key" }).click();
      const dlg = page.getByRole("dialog", { name: "New Key" });
      await dlg.getByLabel("Viewer", { exact: true }).check();
      await dlg.getByLabel("Enable Expiration Date").check();
      await dlg.getByLabel("Date (UTC)").fill("2001-01-01");
      await page.getByRole("button", { name: "Generate" }).click();
      await dlg.locator("#new-key-error").filter({ hasText: /request_data\.expiration/ }).waitFor();
      assert.equal((await t.call("POST", "/public_api/v1/api_keys/get_api_keys", { request_data: {} })).body.reply.TOTAL_COUNT, before);
      await page.keyboard.press("Escape");
    });
  });

  describe("a read-only key", () => {
    it("sees the table but no New Key, and no Edit, Revoke or Delete in the menu", async () => {
      await t.call("POST", "/platform/iam/v1/role", { request_data: { pretty_name: "Key Reader", description: "reads keys", components: { public_api: "view" } } });
      const reader = await t.createKey({ roles: ["Key Reader"], comment: "reader" });
      await signIn(reader);
      await row(reader.id).waitFor();
      assert.equal(await page.getByRole("button", { name: "New Key" }).count(), 0);
      await row(reader.id).getByRole("button", { name: `Actions for key ${reader.id}` }).click();
      const items = await page.getByRole("menuitem").allInnerTexts();
      assert.ok(items.includes("View Examples"));
      assert.ok(!items.some((i) => ["Edit", "Revoke", "Delete"].includes(i)), items.join(", "));
      await page.keyboard.press("Escape");
      // And the API agrees: the same session cannot generate.
      const st = await page.evaluate(async () => {
        const s = ((await (await fetch("/console/api/session")).json()) as { reply: { csrf_token: string } }).reply;
        return (await fetch("/public_api/v1/api_keys/generate", { method: "POST", headers: { "content-type": "application/json", "x-keyplane-csrf": s.csrf_token }, body: JSON.stringify({ request_data: { roles: ["Key Reader"], security_level: "standard" } }) })).status;
      });
      assert.equal(st, 403);
      const denied = await auditOf("check");
      assert.ok(denied.some((a) => JSON.stringify(a).includes(`Public API - ${reader.id}`)), "the refusal is audited as the signed-in key");
    });
  });
});
