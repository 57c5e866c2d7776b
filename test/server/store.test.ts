/**
 * The store contract: every case runs on both stores (SQLite and PostgreSQL), each on a fresh
 * database, through the Store API the server uses. Keys (create, get, list with filters, sort
 * and paging, update, delete, revoke), nonces, idempotency records, roles, bindings, users and
 * (nested) groups, scope definitions and entity scopes, settings, notifications, leases, the
 * audit log, migrations and the revision counter.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { canonicalScope, type KeyFilter } from "../../sdk/contract";
import { openStore } from "../../server/start";
import { MIGRATIONS, migrate } from "../../server/store/migrations";
import {
  UniqueViolation,
  type KeySecret,
  type NewAudit,
  type Store,
} from "../../server/store/store";
import { DB_KINDS, type DbKind } from "../helpers/server";
import { repoRoot, scratchDir } from "../helpers/paths";
import { freshPostgresDatabase } from "../helpers/postgres";

const T0 = Date.UTC(2026, 0, 15);
const DAY = 86_400_000;

const STD: KeySecret = {
  secretHash: "ab".repeat(32),
  pepperChain: "pp-1",
  secretEnc: null,
  masterKeyId: null,
};
const ADV: KeySecret = {
  secretHash: null,
  pepperChain: null,
  secretEnc: "Y2lwaGVy",
  masterKeyId: "mk-1",
};

async function fresh(kind: DbKind): Promise<{ url: string; drop: () => Promise<void> }> {
  if (kind === "postgres") return freshPostgresDatabase();
  return {
    url: `sqlite:${path.join(scratchDir("store"), "store.db")}`,
    drop: async () => undefined,
  };
}

let bindingSeq = 0;
const bid = () => `rb-test-${++bindingSeq}`;

async function key(
  s: Store,
  o: {
    level?: "standard" | "advanced";
    roles?: string[];
    comment?: string | null;
    expiration?: number | null;
    createdAt?: number;
    createdBy?: string;
  } = {},
): Promise<number> {
  const roles = o.roles ?? ["viewer"];
  return s.createKey({
    securityLevel: o.level ?? "standard",
    secret: () => (o.level === "advanced" ? ADV : STD),
    comment: o.comment === undefined ? null : o.comment,
    expiration: o.expiration === undefined ? null : o.expiration,
    createdAt: o.createdAt ?? T0,
    createdBy: o.createdBy ?? "Public API - 1",
    userName: o.createdBy ?? "Public API - 1",
    creatorKeyId: 1,
    roleIds: roles,
    bindingIds: roles.map(bid),
  });
}

const audit = (o: Partial<NewAudit>): NewAudit => ({
  ts: T0,
  actorKeyId: 1,
  ownerName: "Public API - 1",
  ownerEmail: null,
  entity: "API_KEY",
  subtype: "create",
  result: "SUCCESS",
  reason: null,
  description: "d",
  objectId: null,
  assetNames: null,
  sourceIp: "127.0.0.1",
  userAgent: null,
  userRoles: [],
  additional: {},
  severity: "SEV_020_LOW",
  ...o,
});

const user = (email: string) => ({
  email,
  firstName: null,
  lastName: null,
  phoneNumber: null,
  status: "Active",
  isHidden: false,
  userType: "CSP",
  lastLoggedIn: null,
  createdTs: T0,
  updatedTs: null,
});
const group = (groupId: string, groupName: string) => ({
  groupId,
  groupName,
  description: null,
  groupType: "custom",
  idpGroups: [],
  createdBy: "t",
  createdTs: T0,
  updatedTs: null,
});
const noRole = () => ({ roleId: null, bindingId: bid(), by: "t" });

for (const kind of DB_KINDS) {
  describe(`store contract (${kind})`, () => {
    let s: Store;
    let db: { url: string; drop: () => Promise<void> };
    beforeEach(async () => {
      db = await fresh(kind);
      s = await openStore(db.url, T0);
    });
    afterEach(async () => {
      await s.close();
      await db.drop();
    });

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

    describe("idempotency records", () => {
      const withIdem = (k: string, hash: string, now: number) =>
        s.createKey({
          securityLevel: "standard",
          secret: () => STD,
          comment: null,
          expiration: null,
          createdAt: now,
          createdBy: "t",
          userName: "t",
          creatorKeyId: 1,
          roleIds: ["viewer"],
          bindingIds: [bid()],
          idempotency: {
            actorKeyId: 1,
            key: k,
            requestHash: hash,
            notBefore: now - DAY,
            encryptReply: (id) => `sealed-${id}`,
          },
        });

      it("stores the reply with the key, once per (actor, key) inside the window", async () => {
        const id = await withIdem("k1", "h1", T0);
        assert.deepEqual(await s.getIdempotency(1, "k1", T0 - DAY), {
          requestHash: "h1",
          replyEnc: `sealed-${id}`,
        });
        assert.equal(await s.getIdempotency(2, "k1", T0 - DAY), undefined, "per actor");
        await assert.rejects(withIdem("k1", "h2", T0 + 1), UniqueViolation);
        assert.equal(await s.countKeys(), 1, "the refused twin left no key behind");
        assert.equal(
          await s.getIdempotency(1, "k1", T0 + 1),
          undefined,
          "older than notBefore does not count",
        );
      });

      it("replaces a record older than the window, and purges old ones", async () => {
        await withIdem("k2", "h1", T0);
        const id2 = await withIdem("k2", "h2", T0 + DAY + 1);
        assert.deepEqual(await s.getIdempotency(1, "k2", T0 + 1), {
          requestHash: "h2",
          replyEnc: `sealed-${id2}`,
        });
        await withIdem("k3", "h", T0);
        assert.equal(await s.purgeIdempotency(T0 + 1), 1);
        assert.equal(await s.getIdempotency(1, "k3", 0), undefined);
      });
    });

    describe("nonces", () => {
      it("records a nonce once per key", async () => {
        assert.equal(await s.recordNonce(7, "abc", T0), true);
        assert.equal(await s.recordNonce(7, "abc", T0 + 1), false);
        assert.equal(await s.recordNonce(8, "abc", T0), true, "another key may use it");
      });

      it("lets exactly one of many concurrent uses of a nonce through", async () => {
        const results = await Promise.all(
          Array.from({ length: 12 }, () => s.recordNonce(9, "race", T0)),
        );
        assert.equal(results.filter(Boolean).length, 1);
      });

      it("answers each of many concurrent nonces (over several batches) for itself", async () => {
        const uses = Array.from({ length: 150 }, (_, i) => ({ key: 20 + (i % 3), nonce: `c${i}` }));
        assert.ok(
          (await Promise.all(uses.map((u) => s.recordNonce(u.key, u.nonce, T0)))).every(Boolean),
          "all new",
        );
        // Replays of a few, mixed with new ones, in one turn: only the new ones pass.
        const mixed = await Promise.all([
          s.recordNonce(20, "c0", T0),
          s.recordNonce(20, "fresh", T0),
          s.recordNonce(22, "c149", T0),
          s.recordNonce(21, "c149", T0),
        ]);
        assert.deepEqual(mixed, [false, true, false, true]);
      });

      it("purges nonces seen before a time", async () => {
        await s.recordNonce(7, "old", T0);
        await s.recordNonce(7, "new", T0 + 10);
        assert.equal(await s.purgeNonces(T0 + 5), 1);
        assert.equal(await s.recordNonce(7, "old", T0 + 20), true);
        assert.equal(await s.recordNonce(7, "new", T0 + 20), false);
      });
    });

    describe("failed authentication counts", () => {
      const W = 60_000;
      it("adds up failures per subject from its first one, also when they race, and starts over after the window", async () => {
        assert.deepEqual(await s.countAuthFailure("keyId:7", T0, W), { start: T0, n: 1 });
        assert.deepEqual(
          await s.countAuthFailure("keyId:7", T0 + W - 1, W),
          { start: T0, n: 2 },
          "the window is the first failure's",
        );
        assert.deepEqual(
          await s.countAuthFailure("keyId:8", T0 + 5, W),
          { start: T0 + 5, n: 1 },
          "another subject has its own",
        );
        assert.deepEqual(
          await s.countAuthFailure("keyId:7", T0 + W, W),
          { start: T0 + W, n: 1 },
          "a new window starts at one",
        );
        const totals = await Promise.all(
          Array.from({ length: 10 }, () => s.countAuthFailure("address:10.0.0.1", T0, W)),
        );
        assert.deepEqual(
          totals.map((x) => x.n).sort((x, y) => x - y),
          [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        );
      });

      it("purges the windows that are over", async () => {
        await s.countAuthFailure("keyId:9", T0, W);
        await s.countAuthFailure("keyId:10", T0 + W, W);
        assert.equal(await s.purgeAuthFailures(T0 + W), 1);
        assert.deepEqual(
          await s.countAuthFailure("keyId:10", T0 + W + 1, W),
          { start: T0 + W, n: 2 },
          "the current one is kept",
        );
      });
    });

    describe("roles", () => {
      const custom = (roleId: string, prettyName: string) => ({
        roleId,
        prettyName,
        description: null,
        isCustom: true,
        components: { audit: "view" as const },
        datasetPermissions: null,
        createdBy: "t",
        createdTs: T0,
        updatedTs: null,
      });

      it("has the predefined roles, found by id or display name in any case", async () => {
        assert.equal((await s.findRole("viewer"))!.prettyName, "Viewer");
        assert.equal(
          (await s.findRole("  instance ADMINISTRATOR "))!.roleId,
          "instance_administrator",
        );
        assert.equal(await s.findRole("nope"), undefined);
        const page = await s.listRoles(0, 1000);
        assert.ok(page.rows.every((r) => !r.isCustom));
        assert.equal(page.total, page.rows.length);
      });

      it("creates, renames, updates and deletes custom roles; predefined ones do not change", async () => {
        await s.createRole(custom("r1", "Role One"));
        await assert.rejects(s.createRole(custom("r2", "ROLE one")), UniqueViolation);
        assert.equal(await s.roleIdExists("r1"), true);
        const k = await key(s, { roles: ["r1"] });
        assert.equal(
          await s.updateRole("r1", {
            prettyName: "Zed",
            components: { audit: "view", rules: "view" },
            now: T0 + 1,
          }),
          true,
        );
        const r = (await s.findRole("zed"))!;
        assert.deepEqual(r.components, { audit: "view", rules: "view" });
        assert.equal(r.updatedTs, T0 + 1);
        assert.deepEqual((await s.getKey(k))!.roleNames, ["Zed"]);
        assert.equal(await s.updateRole("viewer", { description: "x", now: T0 }), false);
        assert.equal(await s.deleteRole("viewer"), "read_only");
        assert.equal(await s.deleteRole("r1"), "in_use");
        assert.deepEqual(
          (await s.roleUsage("r1")).map((b) => b.principalId),
          [String(k)],
        );
        await s.deleteKeys([k]);
        assert.equal(await s.deleteRole("r1"), "deleted");
        assert.equal(await s.deleteRole("r1"), "not_found");
        const listed = await s.listRoles(0, 1000);
        assert.ok(!listed.rows.some((x) => x.roleId === "r1"));
      });
    });

    describe("role bindings", () => {
      it("creates, gets, lists with filters and paging, and deletes bindings", async () => {
        await s.createUser(
          user("u@example.com"),
          { roleId: "viewer", bindingId: "rb-direct", by: "t" },
          [],
        );
        await s.createBinding({
          bindingId: "rb-1",
          principalType: "user",
          principalId: "u@example.com",
          roleId: "investigator",
          owner: "binding",
          createdBy: "t",
          createdTs: T0 + 1,
        });
        await assert.rejects(
          s.createBinding({
            bindingId: "rb-2",
            principalType: "user",
            principalId: "u@example.com",
            roleId: "investigator",
            owner: "binding",
            createdBy: "t",
            createdTs: T0,
          }),
          UniqueViolation,
        );
        // The same role through another owner is another row.
        await s.createBinding({
          bindingId: "rb-3",
          principalType: "user",
          principalId: "u@example.com",
          roleId: "viewer",
          owner: "binding",
          createdBy: "t",
          createdTs: T0 + 2,
        });
        const b = (await s.getBinding("rb-1"))!;
        assert.deepEqual(b, {
          bindingId: "rb-1",
          principalType: "user",
          principalId: "u@example.com",
          roleId: "investigator",
          roleName: "Investigator",
          owner: "binding",
          createdBy: "t",
          createdTs: T0 + 1,
        });
        const mine = await s.listBindings(
          { principalType: "user", principalId: "u@example.com" },
          0,
          10,
        );
        assert.deepEqual(
          mine.rows.map((r) => r.bindingId),
          ["rb-direct", "rb-1", "rb-3"],
        );
        assert.equal(mine.total, 3);
        assert.deepEqual(
          (await s.listBindings({ owner: "user" }, 0, 10)).rows.map((r) => r.bindingId),
          ["rb-direct"],
        );
        assert.deepEqual(
          (await s.listBindings({ roleId: "viewer" }, 0, 10)).rows.map((r) => r.bindingId),
          ["rb-direct", "rb-3"],
        );
        const page = await s.listBindings({ principalId: "u@example.com" }, 1, 1);
        assert.deepEqual(
          page.rows.map((r) => r.bindingId),
          ["rb-1"],
        );
        assert.equal(page.total, 3);
        assert.deepEqual(
          (await s.roleIdsOf("user", "u@example.com")).sort(),
          ["investigator", "viewer"],
          "distinct role ids",
        );
        assert.equal(await s.deleteBinding("rb-1"), true);
        assert.equal(await s.deleteBinding("rb-1"), false);
        assert.equal(await s.getBinding("rb-1"), undefined);
      });
    });

    describe("users and groups", () => {
      it("creates, reads, patches, lists and deletes users", async () => {
        await s.createGroup(group("g1", "G One"), noRole(), [], []);
        await s.createUser(
          { ...user("a@example.com"), firstName: "A" },
          { roleId: "viewer", bindingId: bid(), by: "t" },
          ["g1"],
        );
        await s.createUser(user("b@example.com"), noRole(), []);
        await assert.rejects(s.createUser(user("a@example.com"), noRole(), []), UniqueViolation);
        const a = (await s.getUser("a@example.com"))!;
        assert.equal(a.firstName, "A");
        assert.deepEqual(a.role, { roleId: "viewer", roleName: "Viewer" });
        assert.deepEqual(a.groups, [{ groupId: "g1", groupName: "G One" }]);
        assert.equal(
          await s.patchUser("a@example.com", {
            lastName: "L",
            status: "Inactive",
            isHidden: true,
            direct: { roleId: "investigator", bindingId: bid(), by: "t" },
            groupIds: [],
            now: T0 + 1,
          }),
          true,
        );
        const p = (await s.getUser("a@example.com"))!;
        assert.equal(p.lastName, "L");
        assert.equal(p.firstName, "A");
        assert.equal(p.status, "Inactive");
        assert.equal(p.isHidden, true);
        assert.equal(p.updatedTs, T0 + 1);
        assert.deepEqual(p.role, { roleId: "investigator", roleName: "Investigator" });
        assert.deepEqual(p.groups, []);
        await s.patchUser("a@example.com", {
          direct: { roleId: null, bindingId: bid(), by: "t" },
          now: T0,
        });
        assert.equal((await s.getUser("a@example.com"))!.role, null);
        assert.equal(await s.patchUser("zz@example.com", { status: "Active", now: T0 }), false);
        const page = await s.listUsers(1, 5);
        assert.deepEqual(
          page.rows.map((u) => u.email),
          ["b@example.com"],
        );
        assert.equal(page.total, 2);
        assert.deepEqual(
          [...(await s.existingUsers(["a@example.com", "x@example.com"]))],
          ["a@example.com"],
        );
        await s.putEntityScope("user", "b@example.com", { areas: canonicalScope(undefined) }, T0);
        assert.equal(await s.deleteUser("b@example.com"), true);
        assert.equal(await s.deleteUser("b@example.com"), false);
        assert.equal(await s.getEntityScope("user", "b@example.com"), undefined);
      });

      it("nests groups: membership flows up through any depth, cycles are detected", async () => {
        await s.createUser(user("m@example.com"), noRole(), []);
        await s.createGroup(group("leaf", "Leaf"), noRole(), ["m@example.com"], []);
        await s.createGroup(
          group("mid", "Mid"),
          { roleId: "investigator", bindingId: bid(), by: "t" },
          [],
          ["leaf"],
        );
        await s.createGroup(
          group("top", "Top"),
          { roleId: "key_verifier", bindingId: bid(), by: "t" },
          [],
          ["mid"],
        );
        await s.createGroup(group("other", "Other"), noRole(), [], []);
        assert.deepEqual((await s.groupIdsOfUser("m@example.com")).sort(), ["leaf", "mid", "top"]);
        assert.deepEqual((await s.groupsWithParents(["mid"])).sort(), ["mid", "top"]);
        assert.equal(await s.nestingCycle("leaf", ["top"]), true);
        assert.equal(await s.nestingCycle("leaf", ["other"]), false);
        const top = (await s.getGroup("top"))!;
        assert.deepEqual(top.nestedGroups, [{ groupId: "mid", groupName: "Mid" }]);
        assert.deepEqual(top.role, { roleId: "key_verifier", roleName: "Key Verifier" });
        assert.deepEqual((await s.getGroup("leaf"))!.users, ["m@example.com"]);
        assert.deepEqual(
          (await s.listGroups(0, 10, ["MID", "top", "none"])).rows.map((g) => g.groupId).sort(),
          ["mid", "top"],
        );
        assert.equal((await s.listGroups(0, 10)).total, 4);
        assert.deepEqual([...(await s.existingGroups(["mid", "zz"]))], ["mid"]);
        await assert.rejects(s.createGroup(group("dup", "TOP"), noRole(), [], []), UniqueViolation);
      });

      it("patches and deletes groups, cleaning up nesting, members, bindings and scope", async () => {
        await s.createUser(user("m@example.com"), noRole(), []);
        await s.createGroup(group("c", "C"), noRole(), [], []);
        await s.createGroup(
          group("p", "P"),
          { roleId: "viewer", bindingId: bid(), by: "t" },
          ["m@example.com"],
          ["c"],
        );
        await s.putEntityScope("user-group", "c", { areas: canonicalScope(undefined) }, T0);
        assert.equal(
          await s.patchGroup("p", {
            groupName: "P2",
            description: "d",
            idpGroups: ["x"],
            direct: { roleId: null, bindingId: bid(), by: "t" },
            users: [],
            nestedIds: [],
            now: T0 + 1,
          }),
          true,
        );
        const p = (await s.getGroup("p"))!;
        assert.equal(p.groupName, "P2");
        assert.equal(p.description, "d");
        assert.deepEqual(p.idpGroups, ["x"]);
        assert.equal(p.role, null);
        assert.deepEqual(p.users, []);
        assert.deepEqual(p.nestedGroups, []);
        await s.patchGroup("p", { nestedIds: ["c"], now: T0 });
        assert.equal(await s.deleteGroup("c"), true);
        assert.deepEqual((await s.getGroup("p"))!.nestedGroups, []);
        assert.equal(await s.getEntityScope("user-group", "c"), undefined);
        assert.equal(await s.deleteGroup("c"), false);
        assert.equal(await s.patchGroup("c", { description: "x", now: T0 }), false);
      });
    });

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

    describe("settings", () => {
      it("starts at the defaults and keeps partial updates across a reopen", async () => {
        const d = await s.getSettings();
        assert.equal(d.sbac_enabled, false);
        assert.equal(d.replay_window_ms, 300_000);
        const after = await s.updateSettings({
          sbac_enabled: true,
          notification_webhook: "http://127.0.0.1:1/x",
        });
        assert.equal(after.sbac_enabled, true);
        assert.equal(after.replay_window_ms, 300_000);
        await s.updateSettings({ notification_webhook: null });
        await s.close();
        s = await openStore(db.url, T0);
        const again = await s.getSettings();
        assert.equal(again.sbac_enabled, true);
        assert.equal(again.notification_webhook, null);
      });
    });

    describe("notifications", () => {
      const notice = (keyId: number, lead: "7d" | "1d", expiration: number, createdTs = T0) => ({
        keyId,
        lead,
        expiration,
        title: "API Key Expiration",
        message: "m",
        createdTs,
        webhookStatus: "pending" as const,
        webhookNextAt: createdTs,
      });

      it("inserts a notice once per (key, lead, expiration)", async () => {
        const first = await s.insertNotification(notice(1, "7d", T0 + 7 * DAY));
        assert.ok(first);
        assert.equal(first.read, false);
        assert.equal(first.webhookAttempts, 0);
        assert.equal(await s.insertNotification(notice(1, "7d", T0 + 7 * DAY, T0 + 5)), undefined);
        assert.ok(await s.insertNotification(notice(1, "1d", T0 + 7 * DAY)));
        assert.ok(
          await s.insertNotification(notice(1, "7d", T0 + 8 * DAY)),
          "a new expiration is a new notice",
        );
        const results = await Promise.all(
          Array.from({ length: 8 }, () => s.insertNotification(notice(2, "1d", T0 + DAY))),
        );
        assert.equal(results.filter(Boolean).length, 1, "concurrent inserts make one notice");
      });

      it("lists with unread and key filters, newest first, and marks read", async () => {
        const a = (await s.insertNotification(notice(1, "7d", T0 + 7 * DAY, T0)))!;
        const b = (await s.insertNotification(notice(2, "7d", T0 + 7 * DAY, T0 + 1)))!;
        assert.deepEqual(
          (await s.listNotifications({}, 0, 10)).rows.map((n) => n.id),
          [b.id, a.id],
        );
        assert.equal((await s.setNotificationRead(a.id, true))!.read, true);
        assert.deepEqual(
          (await s.listNotifications({ unread: true }, 0, 10)).rows.map((n) => n.id),
          [b.id],
        );
        assert.deepEqual(
          (await s.listNotifications({ unread: false }, 0, 10)).rows.map((n) => n.id),
          [a.id],
        );
        assert.deepEqual(
          (await s.listNotifications({ keyId: 2 }, 0, 10)).rows.map((n) => n.id),
          [b.id],
        );
        const page = await s.listNotifications({}, 1, 1);
        assert.deepEqual(
          page.rows.map((n) => n.id),
          [a.id],
        );
        assert.equal(page.total, 2);
        assert.equal(await s.setNotificationRead(9999, true), undefined);
      });

      it("tracks webhook delivery: due, attempts, backoff, final states", async () => {
        const a = (await s.insertNotification(notice(1, "1d", T0 + DAY)))!;
        const b = (await s.insertNotification({
          ...notice(2, "1d", T0 + DAY),
          webhookStatus: "none",
          webhookNextAt: null,
        }))!;
        assert.deepEqual(
          (await s.dueWebhooks(T0)).map((n) => n.id),
          [a.id],
        );
        await s.recordWebhookAttempt(a.id, {
          status: "pending",
          nextAt: T0 + 5000,
          error: "HTTP 503",
        });
        assert.deepEqual(await s.dueWebhooks(T0 + 4999), []);
        const due = await s.dueWebhooks(T0 + 5000);
        assert.equal(due[0]!.webhookAttempts, 1);
        assert.equal(due[0]!.webhookLastError, "HTTP 503");
        await s.recordWebhookAttempt(a.id, { status: "delivered", nextAt: null, error: null });
        assert.deepEqual(await s.dueWebhooks(T0 + DAY), []);
        assert.equal(
          (await s.listNotifications({ keyId: 1 }, 0, 1)).rows[0]!.webhookStatus,
          "delivered",
        );
        assert.equal((await s.listNotifications({ keyId: 2 }, 0, 1)).rows[0]!.id, b.id);
      });
    });

    describe("leases", () => {
      it("is held by one holder until it expires or is released; the holder renews", async () => {
        assert.equal(await s.acquireLease("job", "A", T0, 1000), true);
        assert.equal(await s.acquireLease("job", "B", T0 + 500, 1000), false);
        assert.equal(
          await s.acquireLease("job", "A", T0 + 900, 1000),
          true,
          "renewed until T0 + 1900",
        );
        assert.equal(await s.acquireLease("job", "B", T0 + 1500, 1000), false);
        assert.equal(
          await s.acquireLease("job", "B", T0 + 1901, 1000),
          true,
          "expired: taken over",
        );
        assert.equal(await s.acquireLease("job", "A", T0 + 1902, 1000), false);
        await s.releaseLease("job", "A");
        assert.equal(
          await s.acquireLease("job", "A", T0 + 1903, 1000),
          false,
          "only the holder releases",
        );
        await s.releaseLease("job", "B");
        assert.equal(await s.acquireLease("job", "A", T0 + 1904, 1000), true);
        assert.equal(await s.acquireLease("other", "B", T0, 1000), true, "leases are per name");
      });

      it("grants a free lease to exactly one of many concurrent claimants", async () => {
        const got = await Promise.all(
          ["A", "B", "C", "D", "E"].map((h) => s.acquireLease("race", h, T0, 1000)),
        );
        assert.equal(got.filter(Boolean).length, 1);
      });
    });

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

    describe("migrations and the revision counter", () => {
      it("re-runs migrations on an existing database as a no-op", async () => {
        const k = await key(s, { comment: "kept" });
        const roles = (await s.listRoles(0, 1000)).total;
        assert.deepEqual(await migrate(s.driver), []);
        await s.init([], T0);
        const again = await openStore(db.url, T0 + 1);
        try {
          assert.equal((await again.getKey(k))!.comment, "kept");
          assert.equal((await again.listRoles(0, 1000)).total, roles);
          const versions = await again.driver.all<{ version: number }>(
            "SELECT version FROM schema_migrations ORDER BY version",
          );
          assert.deepEqual(
            versions.map((v) => Number(v.version)),
            MIGRATIONS.map((m) => m.version),
          );
        } finally {
          await again.close();
        }
      });

      it("lets several replicas start on one fresh database at once: each migration runs once", async () => {
        const other = await fresh(kind);
        try {
          if (kind === "postgres") {
            const stores = await Promise.all([
              openStore(other.url, T0),
              openStore(other.url, T0),
              openStore(other.url, T0),
            ]);
            for (const x of stores) await x.close();
          } else {
            // SQLite replicas are processes (one connection each), racing for the file.
            const script = `require(${JSON.stringify(path.join(repoRoot, "dist", "server", "start.js"))}).openStore(process.argv[1]).then((s) => s.close()).catch((e) => { console.error(e.message); process.exit(1); })`;
            const runs = await Promise.all(
              [1, 2, 3].map(
                () =>
                  new Promise<{ code: number | null; err: string }>((resolve) => {
                    const p = spawn(process.execPath, ["-e", script, other.url], {
                      stdio: ["ignore", "ignore", "pipe"],
                    });
                    let err = "";
                    p.stderr.on("data", (d) => (err += d));
                    p.on("exit", (code) => resolve({ code, err }));
                  }),
              ),
            );
            for (const r of runs) assert.equal(r.code, 0, r.err);
          }
          const s2 = await openStore(other.url, T0);
          try {
            const versions = await s2.driver.all<{ version: number }>(
              "SELECT version FROM schema_migrations ORDER BY version",
            );
            assert.deepEqual(
              versions.map((v) => Number(v.version)),
              MIGRATIONS.map((m) => m.version),
            );
          } finally {
            await s2.close();
          }
        } finally {
          await other.drop();
        }
      });

      it("moves the revision on every write that can change who may do what, not on reads", async () => {
        const k = await key(s);
        await s.createUser(user("u@example.com"), noRole(), []);
        await s.createGroup(group("g", "G"), noRole(), [], []);
        await s.createScopeDefinition({
          scopeId: "s",
          name: "S",
          description: null,
          areas: canonicalScope(undefined),
          createdBy: "t",
          createdTs: T0,
          updatedTs: null,
        });
        const writes: Array<[string, () => Promise<unknown>]> = [
          ["createKey", () => key(s)],
          ["updateKey", () => s.updateKey(k, { comment: "x", by: "t", now: T0 })],
          ["revokeKeys", () => s.revokeKeys([k], T0)],
          ["deleteKeys", () => s.deleteKeys([k])],
          [
            "createRole",
            () =>
              s.createRole({
                roleId: "r",
                prettyName: "R",
                description: null,
                isCustom: true,
                components: { audit: "view" },
                datasetPermissions: null,
                createdBy: "t",
                createdTs: T0,
                updatedTs: null,
              }),
          ],
          ["updateRole", () => s.updateRole("r", { description: "d", now: T0 })],
          [
            "createBinding",
            () =>
              s.createBinding({
                bindingId: "rb-r",
                principalType: "user",
                principalId: "u@example.com",
                roleId: "r",
                owner: "binding",
                createdBy: "t",
                createdTs: T0,
              }),
          ],
          ["deleteBinding", () => s.deleteBinding("rb-r")],
          ["deleteRole", () => s.deleteRole("r")],
          ["createUser", () => s.createUser(user("v@example.com"), noRole(), [])],
          ["patchUser", () => s.patchUser("v@example.com", { groupIds: ["g"], now: T0 })],
          ["deleteUser", () => s.deleteUser("v@example.com")],
          ["createGroup", () => s.createGroup(group("h", "H"), noRole(), [], [])],
          ["patchGroup", () => s.patchGroup("h", { nestedIds: ["g"], now: T0 })],
          ["deleteGroup", () => s.deleteGroup("h")],
          [
            "createScopeDefinition",
            () =>
              s.createScopeDefinition({
                scopeId: "s2",
                name: "S2",
                description: null,
                areas: canonicalScope(undefined),
                createdBy: "t",
                createdTs: T0,
                updatedTs: null,
              }),
          ],
          [
            "updateScopeDefinition",
            () => s.updateScopeDefinition("s2", { description: "d", now: T0 }),
          ],
          ["deleteScopeDefinition", () => s.deleteScopeDefinition("s2")],
          [
            "putEntityScope",
            () => s.putEntityScope("user", "u@example.com", { scopeDefinitionId: "s" }, T0),
          ],
          ["updateSettings", () => s.updateSettings({ sbac_enabled: true })],
        ];
        for (const [name, write] of writes) {
          const before = await s.revision();
          await write();
          assert.ok((await s.revision()) > before, `${name} must move the revision`);
        }
        const reads: Array<[string, () => Promise<unknown>]> = [
          ["listKeys", () => s.listKeys({ filters: [], offset: 0, limit: 10, now: T0 })],
          ["getKeyAuth", () => s.getKeyAuth(k)],
          ["listRoles", () => s.listRoles()],
          ["listBindings", () => s.listBindings({}, 0, 10)],
          ["getUser", () => s.getUser("u@example.com")],
          ["listGroups", () => s.listGroups(0, 10)],
          ["getEntityScope", () => s.getEntityScope("user", "u@example.com")],
          ["getSettings", () => s.getSettings()],
          ["recordNonce", () => s.recordNonce(1, "n", T0)],
          ["touchLastUsed", () => s.touchLastUsed([[k, T0]])],
          ["insertAudit", () => s.insertAudit(audit({}))],
        ];
        for (const [name, read] of reads) {
          const before = await s.revision();
          await read();
          assert.equal(await s.revision(), before, `${name} must not move the revision`);
        }
      });
    });
  });
}
