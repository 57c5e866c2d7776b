/**
 * Authentication and the permission gate: the same refused-credential cases against every
 * authenticated route of the route table (in process and over HTTP), Standard and Advanced
 * signing, the replay window, nonces, the expiry boundary, identical 401 bodies, rate limiting,
 * and the reference's 403 body with its audit entry.
 */
import * as assert from "node:assert/strict";
import { MAX_REPLAY_WINDOW_MS, randomAlnum } from "../../sdk/contract";
import { generateKeyValue } from "../../server/crypto/keyFormat";
import { randomBytes } from "node:crypto";
import { startTestServer, type Credential, type TestServer } from "../helpers/server";
import {
  AUTH_ROUTES,
  HOUR,
  MINUTE,
  PERMISSION_ROUTES,
  anyBody,
  assertError,
  auditEntries,
  concretePath,
  customRole,
  forbiddenBody,
  inProcess,
  ok,
  raw,
  rd,
  signed,
  transports,
  unauthorizedBody,
} from "./support";

const VALIDATE = "/public_api/v1/api_keys/validate";

describe("authentication on every route", function () {
  let t: TestServer;
  const creds: Record<string, { headers: () => Record<string, string> | null }> = {};

  before(async () => {
    t = await startTestServer({ fakeClock: true });
    for (const level of ["standard", "advanced"] as const) {
      const expiring = await t.createKey({
        level,
        expiration: t.clock.now() + HOUR,
        roles: ["Instance Administrator"],
      });
      const deleted = await t.createKey({ level, roles: ["Instance Administrator"] });
      const revoked = await t.createKey({ level, roles: ["Instance Administrator"] });
      ok(
        await t.call(
          "POST",
          "/public_api/v1/api_keys/delete",
          rd({ filters: [{ field: "id", operator: "in", value: [deleted.id] }] }),
        ),
      );
      ok(
        await t.call(
          "POST",
          "/public_api/v1/api_keys/revoke",
          rd({ filters: [{ field: "id", operator: "in", value: [revoked.id] }] }),
        ),
      );
      const real = await t.createKey({ level, roles: ["Instance Administrator"] });
      const wrong: Credential = { ...real, key: generateKeyValue(randomBytes) };
      const sign = (c: Credential) => () =>
        level === "standard" ? raw(c) : signed(c, t.clock.now());
      creds[`${level}: wrong key`] = { headers: sign(wrong) };
      if (level === "standard") {
        // The XSOAR integration's "prevent only" headers: the raw key beside a nonce and a timestamp.
        creds["standard: wrong key with stray nonce headers"] = {
          headers: () => ({
            ...raw(wrong),
            "x-xdr-nonce": randomAlnum(64),
            "x-xdr-timestamp": String(t.clock.now()),
          }),
        };
      }
      creds[`${level}: expired key`] = { headers: sign(expiring) };
      creds[`${level}: deleted key`] = { headers: sign(deleted) };
      creds[`${level}: revoked key`] = { headers: sign(revoked) };
      creds[`${level}: unknown key id`] = { headers: sign({ ...real, id: 999_999 }) };
    }
    creds["missing credential"] = { headers: () => null };
    creds["key id without key"] = { headers: () => ({ "x-xdr-auth-id": String(t.admin.id) }) };
    creds["key without key id"] = { headers: () => ({ authorization: t.admin.key }) };
    // Every key above that had an expiration now stands past it.
    t.fake!.advance(HOUR);
  });
  after(() => t.close());

  it("covers every authenticated route of the route table", () => {
    assert.ok(AUTH_ROUTES.length >= 40, `only ${AUTH_ROUTES.length} authenticated routes?`);
  });

  for (const transport of ["in process", "over HTTP"]) {
    describe(transport, () => {
      for (const r of AUTH_ROUTES) {
        it(`${r.method} ${r.path} refuses a missing, wrong, expired, deleted or revoked credential with the reference's 401`, async () => {
          const call = transports(t).find((x) => x.name === transport)!.call;
          const path = concretePath(r);
          for (const [name, c] of Object.entries(creds)) {
            const h = c.headers();
            const res = await call(r.method, path, anyBody(r), { as: null, headers: h ?? {} });
            assert.equal(res.status, 401, `${name}: ${res.status} ${res.text}`);
            assert.deepEqual(res.body, unauthorizedBody(path), `${name}: body`);
            assert.equal(res.headers["x-keyplane-error"], "UNAUTHORIZED");
          }
        });
      }
    });
  }
});

