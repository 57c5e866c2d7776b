/**
 * Expiration and notifications, on the fake clock (nothing here sleeps to wait for time): key
 * lifetime settings, "API Key Expiration" notices created exactly once per key per lead (7 d and
 * 1 d) however often the scheduler ticks, across a restart and with two servers on one
 * PostgreSQL database, the Notification Center with read/unread, and webhook delivery to a local
 * receiver with retries.
 */
import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { WEBHOOK_MAX_ATTEMPTS } from "../../server/scheduler";
import { startTestServer, type Credential, type TestServer } from "../helpers/server";
import { DAY, assertError, inProcess, ok, rd, type Caller } from "./support";

const NOTICES = "/platform/notifications/v1/notifications";
const T0 = Date.UTC(2026, 6, 1, 9, 0, 0);

async function notices(call: Caller, query = "", as?: Credential): Promise<any[]> {
  return ok(await call("GET", `${NOTICES}?search_to=1000${query}`, undefined, as ? { as } : {}))
    .data;
}

const tick = (t: TestServer) => t.running.app.services.scheduler.tick();

describe("key lifetimes", () => {
  let t: TestServer;
  let call: Caller;
  before(async () => {
    t = await startTestServer({ fakeClock: T0 });
    call = inProcess(t);
  });
  after(() => t.close());

  const generate = (x: Record<string, unknown>) =>
    call(
      "POST",
      "/public_api/v1/api_keys/generate",
      rd({ roles: ["Viewer"], security_level: "standard", ...x }),
    );

  it("starts with the documented defaults", async () => {
    assert.deepEqual(ok(await call("GET", "/platform/iam/v1/settings")).data, {
      sbac_enabled: false,
      replay_window_ms: 300_000,
      nonce_reuse_window_ms: 0,
      default_key_lifetime_ms: null,
      max_key_lifetime_ms: null,
      notification_webhook: null,
      tenant_fqdn: null,
      audit_retention_days: 365,
      key_expiration_required: false,
      key_comment_required: false,
      key_advanced_roles: [],
      unused_key_notice_days: null,
    });
  });

  it("gives a key generated without expiration the default lifetime", async () => {
    ok(await call("PUT", "/platform/iam/v1/settings", rd({ default_key_lifetime_ms: 30 * DAY })));
    const id = ok(await generate({})).reply.id;
    assert.equal(
      ok(await call("GET", `/platform/iam/v1/api-key/${id}`)).data.expiration,
      T0 + 30 * DAY,
    );
    // An explicit null still means never, while no maximum is set.
    const forever = ok(await generate({ expiration: null })).reply.id;
    assert.equal(
      ok(await call("GET", `/platform/iam/v1/api-key/${forever}`)).data.expiration,
      null,
    );
  });

  it("refuses an expiration beyond the maximum lifetime, and a key that never expires", async () => {
    ok(
      await call(
        "PUT",
        "/platform/iam/v1/settings",
        rd({ default_key_lifetime_ms: null, max_key_lifetime_ms: 90 * DAY }),
      ),
    );
    assertError(
      "/public_api",
      await generate({ expiration: T0 + 91 * DAY }),
      400,
      "EXPIRATION_TOO_FAR",
      "request_data.expiration",
      "90 days",
    );
    assertError(
      "/public_api",
      await generate({ expiration: null }),
      400,
      "INVALID_INPUT",
      "request_data.expiration",
      "90 days",
    );
    ok(await generate({ expiration: T0 + 90 * DAY }));
    // Without expiration and without a default, the key gets the maximum.
    const id = ok(await generate({})).reply.id;
    assert.equal(
      ok(await call("GET", `/platform/iam/v1/api-key/${id}`)).data.expiration,
      T0 + 90 * DAY,
    );
    assertError(
      "/platform/iam",
      await call("PUT", `/platform/iam/v1/api-key/${id}`, rd({ expiration: T0 + 100 * DAY })),
      400,
      "EXPIRATION_TOO_FAR",
    );
    assertError(
      "/platform/iam",
      await call("PUT", `/platform/iam/v1/api-key/${id}`, rd({ expiration: null })),
      400,
      "INVALID_INPUT",
      "request_data.expiration",
    );
  });

  it("refuses a default lifetime above the maximum", async () => {
    assertError(
      "/platform/iam",
      await call("PUT", "/platform/iam/v1/settings", rd({ default_key_lifetime_ms: 100 * DAY })),
      400,
      "INVALID_INPUT",
      "must not exceed max_key_lifetime_ms",
    );
    ok(await call("PUT", "/platform/iam/v1/settings", rd({ default_key_lifetime_ms: 60 * DAY })));
    ok(
      await call(
        "PUT",
        "/platform/iam/v1/settings",
        rd({ default_key_lifetime_ms: null, max_key_lifetime_ms: null }),
      ),
    );
  });
});

