/**
 * Benchmark 2: management throughput.
 *  - `generate` over HTTP (16 connections, Standard keys, a mix of roles, comments and expirations),
 *    on SQLite and on PostgreSQL, at 1× and 10× (e.g. 1,000 then 10,000 keys), against the raw SQL
 *    insert rate of the same database engine measured in the same run (one row per transaction,
 *    same concurrency: what the database alone allows);
 *  - `get_api_keys` with filters and paging (p50/p99 of serial calls) over 10,000 and 100,000 keys
 *    (SQLite, seeded through the Store), next to the Store's own time for the same query
 *    in-process, and on PostgreSQL over the keys generated there;
 *  - the server's RSS with those keys: after the list calls, and after every key has
 *    authenticated once through `auth/verify` (so the auth cache holds all of them: the worst case).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ListKeysRequest, pageWindow } from "../sdk/contract";
import { openStore } from "../server/start";
import { freshPostgresDatabase } from "../test/helpers/postgres";
import {
  generateKey,
  keyShape,
  MB,
  procCpuSeconds,
  seedKeys,
  type BenchOptions,
  type Row,
} from "./common";
import { Histogram } from "./histogram";
import { runLoad, type Auth } from "./loadgen";
import { keyringFile, startKeyplane, type RunningKeyplane } from "./server-proc";

const GEN_CONNECTIONS = 16;
const GENERATE = "/public_api/v1/api_keys/generate";
const LIST = "/public_api/v1/api_keys/get_api_keys";
const VERIFY = "/public_api/v1/auth/verify";

/** Generate bodies: the same mix as the seeded population. */
function generateBodies(now: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < 64; i++) {
    const s = keyShape(i, now);
    out.push(
      JSON.stringify({
        request_data: {
          roles: s.roles,
          security_level: "standard",
          comment: s.comment,
          ...(s.expiration !== null ? { expiration: s.expiration } : {}),
        },
      }),
    );
  }
  return out;
}

/** The representative list calls over `n` keys. */
function listCalls(n: number): Array<{ name: string; request: Record<string, unknown> }> {
  const deep = Math.floor(n * 0.9);
  return [
    {
      name: "by id",
      request: {
        filters: [{ field: "id", operator: "in", value: [Math.max(1, Math.floor(n / 2))] }],
      },
    },
    {
      name: "roles contains Investigator, first 100",
      request: {
        filters: [{ field: "roles", operator: "contains", value: ["Investigator"] }],
        search_from: 0,
        search_to: 100,
      },
    },
    {
      name: "comment contains 'team-7 (', first 100",
      request: {
        filters: [{ field: "comment", operator: "contains", value: "team-7 (" }],
        search_from: 0,
        search_to: 100,
      },
    },
    {
      name: `sorted by expiration, search_from ${deep.toLocaleString("en-US")}`,
      request: {
        sort: { field: "expiration", keyword: "asc" },
        search_from: deep,
        search_to: deep + 100,
      },
    },
  ];
}

/** Raw SQLite: one-row INSERT transactions (WAL, synchronous=NORMAL, as the server opens it), in a scratch file beside the server's. */
function sqliteRawInsertRate(file: string, n: number): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the driver is loaded only when its database is measured
  const Database = require("better-sqlite3") as typeof import("better-sqlite3");
  fs.rmSync(file, { force: true });
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec(
      "CREATE TABLE raw (id INTEGER PRIMARY KEY, security_level TEXT, secret_hash TEXT, comment TEXT, expiration BIGINT, created_at BIGINT)",
    );
    const ins = db.prepare(
      "INSERT INTO raw (security_level, secret_hash, comment, expiration, created_at) VALUES (?, ?, ?, ?, ?)",
    );
    const t0 = performance.now();
    for (let i = 0; i < n; i++)
      ins.run("standard", "f".repeat(64), `raw ${i}`, Date.now() + i, Date.now());
    return n / ((performance.now() - t0) / 1000);
  } finally {
    db.close();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  }
}

/** Raw PostgreSQL: one-row INSERTs (autocommit) from a 10-connection pool (the server's), 16 at a time. */
async function pgRawInsertRate(url: string, n: number): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the driver is loaded only when its database is measured
  const pg = require("pg") as typeof import("pg");
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  try {
    await pool.query(
      "CREATE TABLE bench_raw (id BIGSERIAL PRIMARY KEY, security_level TEXT, secret_hash TEXT, comment TEXT, expiration BIGINT, created_at BIGINT)",
    );
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: GEN_CONNECTIONS }, async () => {
        while (next < n) {
          const i = next++;
          await pool.query(
            "INSERT INTO bench_raw (security_level, secret_hash, comment, expiration, created_at) VALUES ($1, $2, $3, $4, $5)",
            ["standard", "f".repeat(64), `raw ${i}`, Date.now() + i, Date.now()],
          );
        }
      }),
    );
    const rate = n / ((performance.now() - t0) / 1000);
    await pool.query("DROP TABLE bench_raw");
    return rate;
  } finally {
    await pool.end();
  }
}

