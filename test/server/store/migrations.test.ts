/**
 * The store contract, on both stores (see support.ts): Migrations (re-run, concurrent replicas
 * starting on one fresh database) and the revision counter.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { canonicalScope } from "../../../sdk/contract";
import { openStore } from "../../../server/start";
import { MIGRATIONS, migrate } from "../../../server/store/migrations";
import { openDriver } from "../../../server/store/open";
import type { Store } from "../../../server/store/store";
import { DB_KINDS } from "../../helpers/server";
import { repoRoot } from "../../helpers/paths";
import {
  T0,
  audit,
  group,
  key,
  noRole,
  user,
  fresh,
  freshStoreEachCase,
  type FreshDatabase,
} from "./support";

for (const kind of DB_KINDS) {
  describe(`store contract (${kind})`, () => {
    let s: Store;
    let db: FreshDatabase;
    freshStoreEachCase(kind, (store, database) => ((s = store), (db = database)));

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

      it("upgrades the nonce table (migration 10) with every nonce seen before: none can be replayed", async () => {
        // The database an older release left: schema version 9, nonces by their text.
        const old = await fresh(kind);
        try {
          const d = await openDriver(old.url);
          await migrate(d, 9);
          await d.run(
            "INSERT INTO nonces (key_id, nonce, seen_at) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)",
            [
              7,
              "seen-before-upgrade",
              T0,
              7,
              "second-of-key-7",
              T0 + 10,
              8,
              "seen-before-upgrade",
              T0,
            ],
          );
          await d.close();
          const up = await openStore(old.url, T0 + 20);
          try {
            assert.equal(await up.recordNonce(7, "seen-before-upgrade", T0 + 20), false, "replay");
            assert.equal(await up.recordNonce(7, "second-of-key-7", T0 + 20), false, "replay");
            assert.equal(await up.recordNonce(8, "seen-before-upgrade", T0 + 20), false, "replay");
            assert.equal(
              await up.recordNonce(9, "seen-before-upgrade", T0 + 20),
              true,
              "other key",
            );
            assert.equal(await up.recordNonce(7, "new-after-upgrade", T0 + 20), true, "new");
            // Their times came along: the purge drops them when it would have before.
            assert.equal(await up.purgeNonces(T0 + 5), 2);
            assert.equal(await up.recordNonce(7, "seen-before-upgrade", T0 + 30), true);
            assert.equal(await up.recordNonce(7, "second-of-key-7", T0 + 30), false);
          } finally {
            await up.close();
          }
        } finally {
          await old.drop();
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