describe("API Key Expiration notices", () => {
  let t: TestServer;
  let call: Caller;
  const k: Record<string, Credential> = {};
  before(async () => {
    t = await startTestServer({ fakeClock: T0 });
    call = inProcess(t);
    k.tenDays = await t.createKey({ expiration: T0 + 10 * DAY });
    k.threeDays = await t.createKey({ expiration: T0 + 3 * DAY });
    k.halfDay = await t.createKey({ expiration: T0 + DAY / 2 });
    k.never = await t.createKey({ expiration: null });
    k.farAway = await t.createKey({ expiration: T0 + 60 * DAY });
  });
  after(() => t.close());

  const leads = async () => (await notices(call)).map((n) => `${n.key_id}/${n.lead}`).sort();
  const tickMany = async (n = 3) => {
    const created = [];
    for (let i = 0; i < n; i++) created.push(...(await tick(t)));
    return created;
  };

  it("creates the most urgent notice due for each key, once, however often it ticks", async () => {
    const created = await tickMany(5);
    assert.deepEqual(
      created.map((n) => `${n.keyId}/${n.lead}`).sort(),
      [`${k.halfDay!.id}/1d`, `${k.threeDays!.id}/7d`].sort(),
    );
    assert.deepEqual(await leads(), [`${k.halfDay!.id}/1d`, `${k.threeDays!.id}/7d`].sort());
  });

  it("creates the one-week notice when a key comes within 7 days (not a millisecond before)", async () => {
    t.fake!.set(T0 + 3 * DAY - 1);
    // The three-day key is now a millisecond from expiry: its one-day notice comes, nothing else.
    assert.deepEqual(
      (await tickMany()).map((n) => `${n.keyId}/${n.lead}`),
      [`${k.threeDays!.id}/1d`],
    );
    assert.ok(!(await leads()).includes(`${k.tenDays!.id}/7d`));
    t.fake!.set(T0 + 3 * DAY);
    assert.deepEqual(
      (await tickMany()).map((n) => `${n.keyId}/${n.lead}`),
      [`${k.tenDays!.id}/7d`],
    );
  });

  it("creates the one-day notice when a key comes within a day, once", async () => {
    t.fake!.set(T0 + 9 * DAY);
    assert.deepEqual(
      (await tickMany()).map((n) => `${n.keyId}/${n.lead}`),
      [`${k.tenDays!.id}/1d`],
    );
    t.fake!.advance(DAY / 2);
    assert.deepEqual(await tickMany(), []);
    assert.deepEqual(
      await leads(),
      [
        `${k.halfDay!.id}/1d`,
        `${k.threeDays!.id}/7d`,
        `${k.threeDays!.id}/1d`,
        `${k.tenDays!.id}/7d`,
        `${k.tenDays!.id}/1d`,
      ].sort(),
    );
  });

  it("lists notices in the Notification Center with their details", async () => {
    const list = await notices(call);
    const n = list.find((x) => x.key_id === k.tenDays!.id && x.lead === "1d");
    assert.equal(n.type, "API Key Expiration");
    assert.equal(n.title, "API Key Expiration");
    assert.match(
      n.message,
      new RegExp(
        `API key ${k.tenDays!.id} expires in 1 day, at ${new Date(T0 + 10 * DAY).toISOString()}`,
      ),
    );
    // The real time left, not the lead's name: the three-day key's one-week notice.
    const early = list.find((x) => x.key_id === k.threeDays!.id && x.lead === "7d");
    assert.match(early.message, new RegExp(`API key ${k.threeDays!.id} expires in 3 days, at `));
    assert.equal(n.expiration, T0 + 10 * DAY);
    assert.equal(n.created_ts, T0 + 9 * DAY);
    assert.equal(n.read, false);
    assert.equal(n.webhook_status, "none");
    const res = ok(await call("GET", `${NOTICES}?key_id=${k.tenDays!.id}`));
    assert.equal(res.metadata.total_count, 2);
    assert.deepEqual(
      res.data.map((x: { lead: string }) => x.lead),
      ["1d", "7d"],
      "newest first",
    );
  });

  it("marks notices read and unread, and filters on it", async () => {
    const [first] = await notices(call);
    const patched = ok(await call("PATCH", `${NOTICES}/${first.id}`, rd({ read: true }))).data;
    assert.equal(patched.read, true);
    const unread = await notices(call, "&unread=true");
    const read = await notices(call, "&unread=false");
    assert.equal(unread.length, 4);
    assert.deepEqual(
      read.map((n) => n.id),
      [first.id],
    );
    ok(await call("PATCH", `${NOTICES}/${first.id}`, rd({ read: false })));
    assert.equal((await notices(call, "&unread=true")).length, 5);
    assertError(
      NOTICES,
      await call("PATCH", `${NOTICES}/99999`, rd({ read: true })),
      404,
      "NOT_FOUND",
    );
  });

  it("needs notifications:view to list and notifications:view_edit to mark", async () => {
    const inv = await t.createKey({ roles: ["Investigator"] });
    assert.equal((await notices(call, "", inv)).length, 5);
    const [first] = await notices(call);
    assertError(
      NOTICES,
      await call("PATCH", `${NOTICES}/${first.id}`, rd({ read: true }), { as: inv }),
      403,
      "FORBIDDEN",
    );
  });

  it("does not create a notice twice after a restart on the same database", async () => {
    const dbUrl = t.dbUrl;
    const admin = t.admin;
    const keyring = t.keyring;
    const now = t.clock.now();
    await t.close();
    t = await startTestServer({ dbUrl, keyring, fakeClock: now });
    t.admin = admin;
    call = inProcess(t);
    // A new key proves the restarted scheduler runs (the old one gave its lease up on shutdown).
    const fresh = await t.createKey({ expiration: now + 2 * DAY, as: admin });
    assert.deepEqual(
      (await tickMany()).map((n) => `${n.keyId}/${n.lead}`),
      [`${fresh.id}/7d`],
    );
    assert.equal((await notices(call)).length, 6);
    // A key edited to expire sooner gets the notice for its new expiration.
    ok(
      await call(
        "PUT",
        `/platform/iam/v1/api-key/${k.farAway!.id}`,
        rd({ expiration: now + 2 * DAY }),
      ),
    );
    assert.deepEqual(
      (await tickMany()).map((n) => `${n.keyId}/${n.lead}`),
      [`${k.farAway!.id}/7d`],
    );
  });
});

