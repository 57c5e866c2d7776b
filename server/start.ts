/**
 * Starting a server: open the store, migrate, load the keyring, bootstrap, build the app and
 * listen. `keyplane server` and the tests' harness both come through here.
 */
import { randomBytes, randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { FastifyInstance } from "fastify";
import { buildServer } from "./app";
import type { ServerOptions, Services } from "./services";
import { PREDEFINED_ROLES } from "./authz/roles";
import { bootstrap, type BootstrapResult } from "./bootstrap";
import { systemClock, type Clock } from "./clock";
import { Keyring } from "./crypto/keyring";
import { checkKeyring } from "./crypto/keyringCheck";
import type { RandomBytes } from "./crypto/keyFormat";
import type { WebhookSender } from "./scheduler";
import { openDriver } from "./store/open";
import { Store } from "./store/store";

export interface StartOptions {
  /** `sqlite:PATH`, a path, or `postgres://…`. Default: sqlite:./.keyplane/keyplane.db */
  db?: string;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  bootstrapFile?: string;
  masterKeyFile?: string;
  /** A keyring to use instead of the file (tests). */
  keyring?: Keyring;
  clock?: Clock;
  random?: RandomBytes;
  logger?: boolean | Record<string, unknown>;
  webhook?: WebhookSender;
  options?: ServerOptions;
}

export interface RunningServer {
  app: FastifyInstance & { services: Services };
  store: Store;
  url: string;
  port: number;
  host: string;
  bootstrap: BootstrapResult;
  keyring: Keyring;
  close(): Promise<void>;
}

export const DEFAULT_DB = "sqlite:./.keyplane/keyplane.db";
export const DEFAULT_BOOTSTRAP_FILE = "./.keyplane/bootstrap.json";
export const DEFAULT_KEYRING_FILE = "./.keyplane/master.key";

/** Opens and migrates the store (with the predefined roles in place). */
export async function openStore(db: string, now = Date.now()): Promise<Store> {
  const driver = await openDriver(db);
  const store = new Store(driver);
  try {
    await store.init(
      PREDEFINED_ROLES.map((r) => ({
        ...r,
        isCustom: false,
        datasetPermissions: null,
        createdBy: "system",
        createdTs: now,
        updatedTs: null,
      })),
      now,
    );
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
  return store;
}

export async function startServer(o: StartOptions = {}): Promise<RunningServer> {
  const clock = o.clock ?? systemClock;
  const random = o.random ?? randomBytes;
  const replicaId = o.options?.replicaId ?? randomUUID();
  const keyringFile =
    o.masterKeyFile ?? process.env.KEYPLANE_MASTER_KEY_FILE ?? DEFAULT_KEYRING_FILE;
  const store = await openStore(o.db ?? DEFAULT_DB, clock.now());
  let app: RunningServer["app"] | undefined;
  try {
    // A missing keyring file is generated only for a database with no keys yet; any keyring
    // must match what the stored keys were made with (server/crypto/keyringCheck.ts).
    const loaded = o.keyring
      ? undefined
      : Keyring.load(keyringFile, process.env, { create: (await store.countKeys()) === 0 });
    const keyring = o.keyring ?? loaded!.keyring;
    await checkKeyring(store, keyring, loaded?.source ?? "given");
    const boot = await bootstrap({
      store,
      keyring,
      clock,
      random,
      file: o.bootstrapFile ?? DEFAULT_BOOTSTRAP_FILE,
      replicaId,
    });
    app = await buildServer({
      store,
      keyring,
      clock,
      random,
      logger: o.logger,
      webhook: o.webhook,
      options: { ...o.options, replicaId },
    });
    const host = o.host ?? "127.0.0.1";
    await app.listen({ host, port: o.port ?? 0 });
    const addr = app.server.address();
    const port = typeof addr === "object" && addr ? addr.port : (o.port ?? 0);
    const shownHost = host.includes(":") ? `[${host}]` : host;
    // A keyring file is watched: `keyplane keyring rotate` adds versions to it, and every running
    // server must read them within a second, before old versions are pruned.
    const watched = loaded && loaded.source !== "KEYPLANE_KEYRING" ? loaded.source : undefined;
    // A file that went missing is not replaced by a new keyring, and one that does not match the
    // stored keys is refused: either way the previous keyring stays in use, and the log says why.
    const reload = async () => {
      try {
        const next = Keyring.load(watched!, {}, { create: false }).keyring;
        await checkKeyring(store, next, watched!);
        keyring.adopt(next);
        app!.services.cache.invalidate();
        app!.log.info({ keyring: watched }, "keyring reloaded");
      } catch (e) {
        app!.log.error(
          { err: { message: (e as Error).message } },
          "keyring reload refused; keeping the previous one",
        );
      }
    };
    if (watched)
      fs.watchFile(watched, { interval: 500 }, (cur, prev) => {
        if (cur.mtimeMs !== prev.mtimeMs || cur.ino !== prev.ino) void reload();
      });
    return {
      app,
      store,
      url: `http://${shownHost}:${port}`,
      port,
      host,
      bootstrap: boot,
      keyring,
      async close() {
        if (watched) fs.unwatchFile(watched);
        await app!.close();
        await store.close();
      },
    };
  } catch (e) {
    if (app) await app.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw e;
  }
}

export function resolveDbUrl(db: string | undefined): string {
  if (!db) return DEFAULT_DB;
  if (/^postgres(ql)?:\/\//i.test(db) || db.startsWith("sqlite:")) return db;
  return `sqlite:${path.resolve(db)}`;
}
