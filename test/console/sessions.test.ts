/**
 * Console sessions over plain HTTP (no browser), on SQLite and PostgreSQL: sign-in at both
 * security levels through the same authenticator as the API, a challenge taken once, cookies
 * without the key and Secure behind TLS, the CSRF token on every call, sign-out, and a session
 * honoured by a second replica on the same PostgreSQL database.
 */
import * as assert from "node:assert/strict";
import { advancedSignature } from "../../sdk/contract";
import { DB_KINDS, startTestServer, type Credential, type TestServer } from "../helpers/server";

interface Jar {
  cookie: string;
  csrf: string;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json().catch(() => null)) as any,
  }; // eslint-disable-line @typescript-eslint/no-explicit-any -- a reply of any console call, parsed JSON
}

async function signInStandard(t: TestServer, c: Credential, headers: Record<string, string> = {}) {
  return post(
    `${t.url}/console/api/session`,
    { request_data: { key_id: c.id, security_level: "standard", key: c.key } },
    headers,
  );
}

async function challenge(t: TestServer) {
  return (await post(`${t.url}/console/api/challenge`, {})).body.reply as {
    nonce: string;
    timestamp: number;
  };
}

async function signInAdvanced(
  t: TestServer,
  c: Credential,
  ch: { nonce: string; timestamp: number },
) {
  const ts = String(ch.timestamp);
  return post(`${t.url}/console/api/session`, {
    request_data: {
      key_id: c.id,
      security_level: "advanced",
      nonce: ch.nonce,
      timestamp: ts,
      signature: advancedSignature(c.key, ch.nonce, ts),
    },
  });
}

const jarOf = (r: { headers: Headers; body: any }): Jar => ({
  cookie: r.headers.get("set-cookie")!.split(";")[0]!,
  csrf: r.body.reply.csrf_token,
}); // eslint-disable-line @typescript-eslint/no-explicit-any -- a reply of any console call, parsed JSON

const listAs = (t: TestServer, j: Partial<Jar>) =>
  post(
    `${t.url}/public_api/v1/api_keys/get_api_keys`,
    { request_data: {} },
    { ...(j.cookie ? { cookie: j.cookie } : {}), ...(j.csrf ? { "x-keyplane-csrf": j.csrf } : {}) },
  );

