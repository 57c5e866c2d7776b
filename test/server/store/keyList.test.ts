/**
 * The store contract, on both stores (see support.ts): the key list by id, which has a statement
 * of its own (server/store/keyList.ts, `listOne`): the same page, counts and records as the
 * general list query and as getKey, for keys of every shape.
 */
import * as assert from "node:assert/strict";
import { canonicalScope } from "../../../sdk/contract";
import type { Store } from "../../../server/store/store";
import { DB_KINDS } from "../../helpers/server";
import { DAY, T0, key, freshStoreEachCase, scopeDefinition } from "./support";

for (const kind of DB_KINDS) {
  describe(`store contract (${kind}): the key list by id`, () => {
    let s: Store;
    freshStoreEachCase(kind, (store) => (s = store));

    it("lists one key by id (its own statement) as the general list and getKey show it", async () => {
      await scopeDefinition(s, "sd1");
      const plain = await key(s, { roles: [] });
      const many = await key(s, {
        roles: ["viewer", "investigator", "security_admin"],
        comment: "three roles",
        expiration: T0 + DAY,
      });
      const inline = await key(s, { roles: ["investigator"], level: "advanced" });
      await s.putEntityScope(
        "api-key",
        String(inline),
        { areas: canonicalScope({ cases_issues: { mode: "see_all" } }) },
        T0,
      );
      const named = await key(s, { roles: [], comment: "named scope" });
      await s.putEntityScope("api-key", String(named), { scopeDefinitionId: "sd1" }, T0);
      const revoked = await key(s, { roles: ["viewer"] });
      await s.revokeKeys([revoked], T0 + 5);
      const retiring = await key(s, { roles: ["viewer"], expiration: T0 + 10 * DAY });
      assert.equal(await s.retireKey(retiring, T0 + DAY, T0), "retiring");
      await s.touchLastUsed([[many, T0 + 7]]);
      const total = await s.countKeys();
      for (const id of [plain, many, inline, named, revoked, retiring, retiring + 100]) {
        const byId = (value: number[], more: object = {}) =>
          s.listKeys({
            filters: [{ field: "id", operator: "in", value }],
            offset: 0,
            limit: 100,
            now: T0,
            ...more,
          });
        const one = await byId([id]);
        const k = await s.getKey(id);
        assert.deepEqual(one.rows, k ? [k] : [], `key ${id}`);
        assert.equal(one.filterCount, k ? 1 : 0, `key ${id}`);
        assert.equal(one.totalCount, total, `key ${id}: counted when not given`);
        // The id twice takes the general page query: the same page and counts.
        assert.deepEqual(await byId([id, id]), one, `key ${id}`);
        assert.deepEqual(await byId([id], { limit: 1 }), one, `key ${id}, limit 1`);
        assert.equal((await byId([id], { totalCount: 12345 })).totalCount, 12345);
        const sorted = { sort: { field: "comment", keyword: "desc" as const } };
        assert.deepEqual(await byId([id], sorted), one, `key ${id}, sorted`);
        // Past the first page, or an empty one, there is no row.
        const later = await byId([id], { offset: 1 });
        assert.deepEqual(later.rows, [], `key ${id}, offset 1`);
        assert.equal(later.filterCount, k ? 1 : 0, `key ${id}, offset 1`);
        assert.deepEqual((await byId([id], { limit: 0 })).rows, [], `key ${id}, limit 0`);
      }
      const three = (await s.getKey(many))!;
      assert.deepEqual(three.roleNames, ["Investigator", "Security Admin", "Viewer"]);
      assert.equal(three.lastUsed, T0 + 7);
      assert.equal((await s.getKey(named))!.scopeDefinitionId, "sd1");
      assert.equal((await s.getKey(retiring))!.retiring, true);
    });
  });
}
