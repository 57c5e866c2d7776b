/**
 * The store contract, on both stores (see support.ts): API keys: create (and its rollback), get,
 * list with every filter, sort and paging, update, delete, revoke, last used, expiry queries.
 */
import * as assert from "node:assert/strict";
import { canonicalScope, type KeyFilter } from "../../../sdk/contract";
import type { Store } from "../../../server/store/store";
import { DB_KINDS } from "../../helpers/server";
import { ADV, DAY, T0, bid, key, freshStoreEachCase, scopeDefinition } from "./support";

for (const kind of DB_KINDS) {
  describe(`store contract (${kind})`, () => {
    let s: Store;
    freshStoreEachCase(kind, (store) => (s = store));

    describe("api keys", () => {
      it("creates a key with its role bindings and scope, and reads it back", async () => {
        const id = await s.createKey({
          securityLevel: "advanced",
          secret: (n) => ({ ...ADV, secretEnc: `enc-for-${n}` }),
          comment: "c",
          expiration: T0 + DAY,
          createdAt: T0,
          createdBy: "Public API - 1",
          userName: "u",
          creatorKeyId: 1,
          roleIds: ["investigator", "viewer"],
          bindingIds: [bid(), bid()],
          scope: { areas: canonicalScope({ assets: { mode: "see_all" } }) },
        });
        const k = (await s.getKey(id))!;
        assert.equal(k.securityLevel, "advanced");
        assert.equal(k.comment, "c");
        assert.equal(k.expiration, T0 + DAY);
        assert.equal(k.createdAt, T0);
        assert.equal(k.createdBy, "Public API - 1");
        assert.equal(k.userName, "u");
        assert.equal(k.status, "active");
        assert.deepEqual(k.roleIds, ["investigator", "viewer"]);
        assert.deepEqual(k.roleNames, ["Investigator", "Viewer"]);
        assert.equal(k.hasScope, true);
        const auth = (await s.getKeyAuth(id))!;
        assert.equal(auth.secretEnc, `enc-for-${id}`, "the secret is computed from the new id");
        assert.equal(auth.masterKeyId, "mk-1");
        assert.deepEqual((await s.roleIdsOf("api-key", String(id))).sort(), [
          "investigator",
          "viewer",
        ]);
        assert.equal((await s.getEntityScope("api-key", String(id)))!.areas.assets.mode, "see_all");
        assert.equal(await s.getKey(id + 100), undefined);
        assert.equal(await s.getKeyAuth(id + 100), undefined);
      });

      it("rolls the whole creation back when a part fails (an unknown role)", async () => {
        const before = await s.countKeys();
        await assert.rejects(key(s, { roles: ["no_such_role"] }));
        assert.equal(await s.countKeys(), before);
      });

      it("lists keys with every filter, in SQL", async () => {
        const a = await key(s, {
          roles: ["viewer"],
          comment: "Alpha",
          expiration: T0 + 10 * DAY,
          createdAt: T0,
        });
        const b = await key(s, {
          roles: ["investigator"],
          level: "advanced",
          comment: "beta_x",
          expiration: T0 + 20 * DAY,
          createdAt: T0 + 1,
        });
        const c = await key(s, {
          roles: ["viewer", "investigator"],
          comment: null,
          createdAt: T0 + 2,
          createdBy: "Public API - 9",
        });
        const d = await key(s, {
          roles: ["security_admin"],
          comment: "100%",
          expiration: T0 - 1,
          createdAt: T0 + 3,
        });
        await s.revokeKeys([c], T0);
        const ids = async (filters: KeyFilter[]) =>
          (await s.listKeys({ filters, offset: 0, limit: 100, now: T0 })).rows.map((k) => k.id);
        const cases: Array<[string, KeyFilter[], number[]]> = [
          ["id in", [{ field: "id", operator: "in", value: [b, d, 999] }], [b, d]],
          ["id in nothing", [{ field: "id", operator: "in", value: [] }], []],
          [
            "expiration gte (never counts as later)",
            [{ field: "expiration", operator: "gte", value: T0 + 15 * DAY }],
            [b, c],
          ],
          [
            "expiration lte",
            [{ field: "expiration", operator: "lte", value: T0 + 10 * DAY }],
            [a, d],
          ],
          [
            "creation_time gte",
            [{ field: "creation_time", operator: "gte", value: T0 + 2 }],
            [c, d],
          ],
          [
            "creation_time lte",
            [{ field: "creation_time", operator: "lte", value: T0 + 1 }],
            [a, b],
          ],
          [
            "roles contains a name",
            [{ field: "roles", operator: "contains", value: ["INVESTIGATOR"] }],
            [b, c],
          ],
          [
            "roles contains an id",
            [{ field: "roles", operator: "contains", value: ["security_admin"] }],
            [d],
          ],
          [
            "security_level",
            [{ field: "security_level", operator: "in", value: ["advanced"] }],
            [b],
          ],
          [
            "comment contains, case-insensitive",
            [{ field: "comment", operator: "contains", value: "ALPHA" }],
            [a],
          ],
          [
            "comment contains `_` literally",
            [{ field: "comment", operator: "contains", value: "a_" }],
            [b],
          ],
          [
            "comment contains `%` literally",
            [{ field: "comment", operator: "contains", value: "%" }],
            [d],
          ],
          ["created_by", [{ field: "created_by", operator: "in", value: ["Public API - 9"] }], [c]],
          ["status active", [{ field: "status", operator: "in", value: ["active"] }], [a, b]],
          ["status expired", [{ field: "status", operator: "in", value: ["expired"] }], [d]],
          ["status revoked", [{ field: "status", operator: "eq", value: ["revoked"] }], [c]],
          [
            "status active or revoked",
            [{ field: "status", operator: "in", value: ["active", "revoked"] }],
            [a, b, c],
          ],
          [
            "several filters ANDed",
            [
              { field: "roles", operator: "contains", value: ["viewer"] },
              { field: "status", operator: "in", value: ["active"] },
            ],
            [a],
          ],
          [
            "filters around a roles filter (the count has its own shape for roles)",
            [
              { field: "security_level", operator: "in", value: ["standard"] },
              { field: "roles", operator: "contains", value: ["viewer", "security_admin"] },
              { field: "created_by", operator: "in", value: ["Public API - 1", "Public API - 9"] },
            ],
            [a, c, d],
          ],
        ];
        for (const [name, filters, want] of cases) {
          assert.deepEqual(await ids(filters), want, name);
          // The filtered count, from its own query: a page of one, starting at the second row.
          const counted = await s.listKeys({ filters, offset: 1, limit: 1, now: T0 });
          assert.equal(counted.filterCount, want.length, `${name}: FILTER_COUNT`);
        }
        const res = await s.listKeys({
          filters: [{ field: "roles", operator: "contains", value: ["viewer"] }],
          offset: 0,
          limit: 1,
          now: T0,
        });
        assert.equal(res.rows.length, 1);
        assert.equal(res.filterCount, 2);
        assert.equal(res.totalCount, 4);
      });

      it("sorts by every sort field both ways (nulls last ascending, first descending) and pages", async () => {
        const ids: number[] = [];
        for (let i = 0; i < 6; i++) {
          ids.push(
            await key(s, {
              comment: i % 3 === 0 ? null : `c${5 - i}`,
              expiration: i % 2 === 0 ? null : T0 + i * DAY,
              createdAt: T0 + ((i * 7) % 6),
              level: i % 2 ? "advanced" : "standard",
              roles: [["viewer"], ["investigator"], ["security_admin"]][i % 3]!,
            }),
          );
        }
        await s.touchLastUsed([
          [ids[2]!, T0 + 5],
          [ids[4]!, T0 + 3],
        ]);
        const all = (await s.listKeys({ filters: [], offset: 0, limit: 100, now: T0 })).rows;
        const value: Record<string, (k: (typeof all)[number]) => unknown> = {
          id: (k) => k.id,
          creation_time: (k) => k.createdAt,
          expiration: (k) => k.expiration,
          security_level: (k) => k.securityLevel,
          comment: (k) => (k.comment ?? "").toLowerCase(),
          roles: (k) =>
            k.roleNames
              .map((n) => n.toLowerCase())
              .sort()
              .join(","),
          last_used: (k) => k.lastUsed,
        };
        for (const [field, get] of Object.entries(value)) {
          for (const keyword of ["asc", "desc"] as const) {
            const rows = (
              await s.listKeys({
                filters: [],
                sort: { field, keyword },
                offset: 0,
                limit: 100,
                now: T0,
              })
            ).rows;
            const vals = rows.map(get);
            for (let i = 1; i < vals.length; i++) {
              const [x, y] = [vals[i - 1], vals[i]];
              if (x === null || y === null) {
                assert.ok(
                  keyword === "asc" ? y === null : x === null,
                  `${field} ${keyword}: nulls misplaced ${JSON.stringify(vals)}`,
                );
                continue;
              }
              assert.ok(
                keyword === "asc" ? (x as number) <= (y as number) : (x as number) >= (y as number),
                `${field} ${keyword}: ${JSON.stringify(vals)}`,
              );
              if (x === y)
                assert.ok(
                  keyword === "asc" ? rows[i - 1]!.id < rows[i]!.id : rows[i - 1]!.id > rows[i]!.id,
                  "ties break by id",
                );
            }
            const page = (
              await s.listKeys({
                filters: [],
                sort: { field, keyword },
                offset: 2,
                limit: 3,
                now: T0,
              })
            ).rows;
            assert.deepEqual(
              page.map((k) => k.id),
              rows.slice(2, 5).map((k) => k.id),
              `${field} ${keyword} page`,
            );
          }
        }
      });

      it("lists each key with all its roles and its scope, whatever the sort and the page", async () => {
        await scopeDefinition(s, "sd1");
        const shapes: { roles: string[]; scope?: "inline" | "sd1" }[] = [
          { roles: [] },
          { roles: ["viewer"] },
          { roles: ["viewer", "investigator", "security_admin"], scope: "inline" },
          { roles: ["investigator"], scope: "sd1" },
          { roles: ["security_admin", "viewer"] },
          { roles: [], scope: "sd1" },
          { roles: ["investigator", "viewer"], scope: "inline" },
        ];
        for (const [i, x] of shapes.entries()) {
          const id = await key(s, {
            roles: x.roles,
            comment: `c${i % 3}`,
            createdAt: T0 + (i % 2),
          });
          if (x.scope === "inline")
            await s.putEntityScope(
              "api-key",
              String(id),
              { areas: canonicalScope({ cases_issues: { mode: "see_all" } }) },
              T0,
            );
          if (x.scope === "sd1")
            await s.putEntityScope("api-key", String(id), { scopeDefinitionId: "sd1" }, T0);
        }
        for (const field of ["id", "comment", "roles", "creation_time"]) {
          for (const keyword of ["asc", "desc"] as const) {
            for (const filters of [[], [{ field: "roles", value: ["viewer"] }]] as KeyFilter[][]) {
              const q = { filters, sort: { field, keyword }, now: T0 };
              const all = await s.listKeys({ ...q, offset: 0, limit: 100 });
              const what = `${field} ${keyword} ${filters.length ? "viewer" : "all"}`;
              assert.equal(all.rows.length, filters.length ? 4 : shapes.length, what);
              // The page counts keys, not a key's rows: pages of two add up to the whole list.
              const paged = [];
              for (let offset = 0; offset < all.rows.length; offset += 2) {
                const page = await s.listKeys({ ...q, offset, limit: 2 });
                assert.equal(page.filterCount, all.rows.length, what);
                paged.push(...page.rows);
              }
              assert.deepEqual(paged, all.rows, what);
              // Each as a single read of the key (its roles and scope queried apart) shows it.
              for (const k of all.rows) assert.deepEqual(k, await s.getKey(k.id), what);
            }
          }
        }
      });

      it("updates comment, expiration and the key's own roles, leaving other bindings alone", async () => {
        const id = await key(s, {
          roles: ["viewer", "investigator"],
          comment: "a",
          expiration: T0 + DAY,
        });
        await s.createBinding({
          bindingId: "rb-extra",
          principalType: "api-key",
          principalId: String(id),
          roleId: "key_verifier",
          owner: "binding",
          createdBy: "t",
          createdTs: T0,
        });
        assert.equal(
          await s.updateKey(id, {
            comment: null,
            expiration: null,
            roleIds: ["investigator", "security_admin"],
            bindingIds: [bid(), bid()],
            by: "t",
            now: T0,
          }),
          true,
        );
        const k = (await s.getKey(id))!;
        assert.equal(k.comment, null);
        assert.equal(k.expiration, null);
        assert.deepEqual(k.roleIds.sort(), ["investigator", "security_admin"]);
        assert.deepEqual((await s.roleIdsOf("api-key", String(id))).sort(), [
          "investigator",
          "key_verifier",
          "security_admin",
        ]);
        const bySort = await s.listKeys({
          filters: [{ field: "roles", operator: "contains", value: ["Security Admin"] }],
          offset: 0,
          limit: 10,
          now: T0,
        });
        assert.deepEqual(
          bySort.rows.map((r) => r.id),
          [id],
        );
        assert.equal(await s.updateKey(id, { comment: "only comment", by: "t", now: T0 }), true);
        assert.deepEqual((await s.getKey(id))!.roleIds.sort(), ["investigator", "security_admin"]);
        assert.equal(await s.updateKey(9999, { comment: "x", by: "t", now: T0 }), false);
      });

      it("deletes keys with their bindings, scope and nonces, counting those that existed", async () => {
        const a = await key(s);
        const b = await key(s);
        await s.putEntityScope("api-key", String(a), { areas: canonicalScope(undefined) }, T0);
        await s.recordNonce(a, "n1", T0);
        await s.createBinding({
          bindingId: "rb-x",
          principalType: "api-key",
          principalId: String(a),
          roleId: "investigator",
          owner: "binding",
          createdBy: "t",
          createdTs: T0,
        });
        assert.equal(await s.deleteKeys([a, 9999, a]), 1);
        assert.equal(await s.getKey(a), undefined);
        assert.deepEqual(await s.roleIdsOf("api-key", String(a)), []);
        assert.equal(await s.getEntityScope("api-key", String(a)), undefined);
        assert.equal(await s.recordNonce(a, "n1", T0), true, "its nonces went with it");
        assert.ok(await s.getKey(b));
        assert.equal(await s.deleteKeys([]), 0);
      });

      it("revokes active keys: status, time, secret material dropped; a second revoke counts 0", async () => {
        const a = await key(s, { level: "advanced" });
        const b = await key(s);
        assert.equal(await s.revokeKeys([a, b, 9999], T0 + 5), 2);
        const auth = (await s.getKeyAuth(a))!;
        assert.equal(auth.status, "revoked");
        assert.equal(auth.secretEnc, null);
        assert.equal((await s.getKeyAuth(b))!.secretHash, null);
        assert.equal((await s.getKey(a))!.revokedAt, T0 + 5);
        assert.equal(await s.revokeKeys([a], T0 + 6), 0);
        assert.deepEqual(
          (await s.allKeySecrets()).map((k) => k.id),
          [],
          "revoked keys have nothing to re-encrypt",
        );
      });

      it("keeps last_used moving forward only", async () => {
        const a = await key(s);
        await s.touchLastUsed([[a, T0 + 10]]);
        await s.touchLastUsed([[a, T0 + 5]]);
        assert.equal((await s.getKey(a))!.lastUsed, T0 + 10);
      });

      it("finds the active keys expiring in (from, to]", async () => {
        const a = await key(s, { expiration: T0 + DAY });
        const b = await key(s, { expiration: T0 + 2 * DAY });
        await key(s, { expiration: null });
        const c = await key(s, { expiration: T0 + DAY + 1 });
        await s.revokeKeys([c], T0);
        assert.deepEqual(await s.keysExpiringBetween(T0 + DAY - 1, T0 + 2 * DAY), [
          { id: a, expiration: T0 + DAY },
          { id: b, expiration: T0 + 2 * DAY },
        ]);
        assert.deepEqual(
          (await s.keysExpiringBetween(T0 + DAY, T0 + 2 * DAY)).map((k) => k.id),
          [b],
          "from is exclusive",
        );
      });
    });
  });
}
