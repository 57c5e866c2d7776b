/**
 * Rate limiting of failed authentications: per key id, per client address, per verifying service,
 * and never a lockout of the right key.
 */
import * as assert from "node:assert/strict";
import { generateKeyValue } from "../../../server/crypto/keyFormat";
import { randomBytes } from "node:crypto";
import { startTestServer, type TestServer } from "../../helpers/server";
import { assertError, MINUTE, ok, raw, rd, VALIDATE } from "../support";

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
