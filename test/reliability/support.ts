/**
 * What the reliability files share: `keyplane server` as a child process (its output captured
 * for the secrets scan), fresh databases kept until the scan, an undici-based caller with
 * bounded concurrency, Advanced signing, direct database queries, and the key scanner.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Pool, type Dispatcher } from "undici";
import { authHeaders } from "../../sdk/contract";
import { generateKeyValue } from "../../server/crypto/keyFormat";
import { repoRoot, scratchDir } from "../helpers/paths";
import { freshPostgresDatabase } from "../helpers/postgres";
import {
  callResult,
  startTestServer,
  type Credential,
  type TestServer,
  type TestServerOptions,
} from "../helpers/server";
import { registry, type Reopened } from "./registry";

export const CLI = path.join(repoRoot, "dist", "cli", "main.js");
export const VALIDATE = "/public_api/v1/api_keys/validate";
export const GENERATE = "/public_api/v1/api_keys/generate";
export const HEALTH = "/public_api/v1/healthcheck";

/** A scratch directory for this suite, removed at the end of the run. */
export function relDir(prefix: string): string {
  return registry.scratchDir(scratchDir(`rel-${prefix}`));
}

export { pollUntil, signed, sleep } from "../helpers/wire";

// ---------------------------------------------------------------------------------------------
// `keyplane server` as a child process

export interface CliServer {
  name: string;
  url: string;
  proc: ChildProcess;
  admin: Credential;
  dbUrl: string;
  keyFile: string;
  bootstrapFile: string;
  /** stdout and stderr as written so far. */
  output(): Buffer;
  /** Sends a signal and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM (graceful: the scheduler gives its lease up), then SIGKILL after 10 s. */
  stop(): Promise<void>;
  exited: boolean;
}

export interface CliOptions {
  name: string;
  db: string;
  dir: string;
  /** Keyring file; default `<dir>/master.key` (generated 0600 on first start). */
  keyFile?: string;
  /** Bootstrap file; default `<dir>/bootstrap.json`. */
  bootstrapFile?: string;
  env?: Record<string, string>;
}

/** Starts `node dist/cli/main.js server --port 0 …` and waits for "keyplane listening on URL". */
export async function startCli(o: CliOptions): Promise<CliServer> {
  const keyFile = o.keyFile ?? path.join(o.dir, "master.key");
  const bootstrapFile = o.bootstrapFile ?? path.join(o.dir, "bootstrap.json");
  const proc = spawn(
    process.execPath,
    [
      CLI,
      "server",
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--db",
      o.db,
      "--bootstrap-file",
      bootstrapFile,
      "--master-key-file",
      keyFile,
    ],
    { cwd: o.dir, env: { ...process.env, ...(o.env ?? {}) }, stdio: ["ignore", "pipe", "pipe"] },
  );
  registry.track(proc);
  const chunks: Buffer[] = [];
  proc.stdout!.on("data", (b: Buffer) => chunks.push(b));
  proc.stderr!.on("data", (b: Buffer) => chunks.push(b));
  const output = () => Buffer.concat(chunks);
  registry.log(`server ${o.name} (pid ${proc.pid})`, output);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    proc.once("exit", () => ((exited = true), resolve())),
  );

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`${o.name}: no "listening" line within 30 s:\n${output().toString()}`));
    }, 30_000);
    const onData = () => {
      const m = /keyplane listening on (http:\/\/[^\s]+)/.exec(output().toString());
      if (m) {
        clearTimeout(timer);
        proc.stdout!.off("data", onData);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on("data", onData);
    void exit.then(() => {
      clearTimeout(timer);
      reject(
        new Error(
          `${o.name} exited before listening (code ${proc.exitCode}, signal ${proc.signalCode}):\n${output().toString()}`,
        ),
      );
    });
  });
  const boot = JSON.parse(fs.readFileSync(bootstrapFile, "utf8")) as {
    api_key_id: number;
    api_key: string;
  };
  const admin: Credential = { id: boot.api_key_id, key: boot.api_key, level: "standard" };
  registry.minted(admin.id, admin.key, `${o.name} bootstrap admin`);
  const s: CliServer = {
    name: o.name,
    url,
    proc,
    admin,
    dbUrl: o.db,
    keyFile,
    bootstrapFile,
    output,
    get exited() {
      return exited;
    },
    async kill(signal = "SIGKILL") {
      if (!exited) proc.kill(signal);
      await exit;
    },
    async stop() {
      if (exited) return;
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await exit;
      clearTimeout(t);
    },
  };
  return s;
}

