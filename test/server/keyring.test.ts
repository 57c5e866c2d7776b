/**
 * `keyplane keyring rotate`: a new master key and pepper while a server runs, every stored
 * secret rewrapped, old versions pruned, and no key lost: Standard and Advanced keys and an
 * idempotent reply all still work on the running server (which reloads its keyring file) and
 * after a restart.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { KeyplaneClient } from "../../sdk";
import { startServer, type RunningServer } from "../../server/start";
import { repoRoot, scratchDir } from "../helpers/paths";
import { keyWorks } from "../helpers/run";

const run = promisify(execFile);

describe("keyplane keyring rotate", function () {
  this.timeout(120_000);
  const dir = scratchDir("keyring");
  const db = `sqlite:${path.join(dir, "keyplane.db")}`;
  const keyringFile = path.join(dir, "master.key");
  const start = () =>
    startServer({ db, port: 0, bootstrapFile: path.join(dir, "bootstrap.json"), masterKeyFile: keyringFile, options: { schedulerMs: 0 } });
  let server: RunningServer;
  let admin: { id: number; key: string };
  const minted: Array<{ id: number; key: string; level: "standard" | "advanced" }> = [];
  let idem: { id: number; key: string };

  const client = (url: string, k: { id: number; key: string; level?: "standard" | "advanced" }) =>
    new KeyplaneClient({ endpoint: url, apiKeyId: k.id, apiKey: k.key, securityLevel: k.level ?? "standard", retries: 0 });
  const works = keyWorks;

  before(async () => {
    server = await start();
    const b = JSON.parse(fs.readFileSync(path.join(dir, "bootstrap.json"), "utf8"));
    admin = { id: b.api_key_id, key: b.api_key };
    const a = client(server.url, admin);
    for (const level of ["standard", "advanced"] as const) {
      const g = await a.apiKeys.generate({ roles: ["Viewer"], securityLevel: level });
      minted.push({ id: g.id, key: g.key, level });
    }
    const g = await a.apiKeys.generate({ roles: ["Viewer"], securityLevel: "standard", idempotencyKey: "rotation-test" });
    idem = { id: g.id, key: g.key };
    await a.close();
  });
  after(async () => {
    await server?.close();
  });

  it("rotates both, rewraps every secret, prunes the old master key, and loses no key", async () => {
    const before = JSON.parse(fs.readFileSync(keyringFile, "utf8"));
    const r = await run(process.execPath, [path.join(repoRoot, "dist", "cli", "main.js"), "keyring", "rotate", "--db", db, "--master-key-file", keyringFile, "--master-key", "--pepper", "--prune", "--settle-ms", "1500"]);
    const res = JSON.parse(r.stdout);
    // Three generates, each with an idempotency key (the SDK adds one so it can retry safely).
    assert.match(r.stderr, /rewrapped 3 Standard hash\(es\), 1 Advanced key\(s\), 3 idempotent repl/);
    const after = JSON.parse(fs.readFileSync(keyringFile, "utf8"));
    assert.notEqual(after.active_master_key, before.active_master_key);
    assert.notEqual(after.active_pepper, before.active_pepper);
    assert.deepEqual(Object.keys(after.master_keys), [after.active_master_key], "the old master key is gone");
    assert.deepEqual(res.masterKey.removed, [before.active_master_key]);
    // The old pepper stays: existing hashes are chained through it (HMAC(new, HMAC(old, key))).
    assert.ok(after.peppers[before.active_pepper]);
    assert.equal(fs.statSync(keyringFile).mode & 0o777, 0o600);

    // Stored rows use the new versions only.
    for (const k of await server.store.allKeySecrets()) {
      if (k.securityLevel === "advanced") assert.equal(k.masterKeyId, after.active_master_key);
      else assert.ok(k.pepperChain!.endsWith(after.active_pepper), k.pepperChain!);
    }

    // The running server reloaded the keyring: every key still works, and so does a new one.
    for (const k of [admin, ...minted, idem]) assert.ok(await works(server.url, k), `key ${k.id} works after the rotation`);
    const a = client(server.url, admin);
    const replay = await a.apiKeys.generate({ roles: ["Viewer"], securityLevel: "standard", idempotencyKey: "rotation-test" });
    assert.deepEqual([replay.id, replay.key, replay.replayed], [idem.id, idem.key, true], "the idempotent reply decrypts under the new master key");
    const fresh = await a.apiKeys.generate({ roles: ["Viewer"], securityLevel: "advanced" });
    await a.close();
    assert.ok(await works(server.url, { id: fresh.id, key: fresh.key, level: "advanced" }));

    // And after a restart.
    await server.close();
    server = await start();
    for (const k of [admin, ...minted, idem]) assert.ok(await works(server.url, k), `key ${k.id} works after a restart`);
  });

  it("refuses to start a server on a keyring file others can read", async () => {
    const f = path.join(dir, "loose.key");
    fs.copyFileSync(keyringFile, f);
    fs.chmodSync(f, 0o644);
    await assert.rejects(startServer({ db: `sqlite:${path.join(dir, "other.db")}`, port: 0, bootstrapFile: path.join(dir, "b2.json"), masterKeyFile: f }), /readable by group or others/);
  });
});