interface ListStat {
  name: string;
  p50: number;
  p99: number;
  storeP50: number;
  count: number;
}

/** Serial calls (one connection) of each list request; and the Store's time for the same query, in this process. */
async function measureLists(
  server: RunningKeyplane,
  db: string,
  n: number,
  calls: number,
): Promise<ListStat[]> {
  const out: ListStat[] = [];
  const store = await openStore(db);
  try {
    for (const c of listCalls(n)) {
      const body = JSON.stringify({ request_data: c.request });
      const res = await runLoad({
        origin: server.origin,
        path: LIST,
        connections: 1,
        count: calls,
        warmupCount: Math.ceil(calls / 5),
        caller: server.admin,
        body: { kind: "static", json: body },
      });
      if (res.ok !== res.requests || res.ok === 0)
        throw new Error(
          `list '${c.name}': ${JSON.stringify(res.statuses)} ${res.sampleReply.slice(0, 300)}`,
        );
      const parsed = ListKeysRequest.parse(c.request);
      const { offset, limit } = pageWindow(parsed);
      const h = new Histogram();
      const reps = Math.max(5, Math.min(calls, 50));
      for (let i = 0; i < 3; i++)
        await store.listKeys({
          filters: parsed.filters ?? [],
          sort: parsed.sort,
          offset,
          limit,
          now: Date.now(),
        });
      for (let i = 0; i < reps; i++) {
        const t0 = performance.now();
        await store.listKeys({
          filters: parsed.filters ?? [],
          sort: parsed.sort,
          offset,
          limit,
          now: Date.now(),
        });
        h.record((performance.now() - t0) * 1000);
      }
      out.push({
        name: c.name,
        p50: res.latency.p50,
        p99: res.latency.p99,
        storeP50: h.summary().p50,
        count: res.requests,
      });
    }
  } finally {
    await store.close();
  }
  return out;
}

/** Every key in `keys` authenticates once through auth/verify (fills the auth cache); returns verifies/s. */
async function sweep(
  server: RunningKeyplane,
  verifier: Auth,
  keys: Auth[],
  dir: string,
): Promise<number> {
  const file = path.join(dir, "sweep-keys.json");
  fs.writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
  try {
    const res = await runLoad({
      origin: server.origin,
      path: VERIFY,
      connections: 32,
      count: keys.length,
      caller: verifier,
      body: { kind: "verifyEach", keysFile: file },
    });
    if (res.ok !== res.requests)
      throw new Error(`sweep: ${JSON.stringify(res.statuses)} ${res.sampleReply.slice(0, 300)}`);
    if (!res.sampleReply.includes('"valid":true'))
      throw new Error(`sweep: a key did not verify: ${res.sampleReply.slice(0, 300)}`);
    return res.rps;
  } finally {
    fs.rmSync(file, { force: true }); // key values never outlive the run
  }
}