/** A reopen function for the secrets scan: the same database, keyring and bootstrap file. */
export function reopenCli(o: CliOptions): () => Promise<Reopened> {
  return async () => {
    const s = await startCli({ ...o, name: `${o.name} (reopened for the scan)` });
    return { url: s.url, admin: s.admin, logs: s.output, close: () => s.stop() };
  };
}

/** A fresh PostgreSQL database, kept (and scanned) until the end of the run, then dropped. */
export async function retainedPostgres(label: string): Promise<string> {
  const pg = await freshPostgresDatabase();
  registry.deferred(`drop ${label}`, pg.drop);
  return pg.url;
}

/** Failure rate limiting off (in-process servers whose point is to reach the code behind it). */
export const NO_RATE_LIMIT = { perAddress: 1e9, perKeyId: 1e9, windowMs: 60_000 };

/**
 * An in-process server (test/helpers/server.ts) listening on 127.0.0.1, its log and database
 * registered for the secrets scan. The database is kept to the end of the run: pass `dbUrl`
 * (a retained PostgreSQL database, or another replica's) or get a SQLite file in `dir`.
 */
export async function startHarness(
  label: string,
  o: TestServerOptions & { dir: string },
): Promise<TestServer> {
  const dbUrl =
    o.dbUrl ?? `sqlite:${path.join(o.dir, `${label.replace(/[^A-Za-z0-9-]/g, "_")}.db`)}`;
  const t = await startTestServer({ ...o, dbUrl });
  const logs = t.logs;
  registry.log(`in-process server ${label}`, () => logs.join("\n"));
  if (t.running.bootstrap.created) {
    registry.minted(t.admin.id, t.admin.key, `${label} bootstrap admin`);
    const admin = t.admin;
    const keyring = t.keyring;
    registry.retainDb({
      label,
      kind: dbUrl.startsWith("postgres") ? "postgres" : "sqlite",
      dbUrl,
      reopen: async () => {
        const r = await startTestServer({ dbUrl, keyring, options: { rateLimit: NO_RATE_LIMIT } });
        const rlogs = r.logs;
        // The bootstrap admin may be gone (the fuzzers delete keys): the scan gets its own.
        const scanAdmin =
          (await r.running.store.getKey(admin.id))?.status === "active"
            ? admin
            : await storeAdmin(r, `${label} scan admin`);
        return {
          url: r.url,
          admin: scanAdmin,
          logs: () => Buffer.from(rlogs.join("\n")),
          close: () => r.close(),
        };
      },
    });
  }
  return t;
}

/**
 * An Instance Administrator key written straight into an in-process server's store, as the
 * bootstrap does (for fuzzers, whose requests may delete or demote every key made over the API).
 */
export async function storeAdmin(t: TestServer, where: string): Promise<Credential> {
  const key = generateKeyValue(randomBytes);
  const now = Date.now();
  const id = await t.running.store.createKey({
    securityLevel: "standard",
    secret: () => {
      const h = t.keyring.hashKey(key);
      return { secretHash: h.hash, pepperChain: h.chain, secretEnc: null, masterKeyId: null };
    },
    comment: where,
    expiration: null,
    createdAt: now,
    createdBy: "reliability",
    userName: "reliability",
    creatorKeyId: null,
    roleIds: ["instance_administrator"],
    bindingIds: [`rb-rel-${now}-${randomBytes(4).toString("hex")}`],
  });
  t.running.app.services.cache.invalidate();
  registry.minted(id, key, where);
  return { id, key, level: "standard" };
}

