/**
 * The store contract, on both stores (see support.ts): The audit log: filters, sort and paging.
 */
import * as assert from "node:assert/strict";
import type { Store } from "../../../server/store/store";
import { DB_KINDS } from "../../helpers/server";
import { T0, audit, freshStoreEachCase } from "./support";

for (const kind of DB_KINDS) {
  describe(`store contract (${kind})`, () => {
    let s: Store;
    freshStoreEachCase(kind, (store) => (s = store));

    describe("audit log", () => {
      it("lists entries with filters, sort and paging", async () => {
        await s.insertAudit(
          audit({
            ts: T0 + 1,
            entity: "ROLE",
            subtype: "create",
            ownerEmail: "a@example.com",
            userRoles: ["Viewer"],
            additional: { x: 1 },
          }),
        );
        await s.insertAudit(
          audit({ ts: T0 + 2, entity: "API_KEY", subtype: "delete", result: "FAIL", reason: "r" }),
        );
        await s.insertAudit(
          audit({ ts: T0 + 3, entity: "USER", subtype: "create", ownerName: "Public API - 2" }),
        );
        const list = async (
          filters: any[],
          sort?: { field: string; keyword: "asc" | "desc" },
          offset = 0,
          limit = 100,
        ) => (await s.listAudit({ filters, sort, offset, limit })).rows.map((r) => r.ts - T0);
        assert.deepEqual(await list([]), [3, 2, 1], "newest first by default");
        assert.deepEqual(
          await list([{ field: "type", operator: "in", value: ["ROLE", "USER"] }]),
          [3, 1],
        );
        assert.deepEqual(
          await list([{ field: "sub_type", operator: "in", value: ["create"] }]),
          [3, 1],
        );
        assert.deepEqual(await list([{ field: "result", operator: "in", value: ["FAIL"] }]), [2]);
        assert.deepEqual(
          await list([{ field: "email", operator: "in", value: ["a@example.com"] }]),
          [1],
        );
        assert.deepEqual(
          await list([{ field: "email", operator: "in", value: ["Public API - 2"] }]),
          [3],
          "a key's display name stands in for an email",
        );
        assert.deepEqual(
          await list([
            { field: "timestamp", operator: "gte", value: T0 + 2 },
            { field: "timestamp", operator: "lte", value: T0 + 2 },
          ]),
          [2],
        );
        assert.deepEqual(await list([], { field: "timestamp", keyword: "asc" }), [1, 2, 3]);
        assert.deepEqual(await list([], { field: "type", keyword: "asc" }), [2, 1, 3]);
        assert.deepEqual(await list([], { field: "timestamp", keyword: "asc" }, 1, 1), [2]);
        const page = await s.listAudit({ filters: [], offset: 0, limit: 1 });
        assert.equal(page.total, 3);
        const e = (
          await s.listAudit({
            filters: [{ field: "type", operator: "in", value: ["ROLE"] }],
            offset: 0,
            limit: 1,
          })
        ).rows[0]!;
        assert.deepEqual(e.userRoles, ["Viewer"]);
        assert.equal(e.additional.x, 1);
        assert.equal(e.ownerEmail, "a@example.com");
      });
    });
  });
}
