/**
 * Crash: `keyplane server` is SIGKILLed while 1,000 generates run against it (64 in flight), on
 * SQLite and on PostgreSQL. A new process on the same database and keyring must then
 *  - authenticate every key whose generate was acknowledged (200 with the key), with the key
 *    itself (`api_keys/validate`; Advanced keys signed);
 *  - list every key with its roles, and each acknowledged key with exactly the roles asked for;
 *  - hold nothing half-written, read in the database directly: no key without a role binding, no
 *    binding of a key that is gone, no active key without its secret material (HMAC and pepper id
 *    for Standard, ciphertext and master key id for Advanced), and an intact file (SQLite).
 * Keys committed whose reply was lost in the crash are allowed (the client never saw them), but
 * they must be whole too.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import type { Credential } from "../helpers/server";
import { registry } from "./registry";
import {
  Api,
  bounded,
  credHeaders,
  dbQuery,
  expectStatus,
  GENERATE,
  listAllKeys,
  relDir,
  reopenCli,
  retainedPostgres,
  startCli,
  VALIDATE,
  type CliServer,
} from "./support";

const TOTAL = 1000;
const IN_FLIGHT = 64;
/** The kill comes once this many generates are acknowledged (so about a quarter are done and 64 are in flight). */
const KILL_AFTER = 250;

const ROLE_SETS = [
  ["Viewer"],
  ["Viewer", "Investigator"],
  ["Security Admin"],
  ["Key Verifier", "Viewer", "Privileged Responder"],
];

interface Acked extends Credential {
  roles: string[];
  comment: string;
}

