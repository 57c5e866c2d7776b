/**
 * The key is shown once: after minting and using keys of both levels (and failing with them in
 * every way a client can), the key values appear in no reply but generate's, in no log line, in
 * no byte of the database (SQLite files, or every row of every PostgreSQL table) and in no audit
 * entry. Standard keys are stored only as HMACs, Advanced keys only as AES-GCM ciphertext.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { advancedSignature } from "../../sdk/contract";
import {
  DB_KINDS,
  startTestServer,
  type CallResult,
  type Credential,
  type TestServer,
} from "../helpers/server";
import { ok, raw, rd, signed } from "./support";

/** The forms a leaked key could take in storage or logs. */
const forms = (key: string) => [
  key,
  Buffer.from(key).toString("base64"),
  Buffer.from(key).toString("hex"),
  key.slice(10, 60),
];

function hits(haystack: Buffer | string, keys: Credential[]): string[] {
  const buf = typeof haystack === "string" ? Buffer.from(haystack) : haystack;
  const out: string[] = [];
  for (const k of keys)
    for (const f of forms(k.key))
      if (buf.includes(Buffer.from(f)))
        out.push(`key ${k.id} (${f === k.key ? "raw" : "encoded or partial"})`);
  return out;
}

for (const db of DB_KINDS) {
  describe(`secrets at rest and in transit (${db})`, () => {
    let t: TestServer;
    const replies: CallResult[] = [];
    let std: Credential;
    let adv: Credential;
    let idem: Credential;

    before(async () => {
      t = await startTestServer({ db });
      const rec = async (p: Promise<CallResult>) => {
        const r = await p;
        replies.push(r);
        return r;
      };
      const gen = async (
        body: Record<string, unknown>,
        headers: Record<string, string> = {},
      ): Promise<Credential> => {
        const r = ok(
          await t.call(
            "POST",
            "/public_api/v1/api_keys/generate",
            rd({ roles: ["Security Admin"], ...body }),
            { headers },
          ),
        );
        return {
          id: r.reply.id,
          key: r.reply.key,
          level: body.security_level as "standard" | "advanced",
        };
      };
      std = await gen({ security_level: "standard", comment: "std" });
      adv = await gen({
        security_level: "advanced",
        comment: "adv",
        scope: { assets: { mode: "see_all" } },
      });
      idem = await gen(
        { security_level: "advanced", comment: "idem" },
        { "idempotency-key": "secret-test" },
      );
      // Replayed generate replies carry the key by design; they are not searched.
      ok(
        await t.call(
          "POST",
          "/public_api/v1/api_keys/generate",
          rd({ roles: ["Security Admin"], security_level: "advanced", comment: "idem" }),
          { headers: { "idempotency-key": "secret-test" } },
        ),
      );

      for (const k of [std, adv, idem, t.admin]) {
        await rec(t.call("POST", "/public_api/v1/api_keys/validate", rd(), { as: k }));
        await rec(t.call("POST", "/public_api/v1/api_keys/get_api_keys", rd({}), { as: k }));
        await rec(t.call("GET", `/platform/iam/v1/api-key/${k.id}`));
        await rec(t.call("POST", "/public_api/v1/api_keys/examples", rd({ id: k.id })));
        await rec(t.call("PUT", `/platform/iam/v1/api-key/${k.id}`, rd({ comment: "touched" })));
        await rec(t.call("GET", `/platform/iam/v1/scope/api-key/${k.id}`));
        const h = k.level === "advanced" ? signed(k, Date.now()) : raw(k);
        await rec(
          t.call(
            "POST",
            "/public_api/v1/auth/verify",
            rd({ headers: h, permission: { component: "public_api", level: "view" } }),
          ),
        );
        // Failures carrying the key: raw for an Advanced key, under another key id, as a nonce, in a bad timestamp.
        await rec(
          t.call("POST", "/public_api/v1/api_keys/validate", rd(), { as: null, headers: raw(k) }),
        );
        await rec(
          t.call("POST", "/public_api/v1/api_keys/validate", rd(), {
            as: null,
            headers: raw({ id: 424_242, key: k.key }),
          }),
        );
        await rec(
          t.call("POST", "/public_api/v1/api_keys/validate", rd(), {
            as: null,
            headers: { ...raw(k), "x-xdr-nonce": k.key, "x-xdr-timestamp": "x" },
          }),
        );
        await rec(
          t.call(
            "POST",
            "/public_api/v1/auth/verify",
            rd({
              headers: {
                "x-xdr-auth-id": "1",
                authorization: k.key,
                "x-xdr-nonce": "n".repeat(64),
                "x-xdr-timestamp": String(Date.now()),
              },
            }),
          ),
        );
        await rec(
          t.call("GET", "/platform/iam/v1/role", undefined, {
            as: null,
            headers: { authorization: k.key },
          }),
        );
      }
      await rec(t.call("POST", "/public_api/v1/api_keys/get_api_keys", rd({})));
      await rec(t.call("POST", "/public_api/v1/audits/management_logs", rd({ search_to: 100 })));
      await rec(t.call("GET", "/platform/iam/v1/role-binding"));
      await rec(
        t.call(
          "POST",
          "/public_api/v1/api_keys/revoke",
          rd({ filters: [{ field: "id", operator: "in", value: [adv.id] }] }),
        ),
      );
      await rec(t.call("POST", "/public_api/v1/api_keys/validate", rd(), { as: adv }));
      await t.running.app.services.lastUsed.flush();
    });
    after(() => t.close());

    const all = () => [std, adv, idem, t.admin];

    it("shows the key in generate's reply only: no other reply holds it", () => {
      assert.ok(replies.length > 40);
      for (const r of replies)
        assert.deepEqual(hits(r.text, all()), [], `a reply holds a key: ${r.text.slice(0, 200)}`);
    });

    it("logs no key, in any form", () => {
      assert.ok(t.logs.length > 40, "the server logs each request");
      assert.deepEqual(hits(t.logs.join("\n"), all()), []);
      // The Advanced signature of a request is as good as the key for that one request: not logged either.
      assert.ok(!t.logs.join("\n").includes(advancedSignature(adv.key, "n".repeat(64), "1")));
      assert.ok(!/authorization/i.test(t.logs.join("\n")), "no header is logged");
    });

    it("writes no key to the audit log", async () => {
      const rows = await t.running.store.listAudit({ filters: [], offset: 0, limit: 10_000 });
      assert.ok(rows.rows.length > 10);
      assert.deepEqual(hits(JSON.stringify(rows.rows), all()), []);
    });

    if (db === "sqlite") {
      it("leaves no key in the SQLite files (.db, -wal and -shm, read as bytes)", () => {
        const file = t.dbUrl.replace(/^sqlite:/, "");
        let bytes = 0;
        for (const f of [file, `${file}-wal`, `${file}-shm`]) {
          if (!fs.existsSync(f)) continue;
          const b = fs.readFileSync(f);
          bytes += b.length;
          assert.deepEqual(hits(b, all()), [], f);
        }
        assert.ok(bytes > 10_000, "the files were read");
      });
    } else {
      it("leaves no key in any row of any PostgreSQL table", async () => {
        const d = t.running.store.driver;
        const tables = (
          await d.all<{ table_name: string }>(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
          )
        ).map((r) => r.table_name);
        assert.ok(
          tables.includes("api_keys") &&
            tables.includes("idempotency") &&
            tables.includes("audit_log"),
        );
        let rows = 0;
        for (const table of tables) {
          const dump = await d.all<{ j: string }>(
            `SELECT row_to_json(x)::text AS j FROM "${table}" x`,
          );
          rows += dump.length;
          assert.deepEqual(hits(dump.map((r) => r.j).join("\n"), all()), [], table);
        }
        assert.ok(rows > 20);
      });
    }

    it("stores a Standard key only as its HMAC under the pepper", async () => {
      const row = await t.running.store.driver.get<Record<string, unknown>>(
        "SELECT * FROM api_keys WHERE id = ?",
        [std.id],
      );
      assert.equal(row!.secret_enc, null);
      assert.equal(row!.master_key_id, null);
      assert.equal(row!.secret_hash, t.keyring.hashKey(std.key).hash);
      assert.equal(row!.pepper_chain, t.keyring.activePepperId);
    });

    it("stores an Advanced key only as AES-GCM ciphertext bound to its id", async () => {
      const row = await t.running.store.driver.get<Record<string, unknown>>(
        "SELECT * FROM api_keys WHERE id = ?",
        [idem.id],
      );
      assert.equal(row!.secret_hash, null);
      const enc = String(row!.secret_enc);
      assert.equal(
        t.keyring.decrypt(enc, String(row!.master_key_id), `api-key:${idem.id}`).toString("utf8"),
        idem.key,
      );
      assert.throws(
        () => t.keyring.decrypt(enc, String(row!.master_key_id), `api-key:${std.id}`),
        "the ciphertext cannot be moved to another key",
      );
    });

    it("drops the secret material of a revoked key", async () => {
      const row = await t.running.store.driver.get<Record<string, unknown>>(
        "SELECT * FROM api_keys WHERE id = ?",
        [adv.id],
      );
      assert.equal(row!.secret_enc, null);
      assert.equal(row!.secret_hash, null);
    });

    it("keeps the idempotent reply encrypted", async () => {
      // Records are scoped to their route (`<route id>:<Idempotency-Key>`) and hold the reply as sent.
      const row = await t.running.store.driver.get<Record<string, unknown>>(
        "SELECT * FROM idempotency WHERE idem_key = ?",
        ["apiKeys.generate:secret-test"],
      );
      assert.ok(!String(row!.reply_enc).includes(idem.key), "the stored reply is sealed");
      const opened = JSON.parse(
        t.keyring.open(
          String(row!.reply_enc),
          `idempotency:${t.admin.id}:apiKeys.generate:secret-test`,
        ),
      );
      assert.deepEqual(opened, { reply: { id: idem.id, key: idem.key } });
    });
  });
}
