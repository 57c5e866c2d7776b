/**
 * The store contract, on both stores (see support.ts): Scope definitions, entity scopes and which
 * principals exist.
 */
import * as assert from "node:assert/strict";
import { canonicalScope } from "../../../sdk/contract";
import { UniqueViolation, type Store } from "../../../server/store/store";
import { DB_KINDS } from "../../helpers/server";
import { T0, group, key, noRole, user, freshStoreEachCase } from "./support";

for (const kind of DB_KINDS) {
  describe(`store contract (${kind})`, () => {
    let s: Store;
    freshStoreEachCase(kind, (store) => (s = store));

    describe("scopes", () => {
      const def = (scopeId: string, name: string) => ({
        scopeId,
        name,
        description: null,
        areas: canonicalScope({ assets: { mode: "scope", asset_group_ids: [3, 1] } }),
        createdBy: "t",
        createdTs: T0,
        updatedTs: null,
      });

      it("creates, finds, lists, updates and deletes scope definitions", async () => {
        await s.createScopeDefinition(def("s1", "One"));
        await s.createScopeDefinition(def("s2", "Two"));
        await assert.rejects(s.createScopeDefinition(def("s3", "one")), UniqueViolation);
        assert.deepEqual((await s.findScopeDefinition("ONE"))!.areas.assets, {
          mode: "scope",
          asset_group_ids: [1, 3],
        });
        assert.equal((await s.findScopeDefinition("s2"))!.name, "Two");
        const page = await s.listScopeDefinitions(1, 1);
        assert.deepEqual(
          page.rows.map((d) => d.scopeId),
          ["s2"],
        );
        assert.equal(page.total, 2);
        assert.equal(
          await s.updateScopeDefinition("s1", {
            name: "Uno",
            areas: canonicalScope({ assets: { mode: "see_all" } }),
            now: T0 + 1,
          }),
          true,
        );
        assert.equal((await s.findScopeDefinition("uno"))!.updatedTs, T0 + 1);
        assert.equal(await s.updateScopeDefinition("nope", { name: "x", now: T0 }), false);
        await s.createUser(user("u@example.com"), noRole(), []);
        await s.putEntityScope("user", "u@example.com", { scopeDefinitionId: "s1" }, T0);
        assert.equal(await s.deleteScopeDefinition("s1"), "in_use");
        assert.deepEqual(await s.scopeDefinitionUsers("s1"), [
          { entityType: "user", entityId: "u@example.com" },
        ]);
        assert.equal(await s.deleteScopeDefinition("s2"), "deleted");
        assert.equal(await s.deleteScopeDefinition("s2"), "not_found");
      });

      it("sets, points, replaces and removes entity scopes", async () => {
        await s.createScopeDefinition(def("s1", "One"));
        const k = await key(s);
        await s.putEntityScope(
          "api-key",
          String(k),
          { areas: canonicalScope({ cases_issues: { mode: "see_all" } }) },
          T0,
        );
        let e = (await s.getEntityScope("api-key", String(k)))!;
        assert.equal(e.scopeDefinitionId, null);
        assert.equal(e.areas.cases_issues.mode, "see_all");
        await s.putEntityScope("api-key", String(k), { scopeDefinitionId: "s1" }, T0 + 1);
        e = (await s.getEntityScope("api-key", String(k)))!;
        assert.equal(e.scopeDefinitionId, "s1");
        assert.deepEqual(
          e.areas.assets.asset_group_ids,
          [1, 3],
          "a pointer reads the definition's areas",
        );
        assert.equal(e.updatedTs, T0 + 1);
        await s.updateScopeDefinition("s1", {
          areas: canonicalScope({ assets: { mode: "see_all" } }),
          now: T0,
        });
        assert.equal(
          (await s.getEntityScope("api-key", String(k)))!.areas.assets.mode,
          "see_all",
          "and follows it",
        );
        await s.putEntityScope("api-key", String(k), null, T0);
        assert.equal(await s.getEntityScope("api-key", String(k)), undefined);
        assert.equal((await s.getKey(k))!.hasScope, false);
      });

      it("tells which principals exist", async () => {
        const k = await key(s);
        await s.createUser(user("u@example.com"), noRole(), []);
        await s.createGroup(group("g", "G"), noRole(), [], []);
        assert.equal(await s.principalExists("api-key", String(k)), true);
        assert.equal(await s.principalExists("api-key", "abc"), false);
        assert.equal(await s.principalExists("api-key", "0"), false);
        assert.equal(await s.principalExists("user", "u@example.com"), true);
        assert.equal(await s.principalExists("user", "x@example.com"), false);
        assert.equal(await s.principalExists("user-group", "g"), true);
        assert.equal(await s.principalExists("user-group", "h"), false);
      });
    });
  });
}