describe("the permission gate", () => {
  let t: TestServer;
  let weak: Credential;
  before(async () => {
    t = await startTestServer();
    await customRole(t.call, "Dashboards Only", { dashboards: "view" });
    weak = await t.createKey({ roles: ["Dashboards Only"] });
  });
  after(() => t.close());

  for (const transport of ["in process", "over HTTP"]) {
    it(`${transport}: a key without the component permission gets the reference's 403 body on every guarded route`, async () => {
      const call = transports(t).find((x) => x.name === transport)!.call;
      for (const r of PERMISSION_ROUTES) {
        const path = concretePath(r);
        const res = await call(r.method, path, anyBody(r), { as: weak });
        assert.equal(res.status, 403, `${r.id}: ${res.status} ${res.text}`);
        assert.deepEqual(res.body, forbiddenBody(path), r.id);
        assert.equal(
          res.headers["x-keyplane-required-permission"],
          `${r.permission!.component}:${r.permission!.level}`,
        );
      }
    });
  }

  it("keeps the exact reference text of the public_api 403 body", async () => {
    const res = await t.call("POST", "/public_api/v1/api_keys/get_api_keys", rd({}), { as: weak });
    assert.equal(
      res.text,
      '{"reply":{"err_code":403,"err_msg":"Forbidden. Access was denied to this resource.","err_extra":"Insufficient permissions for api key"}}',
    );
  });

  it("records every refused permission check in the audit log with result FAIL", async () => {
    const entries = await auditEntries(
      t.call,
      [
        { field: "result", operator: "in", value: ["FAIL"] },
        { field: "type", operator: "in", value: ["PERMISSIONS"] },
      ],
      { search_to: 100 },
    );
    const routes = new Set(entries.map((e) => e.AUDIT_ADDITIONAL_INFORMATION.route));
    for (const r of PERMISSION_ROUTES)
      assert.ok(routes.has(r.id), `no FAIL audit entry for ${r.id}`);
    const e = entries[0];
    assert.equal(e.AUDIT_RESULT, "FAIL");
    assert.equal(e.AUDIT_OWNER_NAME, `Public API - ${weak.id}`);
    assert.equal(e.AUDIT_REASON, "INSUFFICIENT_PERMISSION");
  });

  it("lets a key call validate whatever its roles", async () => {
    assert.equal(ok(await t.call("POST", VALIDATE, rd(), { as: weak })), "true");
  });

  it("lets a view-level key read but not change", async () => {
    const viewer = await t.createKey({ roles: ["Investigator"] });
    await customRole(t.call, "Key Reader", { public_api: "view" });
    const reader = await t.createKey({ roles: ["Key Reader"] });
    ok(await t.call("POST", "/public_api/v1/api_keys/get_api_keys", rd({}), { as: reader }));
    ok(await t.call("GET", `/platform/iam/v1/api-key/${viewer.id}`, undefined, { as: reader }));
    const res = await t.call(
      "POST",
      "/public_api/v1/api_keys/delete",
      rd({ filters: [{ field: "id", operator: "in", value: [viewer.id] }] }),
      { as: reader },
    );
    assert.deepEqual(res.body, forbiddenBody("/public_api"));
  });
});