for (const db of ["sqlite", "postgres"] as const) {
  describe(`crash: SIGKILL during ${TOTAL} concurrent generates (${db})`, function () {
    this.timeout(180_000);
    const dir = relDir(`crash-${db}`);
    let dbUrl: string;
    let first: CliServer | undefined;
    let second: CliServer | undefined;
    let api: Api | undefined;
    const acked: Acked[] = [];
    let failed = 0;
    let inFlightAtKill = -1;

    before(async () => {
      dbUrl =
        db === "sqlite"
          ? `sqlite:${path.join(dir, "keyplane.db")}`
          : await retainedPostgres("crash database");
      const o = { name: `crash-${db}`, db: dbUrl, dir };
      registry.retainDb({ label: `crash (${db})`, kind: db, dbUrl, reopen: reopenCli(o) });
      first = await startCli(o);
    });

    after(async () => {
      await api?.close();
      await first?.kill("SIGKILL");
      await second?.stop();
    });

    it("acknowledges some generates, then dies by SIGKILL with generates in flight", async () => {
      const s = first!;
      const load = new Api(s.url, IN_FLIGHT);
      let inFlight = 0;
      let killed = false;
      let killing: Promise<void> | undefined;
      const started = Date.now();
      await bounded(
        TOTAL,
        IN_FLIGHT,
        async (i) => {
          const roles = ROLE_SETS[i % ROLE_SETS.length]!;
          const level = i % 3 === 0 ? "advanced" : "standard";
          const comment = `crash-${db}-${i}`;
          inFlight++;
          try {
            const r = await load.post(GENERATE, { roles, security_level: level, comment }, s.admin);
            if (r.status === 200) {
              acked.push({ id: r.body.reply.id, key: r.body.reply.key, level, roles, comment });
              registry.minted(r.body.reply.id, r.body.reply.key, `crash ${db} generate ${i}`);
            } else {
              throw new Error(`generate ${i}: ${r.status} ${r.text.slice(0, 300)}`);
            }
          } catch (e) {
            // After the kill, refusals and resets are what we expect; before it, nothing may fail.
            if (!killed) throw e;
            failed++;
          } finally {
            inFlight--;
          }
          if (!killed && acked.length >= KILL_AFTER) {
            killed = true;
            inFlightAtKill = inFlight;
            killing = s.kill("SIGKILL");
          }
        },
        // Once the process is gone every new request is refused at once; stop a little after.
        () => killed && s.exited,
      );
      await killing;
      await load.close().catch(() => undefined);
      assert.ok(
        killed,
        `the kill never came: only ${acked.length} generates were acknowledged in ${Date.now() - started} ms`,
      );
      assert.equal(s.proc.signalCode, "SIGKILL");
      assert.ok(inFlightAtKill > 0, "generates were in flight when the process died");
      assert.ok(acked.length >= KILL_AFTER && acked.length < TOTAL, `acknowledged ${acked.length}`);
      console.log(
        `      ${db}: ${acked.length} acknowledged, ${inFlightAtKill} in flight at the kill, ${failed} failed after it, in ${Date.now() - started} ms`,
      );
    });

    it("restarts on the same database and keyring, and every acknowledged key authenticates", async () => {
      assert.ok(acked.length > 0, "the first test acknowledged keys");
      second = await startCli({ name: `crash-${db}-restarted`, db: dbUrl, dir });
      api = new Api(second.url, 32);
      const refused: string[] = [];
      await bounded(acked.length, 32, async (i) => {
        const k = acked[i]!;
        const r = await api!.call("POST", VALIDATE, {
          body: { request_data: {} },
          headers: credHeaders(k),
        });
        // validate answers the JSON string "true" since the real-clients change (the Go SDK decodes a string).
        if (r.status !== 200 || r.body !== "true")
          refused.push(`key ${k.id} (${k.level}): ${r.status} ${r.text.slice(0, 120)}`);
      });
      assert.deepEqual(
        refused,
        [],
        `${refused.length} acknowledged keys do not authenticate after the restart`,
      );
    });

    it("lists every key with its roles, and each acknowledged key with exactly the roles asked for", async () => {
      const keys = await listAllKeys(api!, second!.admin);
      const byId = new Map(keys.map((k) => [k.id, k]));
      const noRoles = keys
        .filter((k) => !Array.isArray(k.roles) || k.roles.length === 0)
        .map((k) => k.id);
      assert.deepEqual(noRoles, [], "keys listed without roles");
      const wrong: string[] = [];
      for (const a of acked) {
        const k = byId.get(a.id);
        if (!k) wrong.push(`key ${a.id} is not listed`);
        else if ([...k.roles].sort().join("|") !== [...a.roles].sort().join("|"))
          wrong.push(`key ${a.id}: roles [${k.roles}] instead of [${a.roles}]`);
        else if (k.comment !== a.comment || k.security_level !== a.level)
          wrong.push(`key ${a.id}: comment or level differs`);
      }
      assert.deepEqual(wrong, []);
      // Keys committed whose reply died with the process are fine, as long as they are whole (next test).
      const extra = keys.length - 1 - acked.length;
      assert.ok(
        extra >= 0 && extra <= IN_FLIGHT,
        `${extra} keys beyond the acknowledged ones (at most the ${IN_FLIGHT} in flight)`,
      );
      const g = expectStatus(
        await api!.call("GET", `/platform/iam/v1/api-key/${acked[acked.length - 1]!.id}`, {
          as: second!.admin,
        }),
        200,
        "get one key",
      );
      assert.ok(g.body.data.roles.length > 0);
    });

    it("holds nothing half-written in the database", async () => {
      const orphanKeys = await dbQuery(
        dbUrl,
        `SELECT k.id FROM api_keys k WHERE NOT EXISTS
           (SELECT 1 FROM role_bindings b WHERE b.principal_type = 'api-key' AND b.principal_id = CAST(k.id AS TEXT))`,
      );
      assert.deepEqual(orphanKeys, [], "api_keys rows without a role binding");
      const danglingBindings = await dbQuery(
        dbUrl,
        `SELECT b.binding_id FROM role_bindings b WHERE b.principal_type = 'api-key' AND NOT EXISTS
           (SELECT 1 FROM api_keys k WHERE CAST(k.id AS TEXT) = b.principal_id)`,
      );
      assert.deepEqual(danglingBindings, [], "role bindings of keys that do not exist");
      const noSecret = await dbQuery(
        dbUrl,
        `SELECT id FROM api_keys WHERE status = 'active' AND (
           (security_level = 'standard' AND (secret_hash IS NULL OR pepper_chain IS NULL)) OR
           (security_level = 'advanced' AND (secret_enc IS NULL OR master_key_id IS NULL)) OR
           security_level NOT IN ('standard', 'advanced'))`,
      );
      assert.deepEqual(noSecret, [], "active keys without their secret material");
      const perKey = await dbQuery<{ id: number; n: number }>(
        dbUrl,
        `SELECT k.id AS id, COUNT(b.binding_id) AS n FROM api_keys k JOIN role_bindings b
           ON b.principal_type = 'api-key' AND b.principal_id = CAST(k.id AS TEXT) GROUP BY k.id`,
      );
      const n = new Map(perKey.map((r) => [Number(r.id), Number(r.n)]));
      const short = acked
        .filter((a) => n.get(a.id) !== a.roles.length)
        .map((a) => `key ${a.id}: ${n.get(a.id)} bindings for ${a.roles.length} roles`);
      assert.deepEqual(short, []);
      if (db === "sqlite") {
        const ic = await dbQuery<{ integrity_check: string }>(dbUrl, "PRAGMA integrity_check");
        assert.deepEqual(
          ic.map((r) => r.integrity_check),
          ["ok"],
        );
      }
    });
  });
}
