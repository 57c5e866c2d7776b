/**
 * The web console in a real browser (Debian's Chromium through playwright-core) against a real
 * server. Signing in at both security levels, the session cookie and the page's security headers,
 * sign-out, and the refusals: no CSRF token, another origin, idle and absolute session expiry.
 */
import { strict as assert } from "node:assert";
import { screenshot } from "../helpers/browser";
import { useConsole } from "./support";

describe("web console (Chromium)", function () {
  this.timeout(120_000);
  const cx = useConsole();

  describe("signing in", () => {
    it("signs in with a Standard key and sets an HttpOnly, SameSite=Strict session cookie", async () => {
      await cx.signIn(cx.t.admin);
      await cx.row(cx.t.admin.id).waitFor();
      const cookies = await cx.b.context.cookies(cx.t.url);
      const s = cookies.find((c) => c.name === "kp_session");
      assert.ok(s, "session cookie set");
      assert.equal(s.httpOnly, true);
      assert.equal(s.sameSite, "Strict");
      assert.ok(!cookies.some((c) => c.value.includes(cx.t.admin.key)), "no cookie holds the key");
      await screenshot(cx.page, "api-keys");
    });

    it("serves the page with a CSP without inline script, no-store and the security headers", async () => {
      const res = await cx.page.goto(`${cx.t.url}/console`);
      const h = res!.headers();
      assert.match(h["content-security-policy"]!, /script-src 'self'(;|$)/);
      assert.doesNotMatch(h["content-security-policy"]!, /unsafe-inline/);
      assert.match(h["content-security-policy"]!, /frame-ancestors 'none'/);
      assert.equal(h["cache-control"], "no-store");
      assert.equal(h["x-content-type-options"], "nosniff");
      assert.equal(h["referrer-policy"], "no-referrer");
    });

    it("signs in with an Advanced key by signing a server challenge: the key never crosses the wire", async () => {
      const adv = await cx.t.createKey({
        level: "advanced",
        roles: ["Instance Administrator"],
        comment: "advanced admin",
      });
      cx.b.sent.length = 0;
      await cx.signIn(adv);
      assert.match(
        await cx.page.locator("#who").innerText(),
        new RegExp(`Public API - ${adv.id} \\(Advanced`),
      );
      const signInCall = cx.b.sent.find((s) => s.url.endsWith("/console/api/session") && s.body);
      assert.ok(signInCall, "the sign-in request was sent");
      assert.match(JSON.parse(signInCall.body).request_data.signature, /^[0-9a-f]{64}$/);
      for (const s of cx.b.sent) {
        assert.ok(
          !s.body.includes(adv.key) && !Object.values(s.headers).some((v) => v.includes(adv.key)),
          `the key crossed the wire in ${s.url}`,
        );
      }
      const audit = await cx.auditOf("console_sign_in");
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
      await cx.b.context.clearCookies();
      await cx.page.goto(`${cx.t.url}/console`);
      await cx.page.getByLabel("Key ID").fill(String(cx.t.admin.id));
      await cx.page
        .getByLabel("Key", { exact: true })
        .fill(cx.t.admin.key.slice(0, -1) + (cx.t.admin.key.endsWith("A") ? "B" : "A"));
      await cx.page.getByRole("button", { name: "Sign in" }).click();
      await cx.page.getByText("Sign-in refused").waitFor();
      assert.equal(
        (await cx.b.context.cookies(cx.t.url)).some((c) => c.name === "kp_session"),
        false,
      );
    });

    it("signs out: the session ends on the server too", async () => {
      await cx.signIn(cx.t.admin);
      const cookie = (await cx.b.context.cookies(cx.t.url)).find((c) => c.name === "kp_session")!;
      const csrf = await cx.page.evaluate(
        async () =>
          (
            (await (await fetch("/console/api/session")).json()) as {
              reply: { csrf_token: string };
            }
          ).reply.csrf_token,
      );
      await cx.page.getByRole("button", { name: "Sign out" }).click();
      await cx.page.getByText("You are signed out.").waitFor();
      // The old cookie, replayed from outside the browser, no longer works.
      const r = await fetch(`${cx.t.url}/public_api/v1/api_keys/get_api_keys`, {
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
      await cx.signIn(cx.t.admin);
      const before = (
        await cx.t.call("POST", "/public_api/v1/api_keys/get_api_keys", { request_data: {} })
      ).body.reply.TOTAL_COUNT;
      const r = await cx.page.evaluate(async () => {
        const res = await fetch("/public_api/v1/api_keys/generate", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ request_data: { roles: ["Viewer"], security_level: "standard" } }),
        });
        return { status: res.status, refused: res.headers.get("x-keyplane-refused") };
      });
      assert.deepEqual(r, { status: 403, refused: "csrf" });
      assert.equal(
        (await cx.t.call("POST", "/public_api/v1/api_keys/get_api_keys", { request_data: {} })).body
          .reply.TOTAL_COUNT,
        before,
      );
    });

    it("refuses a console change from another origin", async () => {
      const r = await fetch(`${cx.t.url}/console/api/session`, {
        method: "POST",
        headers: { origin: "http://evil.example", "content-type": "application/json" },
        body: JSON.stringify({
          request_data: { key_id: cx.t.admin.id, security_level: "standard", key: cx.t.admin.key },
        }),
      });
      assert.equal(r.status, 403);
      assert.equal(r.headers.get("set-cookie"), null);
    });

    it("ends an idle session: the next call is refused and the page asks to sign in again", async () => {
      await cx.signIn(cx.t.admin);
      cx.clock.advance(31 * 60_000);
      try {
        await cx.page.getByRole("link", { name: "Notification Center" }).click();
        await cx.page.getByText("Your session has ended").waitFor();
        await cx.page.reload();
        await cx.page.getByRole("button", { name: "Sign in" }).waitFor();
      } finally {
        cx.clock.advance(-31 * 60_000);
      }
    });

    it("ends a session at its absolute limit however busy it is", async () => {
      await cx.signIn(cx.t.admin);
      try {
        for (let i = 0; i < 17; i++) {
          cx.clock.advance(29 * 60_000); // always inside the idle timeout
          const st = await cx.page.evaluate(
            async () => (await fetch("/console/api/session")).status,
          );
          if (i < 16) assert.equal(st, 200, `call ${i}`);
          else assert.equal(st, 401, "past 8 h");
        }
      } finally {
        cx.clock.advance(-17 * 29 * 60_000);
      }
    });
  });
});
