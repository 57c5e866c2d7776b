/**
 * In-process measurements behind changes recorded in bench/RESULTS.md (not part of
 * `npm run bench`: they time one function, not the service):
 *
 *   node dist/bench/micro.js nonces [--pg] [--rows N]  # µs CPU per nonce: one INSERT each vs Store.recordNonce's batches
 *   node --expose-gc dist/bench/micro.js cache # bytes per key held by the auth cache, after GC
 *   node dist/bench/micro.js list [--keys N]   # µs CPU per Store.listKeys by id, 10,000 keys (or N)
 *
 * `--pg` uses a scratch database in the PostgreSQL that KEYPLANE_TEST_PG_URL names (or a private
 * cluster, as the tests do); otherwise a scratch SQLite file. `--rows N` first fills the nonce
 * table with N nonces (default 100,000): a server under Advanced load keeps two hours of them,
 * and a nonce costs more in a bigger table (random B-tree pages; on SQLite, WAL checkpoints).
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AuthCache } from "../server/auth/cache";
import { Keyring } from "../server/crypto/keyring";
import { openStore } from "../server/start";
import { freshPostgresDatabase } from "../test/helpers/postgres";
import { seedKeys } from "./common";
import { keyringFile, startKeyplane } from "./server-proc";

const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), "keyplane-micro-"));

async function nonces(pg: boolean, rows: number): Promise<void> {
  const dir = scratch();
  const db = pg
    ? await freshPostgresDatabase()
    : { url: `sqlite:${path.join(dir, "nonces.db")}`, drop: async () => undefined };
  const store = await openStore(db.url);
  try {
    const at = Date.now();
    for (let i = 0; i < rows; i += 500) {
      const n = Math.min(500, rows - i);
      await store.nonces.insert(
        Array.from({ length: n }, (_, j) => ({
          keyId: 1 + ((i + j) % 8), // the keys measured below
          nonce: randomBytes(48).toString("base64url"),
          seenAt: at,
        })),
      );
    }
    console.log(`${pg ? "postgres" : "sqlite"}: ${rows} nonces in the table first`);
    const ROUNDS = 300;
    const CONCURRENT = 32;
    const single = (k: number, nonce: string, t: number) =>
      store.nonces.insert([{ keyId: k, nonce, seenAt: t }]).then(([fresh]) => fresh!);
    const batched = (k: number, nonce: string, t: number) => store.recordNonce(k, nonce, t);
    for (const [name, record] of [
      ["one INSERT each", single],
      ["Store.recordNonce", batched],
      ["one INSERT each", single],
      ["Store.recordNonce", batched],
    ] as const) {
      // Random, 64 characters, as the SDK's (drawn before the clock starts): sequential nonces
      // would land on neighbouring index pages and hide the cost of a random one.
      const nonces = Array.from({ length: ROUNDS * CONCURRENT }, () =>
        randomBytes(48).toString("base64url"),
      );
      let n = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let r = 0; r < ROUNDS; r++) {
        const fresh = await Promise.all(
          Array.from({ length: CONCURRENT }, (_, i) =>
            record(1 + (i % 8), nonces[n++]!, Date.now()),
          ),
        );
        if (!fresh.every(Boolean)) throw new Error("a new nonce was taken for a replay");
      }
      const cpu = process.cpuUsage(cpu0);
      const us = (cpu.user + cpu.system) / (ROUNDS * CONCURRENT);
      console.log(
        `${pg ? "postgres" : "sqlite"}: ${name}: ${us.toFixed(1)} µs CPU per nonce, ${(performance.now() - t0).toFixed(0)} ms for ${ROUNDS} rounds of ${CONCURRENT}`,
      );
    }
  } finally {
    await store.close();
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function cache(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc");
  const dir = scratch();
  const db = `sqlite:${path.join(dir, "keyplane.db")}`;
  try {
    await (await startKeyplane({ db, dir })).stop(); // bootstrap: the keyring and the admin key
    const N = 50_000;
    const seeded = await seedKeys(db, keyringFile(dir), N);
    const store = await openStore(db);
    const c = new AuthCache(store, Keyring.load(keyringFile(dir)).keyring);
    for (let id = 1; id <= 50; id++) await c.key(id); // grants, strings and code paths warm
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let id = 51; id <= N; id++) await c.key(id);
    gc();
    gc();
    const per = (process.memoryUsage().heapUsed - before) / (N - 50);
    // Still using the cache here keeps it alive through the GCs above.
    if (!(await c.key(N))) throw new Error(`key ${N} is not in the cache`);
    console.log(
      `auth cache: ${per.toFixed(0)} bytes per key (${N - 50} keys loaded, heap after GC)`,
    );
    // As after a sweep of verifies: each Standard key's value proven on its entry.
    for (const k of seeded.created) {
      const e = await c.key(k.id);
      if (e?.securityLevel === "standard") e.remember(k.key);
    }
    gc();
    gc();
    const proven = (process.memoryUsage().heapUsed - before) / (N - 50);
    if (!(await c.key(N))) throw new Error(`key ${N} is not in the cache`);
    console.log(`auth cache: ${proven.toFixed(0)} bytes per key once each key's value is proven`);
    await store.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `get_api_keys` by id, in the store: µs CPU per `Store.listKeys` call over `keys` keys. */
async function list(keys: number): Promise<void> {
  const dir = scratch();
  const db = `sqlite:${path.join(dir, "keyplane.db")}`;
  try {
    await (await startKeyplane({ db, dir })).stop(); // bootstrap: the keyring and the admin key
    await seedKeys(db, keyringFile(dir), keys);
    const store = await openStore(db);
    const q = {
      filters: [{ field: "id" as const, operator: "in" as const, value: [5_000] }],
      offset: 0,
      limit: 100,
      now: Date.now(),
      totalCount: keys,
    };
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 2_000; i++) await store.listKeys(q); // warm
      const N = 10_000;
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < N; i++)
        if ((await store.listKeys(q)).rows.length !== 1) throw new Error("key 5000 is missing");
      const cpu = process.cpuUsage(cpu0);
      console.log(
        `Store.listKeys by id: ${((cpu.user + cpu.system) / N).toFixed(1)} µs CPU per call`,
      );
    }
    await store.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const [what, ...rest] = process.argv.slice(2);
  if (what === "nonces") {
    const i = rest.indexOf("--rows");
    const rows = i >= 0 ? Number(rest[i + 1]) : 100_000;
    if (!Number.isInteger(rows) || rows < 0) throw new Error("--rows: a whole number of nonces");
    return nonces(rest.includes("--pg"), rows);
  }
  if (what === "cache") return cache();
  if (what === "list") {
    const at = rest.indexOf("--keys");
    const keys = at >= 0 ? Number(rest[at + 1]) : 10_000;
    if (!Number.isInteger(keys) || keys < 5_000) throw new Error("--keys: a whole number ≥ 5000");
    return list(keys);
  }
  console.error(
    "usage: node dist/bench/micro.js nonces [--pg] [--rows N] | list [--keys N] | node --expose-gc dist/bench/micro.js cache",
  );
  process.exitCode = 2;
}

void main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
