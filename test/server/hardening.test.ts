/**
 * The smaller holes a hostile afternoon found (issue 11, Low): slow bodies, filters that made a
 * 500, verify telling key state to a caller without the key, lifetimes stretched edit by edit,
 * webhooks into the server's own network, a crafted Host header in the examples. Each case
 * failed before its fix. (Table-driven input refusals are in validation/.)
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as net from "node:net";
import { generateKeyValue } from "../../server/crypto/keyFormat";
import { startTestServer, type Credential, type TestServer } from "../helpers/server";
import {
  assertError,
  auditEntries,
  DAY,
  inProcess,
  ok,
  raw,
  rd,
  signed,
  type Caller,
} from "./support";

const VERIFY = "/public_api/v1/auth/verify";

describe("hardening: slow request bodies time out", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ options: { requestTimeoutMs: 1000 } });
  });
  after(() => t.close());

  it("closes a connection whose body trickles in slower than the request timeout", async function () {
    this.timeout(15_000);
    const { hostname, port } = new URL(t.url);
    const sock = net.connect(Number(port), hostname);
    let answer = "";
    sock.on("data", (d) => (answer += d.toString()));
    const closed = new Promise<number>((resolve) => sock.on("close", () => resolve(Date.now())));
    const start = Date.now();
    // With a valid key: a stranger's request is refused (401) from its headers before any body is read.
    const cred = Object.entries(raw(t.admin))
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("");
    sock.write(
      `POST /public_api/v1/api_keys/validate HTTP/1.1\r\nHost: x\r\n${cred}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
    );
    const drip = setInterval(() => sock.writable && sock.write(" "), 300);
    const at = await Promise.race([
      closed,
      new Promise<number>((r) => setTimeout(() => r(-1), 10_000)),
    ]);
    clearInterval(drip);
    sock.destroy();
    assert.ok(at > 0, "the connection was still open after 10 s");
    assert.ok(at - start < 5_000, `closed after ${at - start} ms`);
    assert.match(answer, /^HTTP\/1\.1 408/, "answered 408 Request Timeout");
  });
});

describe("hardening: verify, filters, lifetimes, examples, webhooks", () => {
  let t: TestServer;
  let call: Caller;
  let verifier: Credential;
  before(async () => {
    t = await startTestServer({ fakeClock: true });
    call = inProcess(t);
    verifier = await t.createKey({ roles: ["Key Verifier"] });
  });
  after(() => t.close());

  const verify = async (headers: Record<string, string>) =>
    ok(await call("POST", VERIFY, rd({ headers }), { as: verifier })).reply;

  it("verify answers NOT_FOUND to a caller that has not proven the key, and audits the real reason", async () => {
    const adv = await t.createKey({ level: "advanced" });
    const gone = await t.createKey({ level: "standard" });
    ok(
      await call(
        "POST",
        "/public_api/v1/api_keys/revoke",
        rd({ filters: [{ field: "id", operator: "in", value: [gone.id] }] }),
      ),
    );
    const guess = generateKeyValue(randomBytes);
    const cases: Array<[string, Record<string, string>, string]> = [
      ["an Advanced id sent unsigned", raw({ id: adv.id, key: guess }), "SIGNATURE_REQUIRED"],
      ["a revoked id with a guess", raw({ id: gone.id, key: guess }), "REVOKED"],
      [
        "an Advanced id with a malformed signature",
        { ...signed({ ...adv, key: guess }, t.clock.now()), authorization: "zz" },
        "MALFORMED",
      ],
      ["an unknown id", raw({ id: 987_654, key: guess }), "NOT_FOUND"],
    ];
    for (const [name, h, real] of cases) {
      const v = await verify(h);
      assert.equal(v.valid, false, name);
      assert.equal(v.reason, "NOT_FOUND", `${name}: the reason must not tell the key's state`);
      if (real !== "NOT_FOUND") {
        const e = await auditEntries(call, [{ field: "type", operator: "in", value: ["AUTH"] }]);
        assert.ok(
          e.some((a) => a.AUDIT_REASON === real && a.AUDIT_ENTITY_SUBTYPE === "verify"),
          `${name}: ${real} is in the audit log`,
        );
      }
    }
    // With the key proven, the state is told.
    t.fake!.advance(1);
    assert.equal((await verify(signed(adv, t.clock.now()))).valid, true);
  });

  it("runs the largest filters the schema accepts on SQLite (no 'too many SQL variables')", async () => {
    const many = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`);
    const roles = Array.from({ length: 10 }, () => ({
      field: "roles",
      operator: "contains",
      value: many(1000, "r"),
    }));
    assert.equal(
      ok(await call("POST", "/public_api/v1/api_keys/get_api_keys", rd({ filters: roles }))).reply
        .FILTER_COUNT,
      0,
    );
    const createdBy = Array.from({ length: 10 }, () => ({
      field: "created_by",
      operator: "in",
      value: many(1000, "c"),
    }));
    assert.equal(
      ok(await call("POST", "/public_api/v1/api_keys/get_api_keys", rd({ filters: createdBy })))
        .reply.FILTER_COUNT,
      0,
    );
  });

  it("counts the maximum key lifetime from the key's creation, however often the expiration moves", async () => {
    ok(
      await call(
        "PUT",
        "/platform/iam/v1/settings",
        rd({ max_key_lifetime_ms: 30 * DAY, default_key_lifetime_ms: null }),
      ),
    );
    try {
      const created = t.clock.now();
      const k = await t.createKey({ expiration: created + 20 * DAY });
      t.fake!.advance(20 * DAY);
      // 30 days from now would be 50 days after creation.
      const res = await call(
        "PUT",
        `/platform/iam/v1/api-key/${k.id}`,
        rd({ expiration: t.clock.now() + 29 * DAY }),
      );
      assertError(
        "/platform/iam",
        res,
        400,
        "EXPIRATION_TOO_FAR",
        "request_data.expiration",
        "from the key's creation",
      );
      ok(
        await call(
          "PUT",
          `/platform/iam/v1/api-key/${k.id}`,
          rd({ expiration: created + 30 * DAY }),
        ),
      );
    } finally {
      ok(await call("PUT", "/platform/iam/v1/settings", rd({ max_key_lifetime_ms: null })));
    }
  });

  it("builds View Examples from a plain Host only: a crafted one cannot break out of the quotes", async () => {
    const k = await t.createKey();
    const crafted = `evil.example.com"; import os; os.system("id") #' ; touch /tmp/pwned ; '`;
    const r = ok(
      await call("POST", "/public_api/v1/api_keys/examples", rd({ id: k.id }), {
        headers: { host: crafted },
      }),
    ).reply;
    for (const s of [r.url, r.python, r.curl]) {
      assert.ok(
        !s.includes("os.system") && !s.includes("/tmp/pwned"),
        `the Host header is not in the snippet: ${s.slice(0, 200)}`,
      );
    }
    assert.equal(r.url, "http://YOUR_TENANT_HOST");
    const plain = ok(
      await call("POST", "/public_api/v1/api_keys/examples", rd({ id: k.id }), {
        headers: { host: "keys.example.com:8443" },
      }),
    ).reply;
    assert.equal(plain.url, "http://keys.example.com:8443");
  });

  it("does not deliver to a webhook that points into the server's own network, even if stored", async () => {
    const sent: string[] = [];
    const s = await startTestServer({ fakeClock: true, webhook: async (u) => (sent.push(u), 204) });
    try {
      // Set behind the API's back (an older server, or a name that resolved elsewhere at the time).
      await s.running.store.updateSettings({
        notification_webhook: "http://127.0.0.1:9/internal/x",
      });
      s.running.app.services.cache.invalidate();
      await s.createKey({ expiration: s.clock.now() + DAY / 2 });
      await s.running.app.services.scheduler.tick();
      assert.deepEqual(sent, []);
      const n = ok(await s.call("GET", "/platform/notifications/v1/notifications")).data;
      assert.ok(n.length >= 1);
      assert.equal(n[0].webhook_status, "failed");
    } finally {
      await s.close();
    }
  });
});
