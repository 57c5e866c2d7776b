/**
 * SQLite driver on better-sqlite3: WAL, foreign keys, a busy timeout. better-sqlite3 is
 * synchronous and this process holds one connection, so a transaction takes an async lock:
 * statements from other requests wait until it commits and never see its uncommitted rows.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { UniqueViolation, type Driver, type Param, type RunResult } from "./driver";
import { nonceDigest } from "./nonces";

/** A FIFO async lock. */
class Lock {
  private tail: Promise<void> = Promise.resolve();
  private held = false;

  get locked(): boolean {
    return this.held;
  }

  async acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const prev = this.tail;
    this.tail = prev.then(() => next);
    await prev;
    this.held = true;
    return () => {
      this.held = false;
      release();
    };
  }
}

function mapError(e: unknown): never {
  const err = e as { code?: string; message?: string };
  if (err && typeof err.code === "string" && err.code.startsWith("SQLITE_CONSTRAINT_UNIQUE")) {
    throw new UniqueViolation(err.message ?? "unique");
  }
  if (err && err.code === "SQLITE_CONSTRAINT_PRIMARYKEY")
    throw new UniqueViolation(err.message ?? "primary key");
  throw e;
}

/** The page cache of the connection, KiB (see `open`). */
const CACHE_KIB = 2000;

export class SqliteDriver implements Driver {
  readonly dialect = "sqlite" as const;
  private readonly stmts = new Map<string, BetterSqlite3.Statement>();
  /** The same, in raw mode (rows as arrays), for {@link valuesNow}: a statement's mode is its state. */
  private readonly rawStmts = new Map<string, BetterSqlite3.Statement>();
  private readonly lock = new Lock();

  private constructor(private readonly db: BetterSqlite3.Database) {}

  static async open(file: string): Promise<SqliteDriver> {
    // Required lazily: the SDK and the provider never load the native module.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the native driver is loaded only when a SQLite file is used
    const Database = require("better-sqlite3") as typeof BetterSqlite3;
    if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    // Checkpoint every 10,000 WAL pages (~40 MB) instead of SQLite's 1,000: a checkpoint runs
    // inside the commit that crosses the line, on the event loop, and writes back and syncs every
    // page the WAL holds. Nonces land on random pages of their index, so under Advanced load a
    // checkpoint came every few hundred requests; less often, a page written many times is
    // written back once (bench/RESULTS.md: `micro.js nonces`).
    db.pragma("wal_autocheckpoint = 10000");
    db.pragma("foreign_keys = ON");
    // A 2 MB page cache (SQLite's own default; better-sqlite3 builds with 16 MB). The hot reads go
    // through the auth cache; the B-tree's inner pages stay cached and a leaf read is a copy from
    // the OS's page cache. The 14 MB it saves stay off the server's resident memory, which a
    // full scan (the start-up keyring check over `api_keys`, a filtered list) fills otherwise
    // (bench/RESULTS.md, issue 12's RSS goal: `micro.js list` and `micro.js nonces` unchanged).
    db.pragma(`cache_size = -${CACHE_KIB}`);
    // Migration 10 carries the nonces over under their digest, computed as the store does.
    db.function("nonce_digest", { deterministic: true }, (n: unknown) => nonceDigest(String(n)));
    db.pragma("busy_timeout = 5000");
    if (file !== ":memory:") {
      // The database holds key hashes and encrypted key material: keep it private.
      for (const f of [file, `${file}-wal`, `${file}-shm`])
        if (fs.existsSync(f)) fs.chmodSync(f, 0o600);
    }
    return new SqliteDriver(db);
  }

  private prepare(sql: string): BetterSqlite3.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  private prepareRaw(sql: string): BetterSqlite3.Statement {
    let s = this.rawStmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql).raw(true);
      this.rawStmts.set(sql, s);
    }
    return s;
  }

  private norm(params: Param[] | undefined): unknown[] {
    return params ?? [];
  }

  // Direct (unlocked) statement runners, used inside a transaction and by the fast path.
  allNow<T>(sql: string, params?: Param[]): T[] {
    try {
      return this.prepare(sql).all(...this.norm(params)) as T[];
    } catch (e) {
      return mapError(e);
    }
  }
  valuesNow<T extends unknown[]>(sql: string, params?: Param[]): T[] {
    try {
      return this.prepareRaw(sql).all(...this.norm(params)) as T[];
    } catch (e) {
      return mapError(e);
    }
  }
  getNow<T>(sql: string, params?: Param[]): T | undefined {
    try {
      return this.prepare(sql).get(...this.norm(params)) as T | undefined;
    } catch (e) {
      return mapError(e);
    }
  }
  runNow(sql: string, params?: Param[]): RunResult {
    try {
      const r = this.prepare(sql).run(...this.norm(params));
      return { changes: r.changes };
    } catch (e) {
      return mapError(e);
    }
  }

  private async guarded<T>(f: () => T): Promise<T> {
    if (!this.lock.locked) return f();
    const release = await this.lock.acquire();
    try {
      return f();
    } finally {
      release();
    }
  }

  all<T = Record<string, unknown>>(sql: string, params?: Param[]): Promise<T[]> {
    return this.guarded(() => this.allNow<T>(sql, params));
  }
  get<T = Record<string, unknown>>(sql: string, params?: Param[]): Promise<T | undefined> {
    return this.guarded(() => this.getNow<T>(sql, params));
  }
  values<T extends unknown[] = unknown[]>(sql: string, params?: Param[]): Promise<T[]> {
    return this.guarded(() => this.valuesNow<T>(sql, params));
  }
  run(sql: string, params?: Param[]): Promise<RunResult> {
    return this.guarded(() => this.runNow(sql, params));
  }

  async tx<T>(fn: (d: Driver) => Promise<T>): Promise<T> {
    const release = await this.lock.acquire();
    const inner = new SqliteTx(this);
    try {
      this.db.exec("BEGIN IMMEDIATE");
      try {
        const out = await fn(inner);
        this.db.exec("COMMIT");
        return out;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec("ROLLBACK");
        throw e;
      }
    } finally {
      inner.closed = true;
      release();
    }
  }

  async exec(sql: string): Promise<void> {
    await this.guarded(() => this.db.exec(sql));
  }

  async close(): Promise<void> {
    const release = await this.lock.acquire();
    try {
      if (this.db.open) this.db.close();
    } finally {
      release();
    }
  }
}

/** The driver view inside a transaction: runs statements directly, without the lock it holds. */
class SqliteTx implements Driver {
  readonly dialect = "sqlite" as const;
  closed = false;
  constructor(private readonly d: SqliteDriver) {}
  private check(): void {
    if (this.closed) throw new Error("transaction is over");
  }
  async all<T>(sql: string, params?: Param[]): Promise<T[]> {
    this.check();
    return this.d.allNow<T>(sql, params);
  }
  async get<T>(sql: string, params?: Param[]): Promise<T | undefined> {
    this.check();
    return this.d.getNow<T>(sql, params);
  }
  async values<T extends unknown[]>(sql: string, params?: Param[]): Promise<T[]> {
    this.check();
    return this.d.valuesNow<T>(sql, params);
  }
  async run(sql: string, params?: Param[]): Promise<RunResult> {
    this.check();
    return this.d.runNow(sql, params);
  }
  async tx<T>(fn: (d: Driver) => Promise<T>): Promise<T> {
    return fn(this);
  }
  async exec(): Promise<void> {
    throw new Error("exec inside a transaction is not supported");
  }
  async close(): Promise<void> {
    /* the outer driver owns the connection */
  }
}