// ---------------------------------------------------------------------------------------------
// Calling the API

export interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a reply of any route, parsed JSON
  body: any;
}

/** Headers for a credential (Advanced: freshly signed). */
export function credHeaders(c: Credential): Record<string, string> {
  return authHeaders({ apiKeyId: c.id, apiKey: c.key, securityLevel: c.level });
}

/** A JSON caller over one undici dispatcher (a pool of `connections` sockets). */
export class Api {
  readonly dispatcher: Dispatcher;
  constructor(
    readonly url: string,
    connections = 16,
  ) {
    this.dispatcher = new Pool(url, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 10_000,
      connect: { timeout: 5_000 },
    });
  }

  async call(
    method: string,
    pathname: string,
    o: {
      body?: unknown;
      as?: Credential | null;
      headers?: Record<string, string>;
      timeoutMs?: number;
    } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = {
      ...(o.body !== undefined ? { "content-type": "application/json" } : {}),
      ...(o.as ? credHeaders(o.as) : {}),
      ...(o.headers ?? {}),
    };
    const res = await this.dispatcher.request({
      origin: this.url,
      path: pathname,
      method: method as Dispatcher.HttpMethod,
      headers,
      body:
        o.body === undefined
          ? undefined
          : typeof o.body === "string"
            ? o.body
            : JSON.stringify(o.body),
      headersTimeout: o.timeoutMs ?? 30_000,
      bodyTimeout: o.timeoutMs ?? 30_000,
    });
    return callResult(res.statusCode, await res.body.text(), res.headers);
  }

  /** POST with `{request_data}` as `as`. */
  post(
    pathname: string,
    requestData: unknown,
    as: Credential | null,
    headers?: Record<string, string>,
  ): Promise<Reply> {
    return this.call("POST", pathname, { body: { request_data: requestData }, as, headers });
  }

  async close(): Promise<void> {
    await this.dispatcher.close().catch(() => undefined);
  }
}

/** Throws with the reply when the status is not the one expected. */
export function expectStatus(r: Reply, status: number, what: string): Reply {
  if (r.status !== status)
    throw new Error(`${what}: expected ${status}, got ${r.status} ${r.text.slice(0, 500)}`);
  return r;
}

/** Generates a key as `as` and records it in the registry. */
export async function mint(
  api: Api,
  as: Credential,
  o: {
    roles?: string[];
    level?: "standard" | "advanced";
    expiration?: number;
    comment?: string;
    where: string;
  },
): Promise<Credential> {
  const level = o.level ?? "standard";
  const r = expectStatus(
    await api.post(
      GENERATE,
      {
        roles: o.roles ?? ["Viewer"],
        security_level: level,
        ...(o.expiration !== undefined ? { expiration: o.expiration } : {}),
        ...(o.comment ? { comment: o.comment } : {}),
      },
      as,
    ),
    200,
    `generate (${o.where})`,
  );
  registry.minted(r.body.reply.id, r.body.reply.key, o.where);
  return { id: r.body.reply.id, key: r.body.reply.key, level };
}

/** Every key on the server, through get_api_keys pages of 1000. */
export async function listAllKeys(
  api: Api,
  admin: Credential,
): Promise<
  Array<{
    id: number;
    roles: string[];
    comment: string | null;
    status: string;
    security_level: string;
  }>
> {
  const out: Array<{
    id: number;
    roles: string[];
    comment: string | null;
    status: string;
    security_level: string;
  }> = [];
  for (let from = 0; from < 1_000_000; from += 1000) {
    const r = expectStatus(
      await api.post(
        "/public_api/v1/api_keys/get_api_keys",
        { search_from: from, search_to: from + 1000, sort: { field: "id", keyword: "asc" } },
        admin,
      ),
      200,
      "get_api_keys",
    );
    const rows = (r.body.reply.DATA ?? r.body.reply.data) as typeof out;
    out.push(...rows);
    if (rows.length < 1000) break;
  }
  return out;
}

