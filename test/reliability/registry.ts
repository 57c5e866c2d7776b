/**
 * What the reliability suite shares across its files: every key minted during the run, every
 * place a key could leak to (server logs, databases, Pulumi state, captured output), the child
 * processes it started, and the clean-ups it deferred until the secrets scan
 * (zz-secrets.test.ts, the last file) has looked at everything.
 *
 * Importing this module registers two root-level hooks: an `afterEach` that remembers whether
 * anything failed, and an `after` that runs once at the very end of the mocha run (after the
 * last file) to kill left-over children, drop the retained PostgreSQL databases and remove the
 * scratch directories (kept when a test failed, or with KEYPLANE_KEEP_RELIABILITY_TMP=1, for
 * inspection).
 */
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import type { Credential } from "../helpers/server";

export interface MintedKey {
  id: number;
  key: string;
  /** Where it was minted, for failure messages (never the key). */
  where: string;
}

/** A running server opened again on a retained database (for the audit-log scan). */
export interface Reopened {
  url: string;
  admin: Credential;
  logs: () => Buffer;
  close(): Promise<void>;
}

export interface RetainedDb {
  label: string;
  kind: "sqlite" | "postgres";
  /** `sqlite:PATH` or `postgres://…` */
  dbUrl: string;
  /** Starts a server on this database again (same keyring) so the audit log can be read over the API. */
  reopen?: () => Promise<Reopened>;
}

class Registry {
  readonly keys: MintedKey[] = [];
  readonly logs = new Map<string, () => Buffer | string>();
  readonly texts = new Map<string, string>();
  readonly dirs = new Map<string, string>();
  readonly dbs: RetainedDb[] = [];
  readonly children = new Set<ChildProcess>();
  private readonly cleanups: Array<{ label: string; fn: () => Promise<void> | void }> = [];
  private readonly scratch = new Set<string>();
  anyFailed = false;

  /** Records a key minted during the run (any level, any server). */
  minted(id: number, key: string, where: string): void {
    if (typeof key !== "string" || key.length < 32)
      throw new Error(`registry.minted: not a key (${where}, id ${id})`);
    this.keys.push({ id, key, where });
  }

  /** A log source read at scan time (a growing buffer or array is fine). */
  log(label: string, read: () => Buffer | string): void {
    this.logs.set(this.unique(this.logs, label), read);
  }

  /** A text captured now (a stack export, an audit dump). */
  text(label: string, text: string): void {
    this.texts.set(this.unique(this.texts, label), text);
  }

  /** A directory whose files (recursively) are scanned as bytes (Pulumi state, PULUMI_HOME). */
  dir(label: string, dir: string): void {
    this.dirs.set(this.unique(this.dirs, label), dir);
  }

  /** A database kept until the end of the run, scanned, then dropped by `drop` (if any). */
  retainDb(db: RetainedDb, drop?: () => Promise<void>): void {
    this.dbs.push(db);
    if (drop) this.deferred(`drop ${db.label}`, drop);
  }

  /** A scratch directory removed at the end of the run (when nothing failed). */
  scratchDir(dir: string): string {
    this.scratch.add(dir);
    return dir;
  }

  /** A clean-up run at the very end (after the secrets scan), latest first. */
  deferred(label: string, fn: () => Promise<void> | void): void {
    this.cleanups.push({ label, fn });
  }

  track(child: ChildProcess): void {
    this.children.add(child);
    child.once("exit", () => this.children.delete(child));
  }

  private unique<T>(m: Map<string, T>, label: string): string {
    let l = label;
    for (let i = 2; m.has(l); i++) l = `${label} #${i}`;
    return l;
  }

  /** @internal The root `after` hook. */
  async finish(): Promise<void> {
    for (const c of this.children) {
      try {
        c.kill("SIGKILL");
      } catch {
        /* gone */
      }
    }
    for (const c of this.cleanups.splice(0).reverse()) {
      try {
        await c.fn();
      } catch (e) {
        console.warn(`reliability clean-up '${c.label}' failed: ${(e as Error).message}`);
      }
    }
    const keep = this.anyFailed || process.env.KEYPLANE_KEEP_RELIABILITY_TMP === "1";
    for (const d of this.scratch) {
      if (keep) continue;
      fs.rmSync(d, { recursive: true, force: true, maxRetries: 3 });
    }
    if (keep && this.scratch.size)
      console.warn(`reliability scratch kept for inspection:\n  ${[...this.scratch].join("\n  ")}`);
  }
}

export const registry = new Registry();

// Root-level hooks: this module is first imported while mocha loads a spec file, at which point
// `after`/`afterEach` belong to the root suite, so they run once after every file.
if (typeof after === "function") {
  afterEach(function () {
    if (this.currentTest?.state === "failed") registry.anyFailed = true;
  });
  after(async function () {
    this.timeout(120_000);
    await registry.finish();
  });
}

process.on("exit", () => {
  for (const c of registry.children) {
    try {
      c.kill("SIGKILL");
    } catch {
      /* gone */
    }
  }
});