describe("Standard and Advanced keys", () => {
  let t: TestServer;
  let std: Credential;
  let adv: Credential;
  let call: TestServer["call"];
  before(async () => {
    t = await startTestServer({ fakeClock: Date.UTC(2026, 5, 1, 12, 0, 0, 321) });
    call = inProcess(t);
    std = await t.createKey({ level: "standard" });
    adv = await t.createKey({ level: "advanced" });
  });
  after(() => t.close());

  const validate = (headers: Record<string, string>) =>
    call("POST", VALIDATE, rd(), { as: null, headers });

  it("accepts a Standard key in Authorization", async () => {
    assert.equal(ok(await validate(raw(std))), "true");
  });

  it("accepts an Advanced signature with a millisecond timestamp (Go SDK style)", async () => {
    assert.equal(ok(await validate(signed(adv, t.clock.now()))), "true");
  });

  it("accepts an Advanced signature with the seconds×1000 timestamp (the reference's Python example)", async () => {
    const ts = Math.floor(t.clock.now() / 1000) * 1000;
    assert.ok(String(ts).endsWith("000"));
    assert.equal(ok(await validate(signed(adv, ts))), "true");
  });

  it("accepts a 64-hex-character nonce (PANW's Node library style)", async () => {
    assert.equal(
      ok(await validate(signed(adv, t.clock.now(), randomBytes(32).toString("hex")))),
      "true",
    );
  });

  it("accepts header names in any case", async () => {
    const h = signed(adv, t.clock.now());
    const upper = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toUpperCase(), v]));
    assert.equal(ok(await t.call("POST", VALIDATE, rd(), { as: null, headers: upper })), "true");
  });

  const window = 5 * MINUTE;
  const stale: Array<{ name: string; offset: number; expectStatus: number }> = [
    { name: "accepts a timestamp exactly 5 min old", offset: -window, expectStatus: 200 },
    { name: "accepts a timestamp exactly 5 min ahead", offset: window, expectStatus: 200 },
    { name: "refuses a timestamp 5 min + 1 ms old", offset: -window - 1, expectStatus: 401 },
    { name: "refuses a timestamp 5 min + 1 ms ahead", offset: window + 1, expectStatus: 401 },
    { name: "refuses a timestamp an hour old", offset: -HOUR, expectStatus: 401 },
  ];
  for (const c of stale) {
    it(`${c.name} (default ±5 min window)`, async () => {
      const res = await validate(signed(adv, t.clock.now() + c.offset));
      assert.equal(res.status, c.expectStatus, res.text);
    });
  }

  it("follows a replay window changed through settings", async () => {
    ok(await call("PUT", "/platform/iam/v1/settings", rd({ replay_window_ms: 60_000 })));
    try {
      assert.equal((await validate(signed(adv, t.clock.now() - 59_000))).status, 200);
      assert.equal((await validate(signed(adv, t.clock.now() - 61_000))).status, 401);
      assert.equal((await validate(signed(adv, t.clock.now() + 61_000))).status, 401);
      assert.equal(
        (await validate(signed(adv, t.clock.now() - 4 * MINUTE))).status,
        401,
        "inside the old window, outside the new one",
      );
    } finally {
      ok(await call("PUT", "/platform/iam/v1/settings", rd({ replay_window_ms: 5 * MINUTE })));
    }
  });

  it("refuses a nonce replayed for the same key, also under a fresh timestamp", async () => {
    const nonce = randomAlnum(64);
    const h = signed(adv, t.clock.now(), nonce);
    assert.equal((await validate(h)).status, 200);
    const again = await validate(h);
    assert.equal(again.status, 401);
    assert.deepEqual(again.body, unauthorizedBody(VALIDATE));
    t.fake!.advance(1000);
    assert.equal(
      (await validate(signed(adv, t.clock.now(), nonce))).status,
      401,
      "same nonce, new timestamp",
    );
  });

  it("still refuses a replay once the scheduler has purged its nonce: the timestamp is stale by then", async () => {
    // The worst case: a request signed at the future edge of the window.
    const nonce = randomAlnum(64);
    const h = signed(adv, t.clock.now() + window, nonce);
    assert.equal((await validate(h)).status, 200);
    t.fake!.advance(2 * MAX_REPLAY_WINDOW_MS + 1);
    await t.running.app.services.scheduler.tick();
    const left = await t.running.store.driver.get(
      "SELECT 1 AS x FROM nonces WHERE key_id = ? AND nonce = ?",
      [adv.id, nonce],
    );
    assert.equal(left, undefined, "the nonce was purged");
    assert.equal((await validate(h)).status, 401);
  });

  it("keeps a nonce while any window could accept its timestamp: raising the window re-opens nothing", async () => {
    ok(await call("PUT", "/platform/iam/v1/settings", rd({ replay_window_ms: 10_000 })));
    try {
      const h = signed(adv, t.clock.now());
      assert.equal((await validate(h)).status, 200);
      t.fake!.advance(62_000);
      await t.running.app.services.scheduler.tick();
      ok(await call("PUT", "/platform/iam/v1/settings", rd({ replay_window_ms: HOUR })));
      const again = await validate(h);
      assert.equal(again.status, 401, "replayed 62 s later under a window raised to 1 h");
    } finally {
      ok(await call("PUT", "/platform/iam/v1/settings", rd({ replay_window_ms: 5 * MINUTE })));
    }
  });

  it("accepts the same nonce for another key (nonces are per key)", async () => {
    const other = await t.createKey({ level: "advanced" });
    const nonce = randomAlnum(64);
    assert.equal((await validate(signed(adv, t.clock.now(), nonce))).status, 200);
    assert.equal((await validate(signed(other, t.clock.now(), nonce))).status, 200);
  });

  it("accepts a Standard key sent with stray nonce and timestamp headers (the XSOAR integration's prevent-only mode)", async () => {
    const h = {
      ...raw(std),
      "x-xdr-nonce": randomAlnum(64),
      "x-xdr-timestamp": String(t.clock.now()),
    };
    assert.equal(ok(await validate(h)), "true");
    // The headers are ignored, not checked: repeating them, or a stale timestamp, changes nothing.
    assert.equal(ok(await validate(h)), "true");
    assert.equal(ok(await validate({ ...h, "x-xdr-timestamp": "1" })), "true");
  });

  it("refuses a wrong Standard key whatever nonce headers come with it", async () => {
    const wrong = { ...std, key: generateKeyValue(randomBytes) };
    const res = await validate({
      ...raw(wrong),
      "x-xdr-nonce": randomAlnum(64),
      "x-xdr-timestamp": String(t.clock.now()),
    });
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, unauthorizedBody(VALIDATE));
  });

  it("refuses a repeated nonce by default, and with nonce_reuse_window_ms accepts it only while its timestamp is that fresh, audited", async () => {
    const settings = ok(await call("GET", "/platform/iam/v1/settings")).data;
    assert.equal(settings.nonce_reuse_window_ms, 0, "off by default");
    const h = signed(adv, t.clock.now());
    assert.equal((await validate(h)).status, 200);
    assert.equal((await validate(h)).status, 401, "a replay, by default");
    ok(await call("PUT", "/platform/iam/v1/settings", rd({ nonce_reuse_window_ms: 120_000 })));
    try {
      // One set of headers for a whole run, as the XSOAR CoreClient builds them.
      const run = signed(adv, t.clock.now());
      for (let i = 0; i < 3; i++)
        assert.equal(ok(await validate(run)), "true", `call ${i + 1} of the run`);
      const reused = await auditEntries(call, [
        { field: "sub_type", operator: "in", value: ["nonce_reused"] },
      ]);
      assert.ok(reused.length >= 2, "every accepted repeat is audited");
      assert.equal(reused[0].AUDIT_ENTITY, "AUTH");
      assert.equal(reused[0].AUDIT_OBJECT_ID, String(adv.id));
      assert.ok(!JSON.stringify(reused).includes(adv.key), "no key material in the audit log");
      t.fake!.advance(120_001);
      assert.equal(
        (await validate(run)).status,
        401,
        "older than the reuse window: a replay again",
      );
      // The first use of a nonce still needs a timestamp inside the replay window, and another key's nonce is no help.
      const other = await t.createKey({ level: "advanced" });
      assert.equal(
        (await validate({ ...signed(other, t.clock.now(), run["x-xdr-nonce"]) })).status,
        200,
      );
      const wrongSig = { ...signed(adv, t.clock.now()), authorization: "0".repeat(64) };
      assert.equal(
        (await validate(wrongSig)).status,
        401,
        "a bad signature is refused whatever the setting",
      );
    } finally {
      ok(await call("PUT", "/platform/iam/v1/settings", rd({ nonce_reuse_window_ms: 0 })));
    }
  });

  it("refuses a nonce reuse window longer than the replay window", async () => {
    const res = await call(
      "PUT",
      "/platform/iam/v1/settings",
      rd({ nonce_reuse_window_ms: 6 * MINUTE }),
    );
    assertError("/platform/iam/v1/settings", res, 400, "INVALID_INPUT", "nonce_reuse_window_ms");
  });

  it("refuses an Advanced key sent raw as a Standard header", async () => {
    const res = await validate(raw(adv));
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, unauthorizedBody(VALIDATE));
  });

  it("refuses an Advanced signature made with a Standard key's value", async () => {
    assert.equal((await validate(signed(std, t.clock.now()))).status, 401);
  });

  it("refuses malformed Advanced headers", async () => {
    const now = t.clock.now();
    const cases: Array<{ name: string; headers: Record<string, string> }> = [
      { name: "short nonce", headers: signed(adv, now, "abc") },
      {
        name: "timestamp with letters",
        headers: { ...signed(adv, now), "x-xdr-timestamp": "12345abc" },
      },
      {
        name: "signature not hex",
        headers: { ...signed(adv, now), authorization: "z".repeat(64) },
      },
      {
        name: "nonce without timestamp",
        headers: (({ "x-xdr-timestamp": _, ...h }) => h)(signed(adv, now)),
      },
    ];
    for (const c of cases) assert.equal((await validate(c.headers)).status, 401, c.name);
  });

  for (const level of ["standard", "advanced"] as const) {
    it(`${level}: works at expiration − 1 ms and fails at expiration (fake clock)`, async () => {
      const exp = t.clock.now() + 2 * HOUR;
      const k = await t.createKey({ level, expiration: exp });
      const h = () => (level === "standard" ? raw(k) : signed(k, t.clock.now()));
      t.fake!.set(exp - 1);
      assert.equal((await validate(h())).status, 200);
      t.fake!.set(exp);
      const res = await validate(h());
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, unauthorizedBody(VALIDATE));
      t.fake!.set(exp - 1);
      assert.equal(
        (await validate(h())).status,
        200,
        "the boundary is the clock, not a stored state",
      );
    });

    for (const [how, verb] of [
      ["deleted", "delete"],
      ["revoked", "revoke"],
    ] as const) {
      it(`${level}: a ${how} key fails on the very next call`, async () => {
        const k = await t.createKey({ level });
        const h = () => (level === "standard" ? raw(k) : signed(k, t.clock.now()));
        assert.equal((await validate(h())).status, 200);
        ok(
          await call(
            "POST",
            `/public_api/v1/api_keys/${verb}`,
            rd({ filters: [{ field: "id", operator: "in", value: [k.id] }] }),
          ),
        );
        assert.equal((await validate(h())).status, 401);
      });
    }
  }

  it("gives an unknown key id and a wrong key byte-identical 401 bodies", async () => {
    const wrong = await t.call("POST", VALIDATE, rd(), {
      as: null,
      headers: raw({ id: std.id, key: generateKeyValue(randomBytes) }),
    });
    const unknown = await t.call("POST", VALIDATE, rd(), {
      as: null,
      headers: raw({ id: 987_654, key: std.key }),
    });
    const garbage = await t.call("POST", VALIDATE, rd(), {
      as: null,
      headers: raw({ id: std.id, key: "not-a-key" }),
    });
    const advWrong = await t.call("POST", VALIDATE, rd(), {
      as: null,
      headers: signed({ ...adv, key: generateKeyValue(randomBytes) }, t.clock.now()),
    });
    assert.equal(wrong.status, 401);
    for (const r of [unknown, garbage, advWrong]) {
      assert.equal(r.status, 401);
      assert.equal(r.text, wrong.text);
      const strip = (h: Record<string, string>) =>
        Object.keys(h)
          .filter((k) => !["date", "x-request-id"].includes(k))
          .sort()
          .map((k) => `${k}: ${h[k]}`);
      assert.deepEqual(
        strip(r.headers),
        strip(wrong.headers),
        "headers other than date and request id match too",
      );
    }
  });

  it("keeps last_used without a database write per request: one batched write per flush", async () => {
    const k = await t.createKey();
    const store = t.running.store as unknown as {
      touchLastUsed: (e: Array<[number, number]>) => Promise<void>;
    };
    const original = store.touchLastUsed;
    const writes: Array<Array<[number, number]>> = [];
    store.touchLastUsed = async (e) => {
      writes.push(e);
      return original.call(t.running.store, e);
    };
    try {
      await t.running.app.services.lastUsed.flush();
      writes.length = 0;
      for (let i = 0; i < 20; i++) {
        t.fake!.advance(10);
        ok(await validate(raw(k)));
      }
      assert.equal(writes.length, 0, "no write on the request path");
      await t.running.app.services.lastUsed.flush();
      assert.equal(writes.length, 1);
      assert.deepEqual(writes[0], [[k.id, t.clock.now()]]);
      assert.equal((await t.running.store.getKey(k.id))!.lastUsed, t.clock.now());
    } finally {
      store.touchLastUsed = original;
    }
  });

  it("notes last_used without waiting for a write (visible in GET at once)", async () => {
    const k = await t.createKey();
    const before = ok(await call("GET", `/platform/iam/v1/api-key/${k.id}`)).data.last_used;
    assert.equal(before, null);
    t.fake!.advance(5000);
    ok(await validate(raw(k)));
    assert.equal(
      ok(await call("GET", `/platform/iam/v1/api-key/${k.id}`)).data.last_used,
      t.clock.now(),
    );
  });
});

