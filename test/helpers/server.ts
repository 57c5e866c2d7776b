/**
 * The test harness: a real keyplane server on an ephemeral port over a fresh database (SQLite by
 * default, PostgreSQL when asked), with the bootstrap admin, a captured log, optionally a fake
 * clock, and helpers to call it and to mint keys. `close()` stops it and removes the database.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { authHeaders } from "../../sdk/contract";
import { FakeClock, type Clock } from "../../server/clock";
import { Keyring } from "../../server/crypto/keyring";
import type { ServerOptions } from "../../server/services";
import type { WebhookSender } from "../../server/scheduler";
import { startServer, type RunningServer } from "../../server/start";
import { freshPostgresDatabase } from "./postgres";
import { scratchDir } from "./paths";

export type DbKind = "sqlite" | "postgres";

export interface Credential {
  id: number;
  key: string;
  level: "standard" | "advanced";
}

export interface CallResult {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- a reply of any route, parsed JSON
  headers: Record<string, string>;
  text: string;
}

/** The headers of a test call: JSON content type with a body, the credential's (the admin's unless `co.as` says), then the call's own. */
export function callHeaders(
  admin: Credential,
  clock: Clock,
  body: unknown,
  co: { as?: Credential | null; headers?: Record<string, string> },
): Record<string, string> {
  const as = co.as === undefined ? admin : co.as;
  return {
    ...(body !== undefined ? { "content-type": "application/json" } : {}),
    ...(as
      ? authHeaders({ apiKeyId: as.id, apiKey: as.key, securityLevel: as.level }, () => clock.now())
      : {}),
    ...(co.headers ?? {}),
  };
}

/** A reply as the tests read it: the body parsed when it is JSON (else the text), every header one string. */
export function callResult(
  status: number,
  text: string,
  headers: Record<string, string | string[] | number | undefined>,
): CallResult {
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  const hs: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers))
    if (v !== undefined) hs[k] = Array.isArray(v) ? v.join(", ") : String(v);
  return { status, body, headers: hs, text };
}

export interface TestServer {
  url: string;
  db: DbKind;
  dbUrl: string;
  dir: string;
  running: RunningServer;
  admin: Credential;
  clock: Clock;
  fake?: FakeClock;
  keyring: Keyring;
  /** Every log line the server wrote. */
  logs: string[];
  /** Calls the API with a credential (the admin by default; `null` for none). */
  call(
    method: string,
    pathname: string,
    body?: unknown,
    opts?: { as?: Credential | null; headers?: Record<string, string> },
  ): Promise<CallResult>;
  /** Generates a key through the API (as the admin unless `as` is given). */
  createKey(o?: {
    roles?: string[];
    level?: "standard" | "advanced";
    expiration?: number | null;
    comment?: string;
    scope?: unknown;
    as?: Credential;
  }): Promise<Credential>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  db?: DbKind;
  /** Use a FakeClock starting at this time (or now, when true). */
  fakeClock?: boolean | number;
  /** Any other clock (e.g. an {@link OffsetClock}). */
  clock?: Clock;
  options?: ServerOptions;
  webhook?: WebhookSender;
  /** Reuse an existing database URL (a second replica); it is not dropped on close. */
  dbUrl?: string;
  keyring?: Keyring;
}

/** The kinds of store every store test runs on. */
export const DB_KINDS: DbKind[] = ["sqlite", "postgres"];

export async function startTestServer(o: TestServerOptions = {}): Promise<TestServer> {
  const dir = scratchDir("server");
  const kind: DbKind = o.db ?? (o.dbUrl?.startsWith("postgres") ? "postgres" : "sqlite");
  let dbUrl = o.dbUrl;
  let drop = async () => undefined as void;
  if (!dbUrl) {
    if (kind === "postgres") {
      const pg = await freshPostgresDatabase();
      dbUrl = pg.url;
      drop = pg.drop;
    } else dbUrl = `sqlite:${path.join(dir, "keyplane.db")}`;
  }
  const fake = o.fakeClock
    ? new FakeClock(typeof o.fakeClock === "number" ? o.fakeClock : Date.now())
    : undefined;
  const clock: Clock = o.clock ?? fake ?? { now: () => Date.now() };
  const logs: string[] = [];
  const keyring = o.keyring ?? Keyring.generate();
  const running = await startServer({
    db: dbUrl,
    port: 0,
    bootstrapFile: path.join(dir, "bootstrap.json"),
    keyring,
    clock,
    webhook: o.webhook,
    logger: { level: "info", stream: { write: (line: string) => logs.push(line) } },
    options: {
      validateReplies: true,
      schedulerMs: 0,
      rateLimit: { perAddress: 10_000, perKeyId: 10_000, windowMs: 60_000 },
      ...o.options,
    },
  });
  let admin: Credential;
  if (running.bootstrap.created) {
    const boot = JSON.parse(fs.readFileSync(path.join(dir, "bootstrap.json"), "utf8"));
    admin = { id: boot.api_key_id, key: boot.api_key, level: "standard" };
  } else {
    admin = { id: 0, key: "", level: "standard" };
  }
  const url = running.url;

  const call: TestServer["call"] = async (method, pathname, body, co = {}) => {
    const headers = callHeaders(admin, clock, body, co);
    const res = await fetch(url + pathname, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    return callResult(res.status, await res.text(), Object.fromEntries(res.headers.entries()));
  };

  const t: TestServer = {
    url,
    db: kind,
    dbUrl,
    dir,
    running,
    admin,
    clock,
    fake,
    keyring,
    logs,
    call,
    async createKey(k = {}) {
      const level = k.level ?? "standard";
      const res = await call(
        "POST",
        "/public_api/v1/api_keys/generate",
        {
          request_data: {
            roles: k.roles ?? ["Viewer"],
            security_level: level,
            ...(k.expiration !== undefined ? { expiration: k.expiration } : {}),
            ...(k.comment !== undefined ? { comment: k.comment } : {}),
            ...(k.scope !== undefined ? { scope: k.scope } : {}),
          },
        },
        { as: k.as },
      );
      if (res.status !== 200) throw new Error(`createKey failed: ${res.status} ${res.text}`);
      return { id: res.body.reply.id, key: res.body.reply.key, level };
    },
    async close() {
      await running.close().catch(() => undefined);
      if (!o.dbUrl) await drop();
    },
  };
  return t;
}

/** Real time plus an offset that tests move forward: expiries without sleeping, while signed requests from other processes (real time) stay inside the replay window until the test moves it. */
export class OffsetClock implements Clock {
  offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}
