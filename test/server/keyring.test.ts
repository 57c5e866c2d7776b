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
import { Keyring } from "../../server/crypto/keyring";
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
    startServer({
      db,
      port: 0,
      bootstrapFile: path.join(dir, "bootstrap.json"),
      masterKeyFile: keyringFile,
      options: { schedulerMs: 0 },
    });
  let server: RunningServer;
  let admin: { id: number; key: string };
  const minted: Array<{ id: number; key: string; level: "standard" | "advanced" }> = [];
  let idem: { id: number; key: string };

  const client = (url: string, k: { id: number; key: string; level?: "standard" | "advanced" }) =>
    new KeyplaneClient({
      endpoint: url,
      apiKeyId: k.id,
      apiKey: k.key,
      securityLevel: k.level ?? "standard",
      retries: 0,
    });
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
    const g = await a.apiKeys.generate({
      roles: ["Viewer"],
      securityLevel: "standard",
      idempotencyKey: "rotation-test",
    });
    idem = { id: g.id, key: g.key };
    await a.close();
  });
  after(async () => {
    await server?.close();
  });

  it("rotates both, rewraps every secret, prunes the old master key, and loses no key", async () => {
    const before = JSON.parse(fs.readFileSync(keyringFile, "utf8"));
    const r = await run(process.execPath, [
      path.join(repoRoot, "dist", "cli", "main.js"),
      "keyring",
      "rotate",
      "--db",
      db,
      "--master-key-file",
      keyringFile,
      "--master-key",
      "--pepper",
      "--prune",
      "--settle-ms",
      "1500",
    ]);
    const res = JSON.parse(r.stdout);
    // Three generates, each with an idempotency key (the SDK adds one so it can retry safely).
    assert.match(
      r.stderr,
      /rewrapped 3 Standard hash\(es\), 1 Advanced key\(s\), 3 idempotent repl/,
    );
    const after = JSON.parse(fs.readFileSync(keyringFile, "utf8"));
    assert.notEqual(after.active_master_key, before.active_master_key);
    assert.notEqual(after.active_pepper, before.active_pepper);
    assert.deepEqual(
      Object.keys(after.master_keys),
      [after.active_master_key],
      "the old master key is gone",
    );
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
    for (const k of [admin, ...minted, idem])
      assert.ok(await works(server.url, k), `key ${k.id} works after the rotation`);
    const a = client(server.url, admin);
    const replay = await a.apiKeys.generate({
      roles: ["Viewer"],
      securityLevel: "standard",
      idempotencyKey: "rotation-test",
    });
    assert.deepEqual(
      [replay.id, replay.key, replay.replayed],
      [idem.id, idem.key, true],
      "the idempotent reply decrypts under the new master key",
    );
    const fresh = await a.apiKeys.generate({ roles: ["Viewer"], securityLevel: "advanced" });
    await a.close();
    assert.ok(await works(server.url, { id: fresh.id, key: fresh.key, level: "advanced" }));

    // And after a restart.
    await server.close();
    server = await start();
    for (const k of [admin, ...minted, idem])
      assert.ok(await works(server.url, k), `key ${k.id} works after a restart`);
  });

  it("refuses to start a server on a keyring file others can read", async () => {
    const f = path.join(dir, "loose.key");
    fs.copyFileSync(keyringFile, f);
    fs.chmodSync(f, 0o644);
    await assert.rejects(
      startServer({
        db: `sqlite:${path.join(dir, "other.db")}`,
        port: 0,
        bootstrapFile: path.join(dir, "b2.json"),
        masterKeyFile: f,
      }),
      /readable by group or others/,
    );
  });
});

describe("a keyring that does not match the stored keys", function () {
  this.timeout(60_000);
  const dir = scratchDir("keyring-check");
  const db = `sqlite:${path.join(dir, "keyplane.db")}`;
  const keyringFile = path.join(dir, "master.key");
  const logs: string[] = [];
  const start = (file = keyringFile) =>
    startServer({
      db,
      port: 0,
      bootstrapFile: path.join(dir, "bootstrap.json"),
      masterKeyFile: file,
      logger: { level: "info", stream: { write: (l: string) => logs.push(l) } },
      options: { schedulerMs: 0 },
    });
  let server: RunningServer | undefined;
  const keys: Array<{ id: number; key: string; level: "standard" | "advanced" }> = [];

  before(async () => {
    server = await start();
    const b = JSON.parse(fs.readFileSync(path.join(dir, "bootstrap.json"), "utf8"));
    keys.push({ id: b.api_key_id, key: b.api_key, level: "standard" });
    const a = new KeyplaneClient({
      endpoint: server.url,
      apiKeyId: b.api_key_id,
      apiKey: b.api_key,
      retries: 0,
    });
    const g = await a.apiKeys.generate({ roles: ["Viewer"], securityLevel: "advanced" });
    keys.push({ id: g.id, key: g.key, level: "advanced" });
    await a.close();
  });
  after(async () => {
    await server?.close();
  });

  const allWork = async (url: string) => {
    for (const k of keys) assert.ok(await keyWorks(url, k), `${k.level} key ${k.id} works`);
  };
  const waitForLog = async (re: RegExp) => {
    for (let i = 0; i < 60 && !logs.some((l) => re.test(l)); i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.ok(
      logs.some((l) => re.test(l)),
      `a log line matching ${re}`,
    );
  };

  it("keeps the old keyring when the file is deleted while the server runs (no new one is made)", async () => {
    const saved = fs.readFileSync(keyringFile);
    fs.rmSync(keyringFile);
    try {
      await waitForLog(/^(?=.*keyring reload refused)(?=.*does not exist)/);
      assert.equal(fs.existsSync(keyringFile), false, "no keyring was generated in its place");
      await allWork(server!.url);
    } finally {
      fs.writeFileSync(keyringFile, saved, { mode: 0o600 });
    }
  });

  it("keeps the old keyring when the file is replaced by another with the same version ids", async () => {
    logs.length = 0;
    const saved = fs.readFileSync(keyringFile);
    // A keyring generated the same day has the same date-stamped ids and other material.
    const other = Keyring.generate();
    const mine = JSON.parse(saved.toString("utf8"));
    const forged = JSON.parse(other.serialize());
    forged.active_master_key = mine.active_master_key;
    forged.active_pepper = mine.active_pepper;
    forged.master_keys = { [mine.active_master_key]: Object.values(forged.master_keys)[0] };
    forged.peppers = { [mine.active_pepper]: Object.values(forged.peppers)[0] };
    fs.writeFileSync(keyringFile, JSON.stringify(forged), { mode: 0o600 });
    try {
      await waitForLog(/^(?=.*keyring reload refused)(?=.*does not match this database)/);
      await allWork(server!.url);
    } finally {
      fs.writeFileSync(keyringFile, saved, { mode: 0o600 });
    }
    await server!.close();
    server = undefined;
  });

  it("refuses to start with a wrong keyring file, or with none, over a database that holds keys", async () => {
    const wrong = path.join(dir, "wrong.key");
    Keyring.generate().save(wrong);
    await assert.rejects(start(wrong), /does not match this database/);
    await assert.rejects(start(path.join(dir, "missing.key")), /does not exist/);
    assert.equal(fs.existsSync(path.join(dir, "missing.key")), false);
    server = await start();
    await allWork(server.url);
  });
});