describe("notices with two servers on one PostgreSQL database", () => {
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    a = await startTestServer({ db: "postgres", fakeClock: T0 });
    b = await startTestServer({ dbUrl: a.dbUrl, keyring: a.keyring, fakeClock: T0 });
    b.admin = a.admin;
  });
  after(async () => {
    await b.close();
    await a.close();
  });

  it("creates each notice once while both tick together, through lease hand-overs", async () => {
    const keys: Credential[] = [];
    for (let i = 1; i <= 6; i++) keys.push(await a.createKey({ expiration: T0 + i * 2 * DAY }));
    const seen: string[] = [];
    // Walk two weeks in 6-hour steps; both servers tick several times at every step.
    for (let now = T0; now <= T0 + 14 * DAY; now += DAY / 4) {
      a.fake!.set(now);
      b.fake!.set(now);
      const rounds = await Promise.all([tick(a), tick(b), tick(a), tick(b)]);
      for (const r of rounds) seen.push(...r.map((n) => `${n.keyId}/${n.lead}`));
    }
    const expected = keys.flatMap((k, i) =>
      i === 0 ? [`${k.id}/1d`, `${k.id}/7d`] : [`${k.id}/7d`, `${k.id}/1d`],
    );
    assert.deepEqual(
      [...seen].sort(),
      [...new Set(expected)].sort(),
      "each (key, lead) created exactly once",
    );
    const listed = (await notices(inProcess(b))).map((n) => `${n.key_id}/${n.lead}`);
    assert.deepEqual(listed.sort(), [...new Set(expected)].sort());
  });
});

