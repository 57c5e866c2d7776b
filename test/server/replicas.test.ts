/**
 * Two servers on one PostgreSQL database behave as one service: a nonce used on one is refused
 * on the other, a revocation on one is honoured by the other within a second (its cache polls
 * the revision counter), a binding made on one is effective on the other, and failed
 * authentications count once for the service, not once per replica. The test polls for
 * propagation; it never sleeps longer than that needs.
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { generateKeyValue } from "../../server/crypto/keyFormat";
import { startTestServer, type TestServer } from "../helpers/server";
import { assertError, ok, pollUntil, raw, rd, signed } from "./support";

const VALIDATE = "/public_api/v1/api_keys/validate";

describe("two servers on one PostgreSQL database", () => {
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    a = await startTestServer({ db: "postgres" });
    b = await startTestServer({ dbUrl: a.dbUrl, keyring: a.keyring });
    assert.equal(b.running.bootstrap.created, false, "only the first replica bootstraps");
    b.admin = a.admin;
  });
  after(async () => {
    await b.close();
    await a.close();
  });

  it("authenticates a key minted on one replica on the other", async () => {
    const k = await a.createKey({ level: "advanced" });
    assert.equal((await b.call("POST", VALIDATE, rd(), { as: k })).status, 200);
  });

  it("refuses on one replica a nonce used on the other", async () => {
    const k = await a.createKey({ level: "advanced" });
    const h = signed(k, Date.now());
    assert.equal((await a.call("POST", VALIDATE, rd(), { as: null, headers: h })).status, 200);
    const replay = await b.call("POST", VALIDATE, rd(), { as: null, headers: h });
    assert.equal(replay.status, 401);
    // Through verify as well: the nonce table is the database's.
    const v = ok(
      await b.call("POST", "/public_api/v1/auth/verify", rd({ headers: h }), { as: a.admin }),
    ).reply;
    assert.equal(v.reason, "REPLAYED");
  });

  it("accepts the same Advanced request on only one replica when both get it at once", async () => {
    const k = await a.createKey({ level: "advanced" });
    const h = signed(k, Date.now());
    const results = await Promise.all(
      [a, b, a, b].map((s) => s.call("POST", VALIDATE, rd(), { as: null, headers: h })),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 401, 401, 401]);
  });

  for (const how of ["revoked", "deleted"] as const) {
    it(`refuses on the other replica within 1 s a key ${how} on one`, async () => {
      const k = await a.createKey();
      // Warm the other replica's cache with the key.
      assert.equal((await b.call("POST", VALIDATE, rd(), { as: k })).status, 200);
      assert.equal((await b.call("POST", VALIDATE, rd(), { as: k })).status, 200);
      const path =
        how === "revoked" ? "/public_api/v1/api_keys/revoke" : "/public_api/v1/api_keys/delete";
      ok(
        await a.call(
          "POST",
          path,
          rd({ filters: [{ field: "id", operator: "in", value: [k.id] }] }),
        ),
      );
      assert.equal(
        (await a.call("POST", VALIDATE, rd(), { as: k })).status,
        401,
        "at once on the replica that wrote",
      );
      const ms = await pollUntil(
        async () =>
          (await b.call("POST", VALIDATE, rd(), { as: null, headers: raw(k) })).status === 401,
        1000,
        20,
      );
      assert.ok(ms < 1000, `took ${ms} ms`);
    });
  }

  it("makes a binding created on one replica effective on the other", async () => {
    const k = await a.createKey({ roles: ["Viewer"] });
    assertError(
      "/platform/iam",
      await b.call("GET", "/platform/iam/v1/settings", undefined, { as: k }),
      403,
      "FORBIDDEN",
    );
    const binding = ok(
      await a.call(
        "POST",
        "/platform/iam/v1/role-binding",
        rd({ principal_type: "api-key", principal_id: String(k.id), role: "Security Admin" }),
      ),
      201,
    ).data;
    const ms = await pollUntil(
      async () =>
        (await b.call("GET", "/platform/iam/v1/settings", undefined, { as: k })).status === 200,
      1000,
      20,
    );
    assert.ok(ms < 1000, `took ${ms} ms`);
    // And its removal on the other replica is honoured back on the first.
    ok(
      await b.call("DELETE", `/platform/iam/v1/role-binding/${binding.binding_id}`, undefined, {
        as: a.admin,
      }),
    );
    await pollUntil(
      async () =>
        (await a.call("GET", "/platform/iam/v1/settings", undefined, { as: k })).status === 403,
      1000,
      20,
    );
  });

  it("applies settings changed on one replica on the other (the replay window)", async () => {
    const k = await a.createKey({ level: "advanced" });
    ok(await a.call("PUT", "/platform/iam/v1/settings", rd({ replay_window_ms: 10_000 })));
    try {
      await pollUntil(
        async () =>
          (
            await b.call("POST", VALIDATE, rd(), {
              as: null,
              headers: signed(k, Date.now() - 60_000),
            })
          ).status === 401,
        1000,
        20,
      );
    } finally {
      ok(await a.call("PUT", "/platform/iam/v1/settings", rd({ replay_window_ms: 300_000 })));
    }
  });

  it("shares one Idempotency-Key record", async () => {
    const body = rd({ roles: ["Viewer"], security_level: "standard", comment: "replicas" });
    const h = { "idempotency-key": "replicated" };
    const [x, y] = await Promise.all([
      a.call("POST", "/public_api/v1/api_keys/generate", body, { headers: h }),
      b.call("POST", "/public_api/v1/api_keys/generate", body, { headers: h, as: a.admin }),
    ]);
    // One minted the key; the other answered from the shared record, which holds the id and the
    // key (the new row, `api_key`, comes only with the reply that minted it).
    const stored = (r: { id: number; key: string }) => ({ id: r.id, key: r.key });
    assert.deepEqual(stored(ok(x).reply), stored(ok(y).reply));
    assert.equal([ok(x).reply, ok(y).reply].filter((r) => r.api_key).length, 1);
  });
});

describe("two servers on one PostgreSQL database: failure rate limits", () => {
  let a: TestServer;
  let b: TestServer;
  const rateLimit = { perKeyId: 3, perAddress: 1000, windowMs: 60_000 };
  before(async () => {
    a = await startTestServer({ db: "postgres", options: { rateLimit } });
    b = await startTestServer({ dbUrl: a.dbUrl, keyring: a.keyring, options: { rateLimit } });
    b.admin = a.admin;
  });
  after(async () => {
    await b.close();
    await a.close();
  });

  it("counts failures spread over both replicas once: the limit holds for the service", async () => {
    const k = await a.createKey();
    const wrong = raw({ id: k.id, key: generateKeyValue(randomBytes) });
    // Two failures on each replica: under the limit of 3 on either alone, 4 for the service.
    for (const s of [a, b, a, b])
      assert.equal(
        (await s.call("POST", VALIDATE, rd(), { as: null, headers: wrong })).status,
        401,
      );
    const rows = await a.running.store.driver.all<{ n: number }>(
      "SELECT n FROM auth_failures WHERE subject = ?",
      [`keyId:${k.id}`],
    );
    assert.deepEqual(
      rows.map((r) => Number(r.n)),
      [4],
    );
    for (const s of [a, b])
      assertError(
        VALIDATE,
        await s.call("POST", VALIDATE, rd(), { as: null, headers: wrong }),
        429,
        "RATE_LIMITED",
      );
    // The right key is never locked out by others' failures.
    for (const s of [a, b]) ok(await s.call("POST", VALIDATE, rd(), { as: k }));
  });

  it("lets a replica that has seen no failure learn the block at its first one", async () => {
    const k = await a.createKey();
    const wrong = raw({ id: k.id, key: generateKeyValue(randomBytes) });
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await a.call("POST", VALIDATE, rd(), { as: null, headers: wrong })).status,
        401,
      );
    assertError(
      VALIDATE,
      await a.call("POST", VALIDATE, rd(), { as: null, headers: wrong }),
      429,
      "RATE_LIMITED",
    );
    // b has its own copy of the counts: one more failure there tells it the service's total.
    assert.equal((await b.call("POST", VALIDATE, rd(), { as: null, headers: wrong })).status, 401);
    assertError(
      VALIDATE,
      await b.call("POST", VALIDATE, rd(), { as: null, headers: wrong }),
      429,
      "RATE_LIMITED",
    );
  });
});