for (const db of DB_KINDS) {
  describe(`console sessions (${db})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer({ db });
    });
    after(async () => t?.close());

    it("signs in a Standard key; the cookie holds a random id, never the key", async () => {
      const r = await signInStandard(t, t.admin);
      assert.equal(r.status, 200);
      const set = r.headers.get("set-cookie")!;
      assert.match(
        set,
        /^kp_session=[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Strict$/,
      );
      assert.ok(!set.includes(t.admin.key));
      assert.equal(r.body.reply.key_id, t.admin.id);
      assert.equal((await listAs(t, jarOf(r))).status, 200);
      const rows = await t.running.app.services.store.driver.all<{ id_hash: string }>(
        "SELECT id_hash FROM console_sessions",
      );
      const id = jarOf(r).cookie.split("=")[1]!;
      assert.ok(
        rows.length > 0 && rows.every((x) => x.id_hash !== id),
        "the table holds only hashes of session ids",
      );
    });

    it("gives a new session id at every sign-in and ends the one the browser held", async () => {
      const first = jarOf(await signInStandard(t, t.admin));
      const second = jarOf(await signInStandard(t, t.admin, { cookie: first.cookie }));
      assert.notEqual(second.cookie, first.cookie);
      assert.equal((await listAs(t, first)).status, 401);
      assert.equal((await listAs(t, second)).status, 200);
    });

    it("tells the page the contract's scope areas, modes, sort and filter fields", async () => {
      const c = ((await (await fetch(`${t.url}/console/api/contract`)).json()) as any).reply; // eslint-disable-line @typescript-eslint/no-explicit-any -- a reply of any console call, parsed JSON
      const area = (k: string) => c.scope_areas.find((a: { key: string }) => a.key === k);
      assert.deepEqual(area("endpoints.endpoint_groups"), {
        key: "endpoints.endpoint_groups",
        mode_field: "mode",
        modes: ["no_scope", "see_all", "scope", "any"],
        list_field: "names",
        list_of_numbers: false,
      });
      assert.deepEqual(area("assets").list_of_numbers, true);
      assert.deepEqual(area("datasets_rows").modes, ["no_scope", "see_all"]);
      assert.ok(
        c.key_filter_fields.includes("last_used") && c.key_sort_fields.includes("creation_time"),
      );
    });

    it("marks the cookie Secure behind TLS", async () => {
      const tls = await startTestServer({
        db,
        dbUrl: t.dbUrl,
        keyring: t.keyring,
        options: { trustProxy: true },
      });
      try {
        const r = await signInStandard(tls, t.admin, { "x-forwarded-proto": "https" });
        assert.equal(r.status, 200);
        assert.match(r.headers.get("set-cookie")!, /; Secure/);
      } finally {
        await tls.close();
      }
    });

    it("signs in an Advanced key with a signed challenge, and refuses the same challenge twice", async () => {
      const adv = await t.createKey({ level: "advanced", roles: ["Viewer"] });
      const ch = await challenge(t);
      assert.match(ch.nonce, /^[0-9a-f]{64}$/);
      assert.equal((await signInAdvanced(t, adv, ch)).status, 200);
      assert.equal((await signInAdvanced(t, adv, ch)).status, 401, "a challenge is taken once");
      const made = { nonce: "a".repeat(64), timestamp: Date.now() };
      assert.equal(
        (await signInAdvanced(t, adv, made)).status,
        401,
        "a nonce the server did not issue",
      );
    });

    it("refuses a challenge older than the replay window, and keeps no more than a window's worth", async () => {
      const f = await startTestServer({ db, fakeClock: true });
      try {
        const adv = await f.createKey({ level: "advanced", roles: ["Viewer"] });
        const old = await challenge(f);
        f.fake!.advance(6 * 60_000); // the default window is 5 min
        const fresh = await challenge(f);
        const left = await f.running.app.services.store.driver.all<{ nonce: string }>(
          "SELECT nonce FROM console_challenges",
        );
        assert.deepEqual(
          left.map((r) => r.nonce),
          [fresh.nonce],
          "the stale one went when the new one came",
        );
        assert.equal((await signInAdvanced(f, adv, old)).status, 401);
        assert.equal((await signInAdvanced(f, adv, fresh)).status, 200);
      } finally {
        await f.close();
      }
    });

    const refusals: Array<{ name: string; body: () => unknown; status: number; field?: RegExp }> = [
      {
        name: "a wrong key",
        body: () => ({
          key_id: t.admin.id,
          security_level: "standard",
          key: "kp" + "0".repeat(126),
        }),
        status: 401,
      },
      {
        name: "the wrong security level",
        body: () => ({
          key_id: t.admin.id,
          security_level: "advanced",
          nonce: "b".repeat(64),
          timestamp: Date.now(),
          signature: "c".repeat(64),
        }),
        status: 401,
      },
      {
        name: "a key id that is not a number",
        body: () => ({ key_id: "abc", security_level: "standard", key: "x" }),
        status: 400,
        field: /request_data\.key_id: must be a positive integer key id/,
      },
      {
        name: "no security level",
        body: () => ({ key_id: 1, key: "x" }),
        status: 400,
        field: /request_data/,
      },
    ];
    for (const c of refusals) {
      it(`refuses sign-in with ${c.name} (${c.status}) and sets no cookie`, async () => {
        const r = await post(`${t.url}/console/api/session`, { request_data: c.body() });
        assert.equal(r.status, c.status);
        assert.equal(r.headers.get("set-cookie"), null);
        if (c.field) assert.match(r.body.reply.err_msg, c.field);
      });
    }

    it("audits a refused sign-in without anything the caller sent as a key", async () => {
      const wrong = "kp" + "9".repeat(126);
      await post(`${t.url}/console/api/session`, {
        request_data: { key_id: t.admin.id, security_level: "standard", key: wrong },
      });
      const audit = await t.call("POST", "/public_api/v1/audits/management_logs", {
        request_data: { filters: [{ field: "sub_type", operator: "in", value: ["authenticate"] }] },
      });
      assert.ok(audit.body.reply.data.length > 0);
      assert.ok(!JSON.stringify(audit.body).includes(wrong));
    });

    it("wants the CSRF token on every call, reads included, and the right one", async () => {
      const j = jarOf(await signInStandard(t, t.admin));
      const none = await listAs(t, { cookie: j.cookie });
      assert.equal(none.status, 403);
      assert.equal(none.headers.get("x-keyplane-refused"), "csrf");
      assert.equal(
        (
          await listAs(t, {
            cookie: j.cookie,
            csrf: j.csrf.slice(0, -1) + (j.csrf.endsWith("A") ? "B" : "A"),
          })
        ).status,
        403,
      );
      const other = jarOf(await signInStandard(t, t.admin));
      assert.equal(
        (await listAs(t, { cookie: j.cookie, csrf: other.csrf })).status,
        403,
        "another session's token",
      );
    });

    it("lets key headers win over a cookie (an API client is never a console session)", async () => {
      const viewer = await t.createKey({ roles: ["Viewer"] });
      const j = jarOf(await signInStandard(t, t.admin));
      const r = await t.call(
        "POST",
        "/public_api/v1/api_keys/get_api_keys",
        { request_data: {} },
        { as: viewer, headers: { cookie: j.cookie, "x-keyplane-csrf": j.csrf } },
      );
      assert.equal(r.status, 403, "the Viewer key's own permissions, not the admin session's");
    });

    it("ends the session at sign-out, and a revoked key's session at once", async () => {
      const j = jarOf(await signInStandard(t, t.admin));
      const del = await fetch(`${t.url}/console/api/session`, {
        method: "DELETE",
        headers: { cookie: j.cookie, "x-keyplane-csrf": j.csrf },
      });
      assert.equal(del.status, 200);
      assert.match(del.headers.get("set-cookie")!, /Max-Age=0/);
      assert.equal((await listAs(t, j)).status, 401);

      const k = await t.createKey({ roles: ["Instance Administrator"] });
      const kj = jarOf(await signInStandard(t, k));
      assert.equal((await listAs(t, kj)).status, 200);
      await t.call("POST", "/public_api/v1/api_keys/revoke", {
        request_data: { filters: [{ field: "id", operator: "in", value: [k.id] }] },
      });
      assert.equal((await listAs(t, kj)).status, 401);
    });

    it("answers console API calls with Cache-Control: no-store", async () => {
      const j = jarOf(await signInStandard(t, t.admin));
      const r = await post(
        `${t.url}/public_api/v1/api_keys/generate`,
        { request_data: { roles: ["Viewer"], security_level: "standard" } },
        { cookie: j.cookie, "x-keyplane-csrf": j.csrf },
      );
      assert.equal(r.status, 200);
      assert.equal(r.headers.get("cache-control"), "no-store");
      assert.equal(
        t.logs.some((l) => l.includes(r.body.reply.key)),
        false,
      );
    });
  });
}

describe("console sessions across two replicas (postgres)", () => {
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    a = await startTestServer({ db: "postgres" });
    b = await startTestServer({ dbUrl: a.dbUrl, keyring: a.keyring });
  });
  after(async () => {
    await b?.close();
    await a?.close();
  });

  it("honours on one replica a session made on the other, and a sign-out made on either", async () => {
    const j = jarOf(await signInStandard(a, a.admin));
    assert.equal((await listAs(b, j)).status, 200);
    await fetch(`${b.url}/console/api/session`, {
      method: "DELETE",
      headers: { cookie: j.cookie, "x-keyplane-csrf": j.csrf },
    });
    assert.equal((await listAs(a, j)).status, 401);
  });

  it("takes an Advanced challenge once across replicas", async () => {
    const adv = await a.createKey({ level: "advanced", roles: ["Viewer"] });
    const ch = await challenge(a);
    assert.equal((await signInAdvanced(b, adv, ch)).status, 200);
    assert.equal((await signInAdvanced(a, adv, ch)).status, 401);
  });
});
