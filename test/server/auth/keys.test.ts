/**
 * Standard and Advanced keys: Standard keys and Advanced signing, the replay window, nonces, the
 * expiry boundary, identical 401 bodies, and last_used.
 */
import * as assert from "node:assert/strict";
import { MAX_REPLAY_WINDOW_MS, randomAlnum } from "../../../sdk/contract";
import { generateKeyValue } from "../../../server/crypto/keyFormat";
import { nonceDigest } from "../../../server/store/nonces";
import { randomBytes } from "node:crypto";
import { startTestServer, type Credential, type TestServer } from "../../helpers/server";
import {
  assertError,
  auditEntries,
  HOUR,
  inProcess,
  MINUTE,
  ok,
  raw,
  rd,
  signed,
  unauthorizedBody,
  VALIDATE,
} from "../support";

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
      "SELECT 1 AS x FROM nonces WHERE key_id = ? AND digest = ?",
      [adv.id, nonceDigest(nonce)],
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