export async function managementBench(o: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const genCounts = o.quick ? [30, 300] : [1_000, 10_000];
  const listSizes = o.quick ? [500, 5_000] : [10_000, 100_000];
  const listCallsN = o.quick ? 10 : 100;
  const now = Date.now();

  // ---- generate over HTTP, SQLite and PostgreSQL
  for (const kind of ["sqlite", "postgres"] as const) {
    const dir = path.join(o.dir, `generate-${kind}`);
    fs.mkdirSync(dir, { recursive: true });
    let db: string;
    let drop = async () => undefined as void;
    if (kind === "sqlite") db = `sqlite:${path.join(dir, "keyplane.db")}`;
    else {
      const pg = await freshPostgresDatabase();
      db = pg.url;
      drop = pg.drop;
    }
    try {
      const server = await startKeyplane({ db, dir });
      try {
        for (const n of genCounts) {
          const raw =
            kind === "sqlite"
              ? sqliteRawInsertRate(path.join(dir, "raw.db"), n)
              : await pgRawInsertRate(db, n);
          const cpu0 = procCpuSeconds(server.pid);
          const res = await runLoad({
            origin: server.origin,
            path: GENERATE,
            connections: GEN_CONNECTIONS,
            count: n,
            caller: server.admin,
            body: { kind: "cycle", json: generateBodies(now) },
          });
          const cpuMs = ((procCpuSeconds(server.pid) - cpu0) / res.allReplies) * 1000;
          if (res.ok !== n)
            throw new Error(
              `generate on ${kind}: ${res.ok}/${n} succeeded: ${JSON.stringify(res.statuses)} ${res.sampleReply.slice(0, 300)}`,
            );
          o.log(
            `management: generate ${n} keys on ${kind}: ${res.rps.toFixed(0)} keys/s (p50 ${res.latency.p50} ms, p99 ${res.latency.p99} ms, ${cpuMs.toFixed(2)} ms server CPU/key); raw insert ${raw.toFixed(0)} rows/s`,
          );
          rows.push({
            section: "management",
            name: `generate ${n.toLocaleString("en-US")} keys over HTTP, ${kind}`,
            value: res.rps,
            unit: "keys/s",
            baseline: raw,
            baselineName: `raw one-row INSERT transactions, ${kind}`,
            ratio: res.rps / raw,
            p50: res.latency.p50,
            p99: res.latency.p99,
            cpuUs: cpuMs * 1000,
          });
        }
        if (kind === "postgres") {
          const total = genCounts.reduce((a, b) => a + b, 0) + 1;
          for (const l of await measureLists(server, db, total, listCallsN)) {
            rows.push({
              section: "management",
              name: `list ${l.name} (${total.toLocaleString("en-US")} keys, postgres)`,
              value: l.p50,
              unit: "ms p50",
              p50: l.p50,
              p99: l.p99,
              baseline: l.storeP50,
              baselineName: "Store.listKeys in-process, p50",
              ratio: l.p50 / l.storeP50,
            });
            o.log(
              `management: postgres list ${l.name}: p50 ${l.p50} ms p99 ${l.p99} ms (store ${l.storeP50} ms)`,
            );
          }
        }
      } finally {
        await server.stop();
      }
    } finally {
      await drop();
    }
  }

  // ---- lists and RSS over seeded keys (SQLite)
  const dir = path.join(o.dir, "lists");
  fs.mkdirSync(dir, { recursive: true });
  const db = `sqlite:${path.join(dir, "keyplane.db")}`;
  let server = await startKeyplane({ db, dir }); // bootstrap: the admin key and the keyring
  const verifier = await generateKey(server.origin, server.admin, ["Key Verifier"], "standard");
  await server.stop();
  const known: Auth[] = [];
  for (const n of listSizes) {
    const seeded = await seedKeys(db, keyringFile(dir), n, now);
    known.push(...seeded.created);
    o.log(
      `management: ${n} keys (seeded ${seeded.created.length} through the Store in ${seeded.seconds.toFixed(1)} s, ${(seeded.created.length / seeded.seconds).toFixed(0)} keys/s)`,
    );
    server = await startKeyplane({ db, dir });
    try {
      for (const l of await measureLists(server, db, n, listCallsN)) {
        rows.push({
          section: "management",
          name: `list ${l.name} (${n.toLocaleString("en-US")} keys, sqlite)`,
          value: l.p50,
          unit: "ms p50",
          p50: l.p50,
          p99: l.p99,
          baseline: l.storeP50,
          baselineName: "Store.listKeys in-process, p50",
          ratio: l.p50 / l.storeP50,
        });
        o.log(
          `management: sqlite list ${l.name} @${n}: p50 ${l.p50} ms p99 ${l.p99} ms (store ${l.storeP50} ms)`,
        );
      }
      const afterLists = await server.memory();
      const t0 = performance.now();
      const rate = await sweep(server, verifier, known, dir);
      const afterSweep = await server.memory();
      o.log(
        `management: RSS @${n}: ${MB(afterLists.rss)} MB after lists; ${MB(afterSweep.rss)} MB (peak ${MB(afterSweep.peakRss)} MB) after ${known.length} keys authenticated (${rate.toFixed(0)}/s, ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      );
      rows.push({
        section: "management",
        name: `server RSS, ${n.toLocaleString("en-US")} keys, after the list calls`,
        value: MB(afterLists.rss),
        unit: "MB",
        goal: "≤ 200 MB",
        met: MB(afterLists.rss) <= 200,
      });
      rows.push({
        section: "management",
        name: `server RSS, ${n.toLocaleString("en-US")} keys, all in the auth cache`,
        value: MB(afterSweep.rss),
        unit: "MB",
        goal: "≤ 200 MB",
        met: MB(afterSweep.peakRss || afterSweep.rss) <= 200,
        note: `peak ${MB(afterSweep.peakRss)} MB, heap ${MB(afterSweep.heapUsed)} MB; ${known.length.toLocaleString("en-US")} verifies at ${rate.toFixed(0)}/s`,
      });
    } finally {
      await server.stop();
    }
  }
  known.length = 0;
  return rows;
}
