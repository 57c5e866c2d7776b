/**
 * PostgreSQL for tests. `KEYPLANE_TEST_PG_URL` names a server the tests may create databases in
 * (.ci/run starts Debian's cluster and sets it). Without it, the first call starts a private
 * cluster from the machine's PostgreSQL binaries under .keyplane/test-pg (as the postgres user
 * when running as root, since initdb refuses root) and stops it when the test process exits.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { repoRoot } from "./paths";

let baseUrl: Promise<string> | undefined;

function pgBin(): string {
  for (const v of ["17", "16", "15", "14"]) {
    const d = `/usr/lib/postgresql/${v}/bin`;
    if (fs.existsSync(path.join(d, "initdb"))) return d;
  }
  const w = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" });
  if (w.status === 0 && w.stdout.trim()) return path.dirname(w.stdout.trim());
  throw new Error(
    "PostgreSQL binaries not found: install postgresql-15 (Debian) or set KEYPLANE_TEST_PG_URL",
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
    s.on("error", reject);
  });
}

async function startPrivateCluster(): Promise<string> {
  const bin = pgBin();
  const dir = path.join(repoRoot, ".keyplane", "test-pg");
  const data = path.join(dir, "data");
  const isRoot = process.getuid?.() === 0;
  const as = (cmd: string, args: string[]) =>
    isRoot
      ? (["runuser", ["-u", "postgres", "--", cmd, ...args]] as const)
      : ([cmd, args] as const);
  fs.mkdirSync(dir, { recursive: true });
  if (isRoot) {
    execFileSync("sh", ["-c", "id postgres >/dev/null 2>&1 || useradd -r -m postgres"]);
    fs.chmodSync(path.join(repoRoot, ".keyplane"), 0o755);
    fs.chmodSync(dir, 0o777);
  }
  if (!fs.existsSync(path.join(data, "PG_VERSION"))) {
    fs.rmSync(data, { recursive: true, force: true });
    const [c, a] = as(path.join(bin, "initdb"), [
      "-D",
      data,
      "-A",
      "trust",
      "-U",
      "keyplane",
      "--no-sync",
    ]);
    execFileSync(c, [...a], { stdio: "ignore" });
  }
  const port = await freePort();
  const [c, a] = as(path.join(bin, "pg_ctl"), [
    "-D",
    data,
    "-o",
    `-p ${port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200`,
    "-l",
    path.join(dir, "log"),
    "-w",
    "start",
  ]);
  execFileSync(c, [...a], { stdio: "ignore" });
  process.on("exit", () => {
    const [sc, sa] = as(path.join(bin, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "stop"]);
    spawnSync(sc, [...sa], { stdio: "ignore" });
  });
  return `postgres://keyplane@127.0.0.1:${port}/postgres`;
}

/** The URL of a PostgreSQL server to create test databases in. */
export function postgresServer(): Promise<string> {
  baseUrl ??= process.env.KEYPLANE_TEST_PG_URL
    ? Promise.resolve(process.env.KEYPLANE_TEST_PG_URL)
    : startPrivateCluster();
  return baseUrl;
}

/** A new, empty database; returns its URL and a function that drops it. */
export async function freshPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = await postgresServer();
  const name = `kp_test_${randomBytes(6).toString("hex")}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the driver is loaded only when PostgreSQL is used
  const pg = require("pg") as typeof import("pg");
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(server);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await c.end();
    },
  };
}