/** The whole management audit log, over the API, as JSON text. */
export async function auditDump(
  api: Api,
  admin: Credential,
): Promise<{ text: string; count: number }> {
  const parts: string[] = [];
  let count = 0;
  for (let from = 0; from < 2_000_000; from += 1000) {
    const r = expectStatus(
      await api.post(
        "/public_api/v1/audits/management_logs",
        { search_from: from, search_to: from + 1000 },
        admin,
      ),
      200,
      "management_logs",
    );
    const rows = r.body.reply.data as unknown[];
    count += rows.length;
    parts.push(JSON.stringify(rows));
    if (rows.length < 1000) break;
  }
  return { text: parts.join("\n"), count };
}

/**
 * Runs `fn(i)` for i in [0, count) with at most `concurrency` in flight. `stop()` (checked
 * before each start) ends the run early; every started call is awaited.
 */
export async function bounded<T>(
  count: number,
  concurrency: number,
  fn: (i: number) => Promise<T>,
  stop: () => boolean = () => false,
): Promise<Array<T | undefined>> {
  const out: Array<T | undefined> = new Array(count);
  let next = 0;
  const worker = async () => {
    for (;;) {
      if (stop()) return;
      const i = next++;
      if (i >= count) return;
      out[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Databases, directly

/** Rows of a query on a `sqlite:` (read-only) or `postgres://` database. `?` placeholders. */
export async function dbQuery<T = Record<string, unknown>>(
  dbUrl: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  if (dbUrl.startsWith("sqlite:")) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the driver is loaded only when SQLite is queried
    const Database = require("better-sqlite3") as typeof import("better-sqlite3");
    const db = new Database(dbUrl.slice("sqlite:".length), { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all(...(params as never[])) as T[];
    } finally {
      db.close();
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the driver is loaded only when PostgreSQL is queried
  const pg = require("pg") as typeof import("pg");
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    let n = 0;
    return (
      await c.query(
        sql.replace(/\?/g, () => `$${++n}`),
        params,
      )
    ).rows as T[];
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------------------------------------
// The key scanner

const PROBE = 24;

/** The strings to look for: the key, its base64 and hex forms, in overlapping probes of 24 characters. */
function probesOf(key: string): string[] {
  const forms = [
    key,
    Buffer.from(key).toString("base64"),
    Buffer.from(key).toString("base64url"),
    Buffer.from(key).toString("hex"),
  ];
  const out: string[] = [];
  for (const f of forms) {
    // Any leaked piece of 2*PROBE-1 characters or more holds one whole probe.
    for (let i = 0; i + PROBE <= f.length; i += PROBE) out.push(f.slice(i, i + PROBE));
    out.push(f.slice(f.length - PROBE));
  }
  return out;
}

/**
 * Finds leaked keys in bytes or text: any 24-character window of a key (raw, base64, base64url
 * or hex) inside a run of token characters. One pass over the haystack, whatever the number of
 * keys.
 */
export class KeyScanner {
  private readonly probes = new Map<string, number>();
  constructor(readonly keys: Array<{ id: number; key: string; where: string }>) {
    keys.forEach((k, i) => {
      for (const p of probesOf(k.key)) this.probes.set(p, i);
    });
  }

  /** The keys (as "id (where)") found in the haystack. */
  scan(haystack: Buffer | string): string[] {
    const s = typeof haystack === "string" ? haystack : haystack.toString("latin1");
    const found = new Set<number>();
    const runs = /[A-Za-z0-9+/=_-]{24,}/g;
    for (let m = runs.exec(s); m; m = runs.exec(s)) {
      const run = m[0];
      for (let i = 0; i + PROBE <= run.length; i++) {
        const hit = this.probes.get(run.slice(i, i + PROBE));
        if (hit !== undefined) found.add(hit);
      }
    }
    return [...found].map((i) => `key ${this.keys[i]!.id} (${this.keys[i]!.where})`);
  }
}

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