describe("rate limiting of failed authentications", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      fakeClock: true,
      options: { trustProxy: true, rateLimit: { perKeyId: 3, perAddress: 5, windowMs: MINUTE } },
    });
  });
  after(() => t.close());

  const from = (ip: string, h: Record<string, string>) => ({ ...h, "x-forwarded-for": ip });

  it("limits failures per key id: wrong tries get 429 with Retry-After, the right key still gets in", async () => {
    const k = await t.createKey({ roles: ["Viewer"] });
    const bad = raw({ id: k.id, key: generateKeyValue(randomBytes) });
    // Each attempt from its own address, so only the per-key-id limit can trip.
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await t.call("POST", VALIDATE, rd(), { as: null, headers: from(`10.0.1.${i}`, bad) }))
          .status,
        401,
      );
    const limited = await t.call("POST", VALIDATE, rd(), {
      as: null,
      headers: from("10.0.1.50", bad),
    });
    assertError(VALIDATE, limited, 429, "RATE_LIMITED");
    const retry = Number(limited.headers["retry-after"]);
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${limited.headers["retry-after"]}`);
    // Anyone can name a key id: others' failures never lock out the key's holder.
    assert.equal(
      (await t.call("POST", VALIDATE, rd(), { as: null, headers: from("10.0.1.99", raw(k)) }))
        .status,
      200,
    );
    assert.equal(
      (
        await t.call("POST", VALIDATE, rd(), {
          as: t.admin,
          headers: { "x-forwarded-for": "10.0.1.98" },
        })
      ).status,
      200,
    );
    t.fake!.advance(MINUTE);
    assert.equal(
      (await t.call("POST", VALIDATE, rd(), { as: null, headers: from("10.0.1.51", bad) })).status,
      401,
      "a new window",
    );
  });

  it("never locks out the admin key: 20 bad tries naming it from one address, the admin from another keeps working", async () => {
    const bad = raw({ id: t.admin.id, key: generateKeyValue(randomBytes) });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 20; i++)
        await t.call("POST", VALIDATE, rd(), { as: null, headers: from("10.0.9.1", bad) });
      for (let i = 0; i < 10; i++)
        assert.equal(
          (await t.call("POST", VALIDATE, rd(), { headers: { "x-forwarded-for": "10.0.9.2" } }))
            .status,
          200,
        );
      t.fake!.advance(10_000);
    }
  });

  it("limits verify's failures per verifying service, and a key named in verify is not locked out", async () => {
    const k = await t.createKey({ roles: ["Viewer"] });
    const verifier = await t.createKey({ roles: ["Key Verifier"] });
    // Each try names another key id, so only the per-source limit can trip.
    const bad = (i: number) => ({
      "x-xdr-auth-id": String(60_000 + i),
      authorization: generateKeyValue(randomBytes),
    });
    const verify = (headers: Record<string, string>, ip: string) =>
      t.call("POST", "/public_api/v1/auth/verify", rd({ headers }), {
        as: verifier,
        headers: { "x-forwarded-for": ip },
      });
    const reasons: string[] = [];
    for (let i = 0; i < 8; i++) reasons.push(ok(await verify(bad(i), `10.0.8.${i}`)).reply.reason);
    // The per-source limit (5 here) holds for the service whatever address it calls from.
    assert.deepEqual(reasons, [
      "NOT_FOUND",
      "NOT_FOUND",
      "NOT_FOUND",
      "NOT_FOUND",
      "NOT_FOUND",
      "RATE_LIMITED",
      "RATE_LIMITED",
      "RATE_LIMITED",
    ]);
    // A right key still passes through the limited verifier, and works directly and through another.
    assert.equal(ok(await verify(raw(k), "10.0.8.97")).reply.valid, true);
    assert.equal(ok(await verify(bad(99), "10.0.8.96")).reply.reason, "RATE_LIMITED");
    assert.equal(
      (await t.call("POST", VALIDATE, rd(), { as: k, headers: { "x-forwarded-for": "10.0.8.99" } }))
        .status,
      200,
    );
    const other = await t.createKey({ roles: ["Key Verifier"] });
    const v = ok(
      await t.call("POST", "/public_api/v1/auth/verify", rd({ headers: raw(k) }), {
        as: other,
        headers: { "x-forwarded-for": "10.0.8.98" },
      }),
    ).reply;
    assert.equal(v.valid, true);
    t.fake!.advance(MINUTE);
  });

  it("limits failures per client address: 429 for every key from that address, others unaffected", async () => {
    for (let i = 0; i < 5; i++) {
      const res = await t.call("POST", VALIDATE, rd(), {
        as: null,
        headers: from("10.0.2.1", raw({ id: 50_000 + i, key: generateKeyValue(randomBytes) })),
      });
      assert.equal(res.status, 401);
    }
    const limited = await t.call("POST", VALIDATE, rd(), {
      as: t.admin,
      headers: { "x-forwarded-for": "10.0.2.1" },
    });
    assertError(VALIDATE, limited, 429, "RATE_LIMITED");
    assert.ok(Number(limited.headers["retry-after"]) >= 1);
    assert.equal(
      (
        await t.call("POST", VALIDATE, rd(), {
          as: t.admin,
          headers: { "x-forwarded-for": "10.0.2.2" },
        })
      ).status,
      200,
    );
    t.fake!.advance(MINUTE);
    assert.equal(
      (
        await t.call("POST", VALIDATE, rd(), {
          as: t.admin,
          headers: { "x-forwarded-for": "10.0.2.1" },
        })
      ).status,
      200,
    );
  });

  it("answers 429 in the platform envelope on platform routes", async () => {
    for (let i = 0; i < 5; i++)
      await t.call("GET", "/platform/iam/v1/role", undefined, {
        as: null,
        headers: { "x-forwarded-for": "10.0.3.1" },
      });
    const res = await t.call("GET", "/platform/iam/v1/role", undefined, {
      headers: { "x-forwarded-for": "10.0.3.1" },
    });
    assertError("/platform/iam/v1/role", res, 429, "RATE_LIMITED");
  });
});

describe("credentials before the body", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  // 2 MB: over the 1 MB limit, so a server that read the body first would answer 413.
  const big = JSON.stringify({
    request_data: {
      security_level: "standard",
      roles: ["Viewer"],
      comment: "x".repeat(2 * 1024 * 1024),
    },
  });

  it("refuses a caller without a valid key (401) before reading, parsing or sizing its body", async () => {
    for (const body of [big, "{not json"]) {
      const res = await t.call("POST", "/public_api/v1/api_keys/generate", body, { as: null });
      assertError("/public_api", res, 401, "UNAUTHORIZED");
      const wrong = await t.call("POST", "/platform/iam/v1/role", body, {
        as: { ...t.admin, key: generateKeyValue(randomBytes) },
      });
      assertError("/platform/iam", wrong, 401, "UNAUTHORIZED");
    }
  });

  it("refuses a key without the route's permission (403) before reading its body", async () => {
    const viewer = await t.createKey({ roles: ["Viewer"] });
    const res = await t.call("POST", "/public_api/v1/api_keys/generate", big, { as: viewer });
    assertError("/public_api", res, 403, "FORBIDDEN");
  });

  it("still sizes and parses the body of an authorized caller", async () => {
    assertError(
      "/public_api",
      await t.call("POST", "/public_api/v1/api_keys/generate", big),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    assertError(
      "/public_api",
      await t.call("POST", "/public_api/v1/api_keys/generate", "{not json"),
      400,
      "INVALID_JSON",
    );
  });

  it("hands handlers and verify a principal without key material", async () => {
    const adv = await t.createKey({ roles: ["Viewer"], level: "advanced" });
    const nonce = randomAlnum(64);
    const ts = String(Date.now());
    const out = await t.running.app.services.authenticator.authenticate(
      (n) => signed(adv, ts, nonce)[n],
      "127.0.0.1",
    );
    assert.ok(out.ok, "the Advanced key authenticates");
    const p = out.principal as unknown as Record<string, unknown>;
    assert.equal(p.keyId, adv.id);
    assert.ok(
      !("secret" in p) && !("secretHash" in p) && !("pepperChain" in p),
      `no key material: ${Object.keys(p).join(", ")}`,
    );
    assert.ok(
      !JSON.stringify(p).includes(adv.key),
      "the key is not in what a log line of the principal would show",
    );
    assert.ok(Object.isFrozen(p));
  });
});