describe("webhook delivery", () => {
  let t: TestServer;
  let receiver: http.Server;
  let url: string;
  const received: any[] = [];
  let failFirst = 0;

  before(async () => {
    receiver = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        received.push({
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: JSON.parse(body),
        });
        if (failFirst > 0) {
          failFirst--;
          res.writeHead(503).end("busy");
        } else res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/keyplane`;
    // The receiver listens on loopback: refused unless the operator allows it (as here).
    t = await startTestServer({ fakeClock: T0, options: { allowPrivateWebhooks: true } });
    ok(await t.call("PUT", "/platform/iam/v1/settings", rd({ notification_webhook: url })));
  });
  after(async () => {
    await t.close();
    await new Promise((r) => receiver.close(r));
  });

  it("POSTs each notice to the webhook, retrying with backoff after failures", async () => {
    failFirst = 2;
    const key = await t.createKey({ expiration: T0 + 5 * DAY });
    const [n] = await tick(t);
    assert.ok(n);
    assert.equal(received.length, 1, "delivered on the tick that created it");
    let state = (await notices(t.call))[0];
    assert.equal(state.webhook_status, "pending");
    assert.equal(state.webhook_attempts, 1);
    // Not due again before the backoff (5 s).
    t.fake!.advance(4_999);
    await tick(t);
    assert.equal(received.length, 1);
    t.fake!.advance(1);
    await tick(t);
    assert.equal(received.length, 2);
    // Then 10 s.
    t.fake!.advance(10_000);
    await tick(t);
    assert.equal(received.length, 3);
    state = (await notices(t.call))[0];
    assert.equal(state.webhook_status, "delivered");
    assert.equal(state.webhook_attempts, 3);
    await tick(t);
    t.fake!.advance(DAY / 4);
    await tick(t);
    assert.equal(received.length, 3, "a delivered notice is not sent again");
    const r = received[2];
    assert.equal(r.method, "POST");
    assert.equal(r.url, "/hooks/keyplane");
    assert.equal(r.headers["content-type"], "application/json");
    assert.equal(r.body.type, "API Key Expiration");
    assert.equal(r.body.key_id, key.id);
    assert.equal(r.body.lead, "7d");
    assert.equal(r.body.expiration, T0 + 5 * DAY);
    assert.ok(!JSON.stringify(received).includes(key.key), "the key never travels to the webhook");
  });

  it("gives up after the last attempt with an injected sender that keeps failing", async () => {
    const attempts: Array<{ url: string; body: any }> = [];
    const s = await startTestServer({
      fakeClock: T0,
      webhook: async (u, body) => {
        attempts.push({ url: u, body });
        if (attempts.length === 1) throw new Error("connect ECONNREFUSED");
        return 500;
      },
    });
    try {
      ok(
        await s.call(
          "PUT",
          "/platform/iam/v1/settings",
          rd({ notification_webhook: "https://hooks.example.com/x" }),
        ),
      );
      await s.createKey({ expiration: T0 + DAY / 2 });
      await tick(s);
      for (let i = 0; i < 20; i++) {
        s.fake!.advance(10 * 60_000);
        await tick(s);
      }
      assert.equal(attempts.length, WEBHOOK_MAX_ATTEMPTS);
      assert.equal(attempts[0]!.url, "https://hooks.example.com/x");
      const [n] = await notices(s.call);
      assert.equal(n.webhook_status, "failed");
      assert.equal(n.webhook_attempts, WEBHOOK_MAX_ATTEMPTS);
    } finally {
      await s.close();
    }
  });
});
