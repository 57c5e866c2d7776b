/**
 * The servers the reliability suites run against, each registered for the secrets scan:
 * `keyplane server` as a child process (its output captured), an in-process server on 127.0.0.1,
 * fresh databases kept until the scan, and an administrator key written straight into a store.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { launcherNodeFlags } from "../../../cli/nodeFlags";
import { generateKeyValue } from "../../../server/crypto/keyFormat";
import type { KeyRecord } from "../../../server/store/store";
import { repoRoot, scratchDir } from "../../helpers/paths";
import { freshPostgresDatabase } from "../../helpers/postgres";
import {
  startTestServer,
  type Credential,
  type TestServer,
  type TestServerOptions,
} from "../../helpers/server";
import { registry, type Reopened } from "../registry";

export const CLI = path.join(repoRoot, "dist", "cli", "main.js");
/** A scratch directory for this suite, removed at the end of the run. */
export function relDir(prefix: string): string {
  return registry.scratchDir(scratchDir(`rel-${prefix}`));
}
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

/** Starts `node <launcher flags> dist/cli/main.js server --port 0 …` and waits for "keyplane listening on URL". */
export async function startCli(o: CliOptions): Promise<CliServer> {
  const keyFile = o.keyFile ?? path.join(o.dir, "master.key");
  const bootstrapFile = o.bootstrapFile ?? path.join(o.dir, "bootstrap.json");
  const proc = spawn(
    process.execPath,
    [
      ...launcherNodeFlags(CLI),
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
        // The fuzzers may have deleted, revoked, expired, demoted or scoped the bootstrap admin
        // (an edit's role, scope or expiration lands on any id): then the scan gets its own.
        const scanAdmin = stillInstanceAdmin(await r.running.store.getKey(admin.id))
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
 * Whether a key can still read everything until `until` (ms): an active, unretired, unscoped
 * Instance Administrator that does not expire before then (the fuzzers edit any id).
 */
export function stillInstanceAdmin(k: KeyRecord | null | undefined, until = Date.now()): boolean {
  return (
    !!k &&
    k.status === "active" &&
    !k.retiring &&
    (k.expiration === null || k.expiration > until) &&
    k.roleIds.includes("instance_administrator") &&
    !k.hasScope
  );
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
