/**
 * The Standard fast path: a key value that passed the keyed-hash check is recognised by its
 * digest on later requests, from its cache entry only. Every request is still checked (a wrong
 * value for the same id is refused, before and after), revocation and expiry still end the key
 * at once, and a write drops what was proven with the entry.
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { generateKeyValue } from "../../server/crypto/keyFormat";
import type { AuthOutcome } from "../../server/auth/authenticate";
import { startTestServer, type Credential, type TestServer } from "../helpers/server";
import { HOUR, ok, raw, rd } from "./support";

describe("a Standard key that proved itself", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ fakeClock: Date.UTC(2026, 5, 1, 12, 0, 0) });
  });
  after(() => t.close());

  const auth = (c: { id: number; key: string }): Promise<AuthOutcome> => {
    const h = raw(c);
    return t.running.app.services.authenticator.authenticate((n) => h[n], "127.0.0.1");
  };
  const reasonOf = (o: AuthOutcome) => (o.ok ? "ok" : o.reason);

  it("is still checked on every request: the same value passes, any other is refused", async () => {
    const k = await t.createKey({ level: "standard" });
    const wrongButWellFormed = generateKeyValue(randomBytes);
    const oneCharOff = k.key.slice(0, -1) + (k.key.endsWith("A") ? "B" : "A");
    assert.equal(reasonOf(await auth(k)), "ok");
    assert.equal(reasonOf(await auth(k)), "ok", "the proven value, by its digest");
    assert.equal(reasonOf(await auth({ id: k.id, key: wrongButWellFormed })), "NOT_FOUND");
    assert.equal(reasonOf(await auth({ id: k.id, key: oneCharOff })), "NOT_FOUND");
    assert.equal(reasonOf(await auth({ id: k.id, key: "" })), "MALFORMED");
    assert.equal(reasonOf(await auth(k)), "ok", "a wrong try does not spoil the right key");
  });

  it("is refused at once when it expires or is revoked", async () => {
    const expiring = await t.createKey({ expiration: t.clock.now() + HOUR });
    const revoked = await t.createKey();
    for (const k of [expiring, revoked]) {
      assert.equal(reasonOf(await auth(k)), "ok");
      assert.equal(reasonOf(await auth(k)), "ok");
    }
    t.fake!.advance(HOUR);
    assert.equal(reasonOf(await auth(expiring)), "EXPIRED");
    ok(
      await t.call(
        "POST",
        "/public_api/v1/api_keys/revoke",
        rd({ filters: [{ field: "id", operator: "in", value: [revoked.id] }] }),
      ),
    );
    assert.equal(reasonOf(await auth(revoked)), "REVOKED");
    // Over HTTP too, the revoked key's next request is a 401.
    assert.equal(
      (await t.call("POST", "/public_api/v1/api_keys/validate", rd(), { as: revoked })).status,
      401,
    );
  });

  it("is proven on its cache entry only: after any write the stored hash is checked again", async () => {
    const k: Credential = await t.createKey();
    const cache = t.running.app.services.cache;
    assert.equal(reasonOf(await auth(k)), "ok");
    const entry = (await cache.key(k.id))!;
    assert.ok(entry.isProven(k.key), "the entry remembers the value that passed");
    assert.ok(!entry.isProven(generateKeyValue(randomBytes)), "and no other");
    // A write: the cache is dropped (an edit; a generate keeps it: see invalidation.test.ts).
    ok(await t.call("PUT", `/platform/iam/v1/api-key/${k.id}`, rd({ comment: "w" })));
    const fresh = (await cache.key(k.id))!;
    assert.notEqual(fresh, entry, "a new entry after the write");
    assert.ok(!fresh.isProven(k.key), "which has proven nothing yet");
    assert.equal(reasonOf(await auth(k)), "ok");
    assert.ok(fresh.isProven(k.key));
  });

  it("hands handlers a principal without the digest", async () => {
    const k = await t.createKey();
    await auth(k);
    const out = await auth(k);
    assert.ok(out.ok);
    const p = out.principal as unknown as Record<string, unknown>;
    assert.ok(!("proven" in p) && !("secretHash" in p), Object.keys(p).join(", "));
  });
});
