/**
 * One cache-invalidation rule (server/http/invalidate.ts): once the handler of a write (a route
 * needing view_edit) has run, whatever its outcome, this replica's auth cache is dropped; reads
 * and refusals before the handler drop nothing; a generate or a delete of keys that succeeded
 * drops only what it changed (the keys its answer names: cache.keysWritten). The revision poll is set to an hour here, so
 * only the rule can explain what a test sees.
 */
import * as assert from "node:assert/strict";
import { ROUTES, type RouteDef } from "../../sdk/contract";
import { startTestServer, type TestServer } from "../helpers/server";
import { assertError, ok, rd } from "./support";

describe("auth cache invalidation after writes", () => {
  let t: TestServer;
  let drops = 0;
  before(async () => {
    t = await startTestServer({ options: { pollMs: 3_600_000 } });
    const cache = t.running.app.services.cache;
    const original = cache.invalidate.bind(cache);
    // Counts the real method's calls (it still runs).
    cache.invalidate = () => {
      drops++;
      original();
    };
  });
  after(() => t.close());

  const counted = async (f: () => Promise<unknown>) => {
    const before = drops;
    await f();
    return drops - before;
  };

  it("makes a revocation bite at once, without waiting for the revision poll", async () => {
    const k = await t.createKey({ roles: ["Viewer"] });
    ok(await t.call("POST", "/public_api/v1/api_keys/validate", undefined, { as: k }));
    ok(
      await t.call(
        "POST",
        "/public_api/v1/api_keys/revoke",
        rd({ filters: [{ field: "id", operator: "in", value: [k.id] }] }),
      ),
    );
    assertError(
      "/public_api",
      await t.call("POST", "/public_api/v1/api_keys/validate", undefined, { as: k }),
      401,
      "UNAUTHORIZED",
    );
  });

  it("drops the cache after a write whose handler failed (a 404 from the handler)", async () => {
    const n = await counted(async () =>
      assertError(
        "/platform/iam",
        await t.call("DELETE", "/platform/iam/v1/role/no-such-role"),
        404,
      ),
    );
    assert.equal(n, 1);
  });

  it("drops nothing for reads, nor for writes refused before their handler", async () => {
    const viewer = await t.createKey({ roles: ["Viewer"] });
    assert.equal(
      await counted(async () => ok(await t.call("GET", "/platform/iam/v1/role"))),
      0,
      "a read",
    );
    assert.equal(
      await counted(async () =>
        ok(await t.call("POST", "/public_api/v1/api_keys/get_api_keys", rd())),
      ),
      0,
      "a read sent as POST",
    );
    assert.equal(
      await counted(async () =>
        assertError(
          "/platform/iam",
          await t.call("DELETE", "/platform/iam/v1/role/x", undefined, { as: viewer }),
          403,
        ),
      ),
      0,
      "a 403",
    );
    assert.equal(
      await counted(async () =>
        assertError(
          "/platform/iam",
          await t.call("DELETE", "/platform/iam/v1/role/x", undefined, { as: null }),
          401,
        ),
      ),
      0,
      "a 401",
    );
    assert.equal(
      await counted(async () =>
        assertError("/platform/iam", await t.call("POST", "/platform/iam/v1/role", rd({})), 400),
      ),
      0,
      "a body the contract refuses",
    );
  });

  it("keeps the cache after a generate, which changes no cached entry: only the counts and a remembered miss of the new id go", async () => {
    const cache = t.running.app.services.cache;
    ok(await t.call("POST", "/public_api/v1/api_keys/validate"));
    const admin = await cache.key(t.admin.id);
    const next = (await t.createKey()).id + 1;
    assert.equal(await cache.key(next), null, "a miss, remembered");
    const total = await cache.totalKeys();
    let made = 0;
    assert.equal(await counted(async () => (made = (await t.createKey()).id)), 0);
    assert.equal(made, next);
    assert.equal(await cache.key(t.admin.id), admin, "the caller's entry stays");
    assert.ok(await cache.key(next), "the new key is found");
    assert.equal(await cache.totalKeys(), total + 1);
    // A generate that fails in its handler (a scope definition that does not exist) drops it all.
    const refused = await counted(async () =>
      assertError(
        "/public_api",
        await t.call(
          "POST",
          "/public_api/v1/api_keys/generate",
          rd({
            roles: ["Viewer"],
            security_level: "standard",
            scope: { scope_definition_id: "sd-none" },
          }),
        ),
        400,
      ),
    );
    assert.equal(refused, 1);
  });

  it("keeps the cache after a delete of keys: only the deleted keys' entries and the counts go", async () => {
    const cache = t.running.app.services.cache;
    ok(await t.call("POST", "/public_api/v1/api_keys/validate"));
    const [gone, kept] = [await t.createKey(), await t.createKey()];
    for (const k of [gone, kept])
      ok(await t.call("POST", "/public_api/v1/api_keys/validate", undefined, { as: k }));
    const admin = await cache.key(t.admin.id);
    const keptEntry = await cache.key(kept.id);
    assert.ok(keptEntry);
    const total = await cache.totalKeys();
    const del = (ids: number[]) =>
      t.call(
        "POST",
        "/public_api/v1/api_keys/delete",
        rd({ filters: [{ field: "id", operator: "in", value: ids }] }),
      );
    assert.equal(await counted(async () => ok(await del([gone.id]))), 0);
    assert.equal(await cache.key(t.admin.id), admin, "the caller's entry stays");
    assert.equal(await cache.key(kept.id), keptEntry, "another key's entry stays");
    assert.equal(await cache.key(gone.id), null, "the deleted key is gone from the cache");
    assert.equal(await cache.totalKeys(), total - 1);
    assertError(
      "/public_api",
      await t.call("POST", "/public_api/v1/api_keys/validate", undefined, { as: gone }),
      401,
      "UNAUTHORIZED",
    );
    // A delete its handler refuses (the last admin key) drops it all.
    assert.equal(await counted(async () => assert.ok((await del([t.admin.id])).status >= 400)), 1);
  });

  it("does not cache what a load in flight read when the key's entry is dropped meanwhile", async () => {
    const { cache, store } = t.running.app.services;
    const k = await t.createKey();
    const inFlight = cache.key(k.id);
    cache.keysWritten([k.id]);
    assert.ok(await inFlight, "the load saw the key");
    // Gone behind the cache's back: only a load after keysWritten can see that.
    await store.deleteKeys([k.id]);
    assert.equal(await cache.key(k.id), null);
  });

  it("classifies every route of the table: the writes are exactly those needing view_edit", () => {
    const writes = (ROUTES as readonly RouteDef[])
      .filter((r) => r.permission?.level === "view_edit")
      .map((r) => r.id);
    for (const id of [
      "apiKeys.generate",
      "apiKeys.edit",
      "apiKeys.revoke",
      "roles.update",
      "bindings.delete",
      "settings.update",
      "scopes.put",
    ])
      assert.ok(writes.includes(id), id);
    for (const r of ROUTES as readonly RouteDef[])
      if (r.method === "GET") assert.ok(!writes.includes(r.id), `${r.id} is a read`);
  });
});
