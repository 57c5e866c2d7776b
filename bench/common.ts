/** What the benchmarks share: the run directory, setup calls over HTTP, seeding, result rows. */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { packageRoot } from "../provider/engine";
import { generateKeyValue } from "../server/crypto/keyFormat";
import { Keyring } from "../server/crypto/keyring";
import { openStore } from "../server/start";
import { Store } from "../server/store/store";
import { signedHeaders, type Auth } from "./loadgen";

export interface BenchOptions {
  quick: boolean;
  /** Take a CPU profile of the keyplane server during the HTTP runs and summarise it. */
  profile: boolean;
  /** Scratch directory of this run (databases, logs, profiles). */
  dir: string;
  log: (line: string) => void;
}

/** One line of the results table. `ratio` is subject / baseline where the row has a baseline. */
export interface Row {
  section: "http" | "management" | "engine";
  name: string;
  /** The measured figure and its unit (e.g. 8123 req/s, 41 keys/s, 12.3 s, 143 MB). */
  value: number;
  unit: string;
  /** The same-run baseline, in the same unit. */
  baseline?: number;
  baselineName?: string;
  ratio?: number;
  /** Latency percentiles, ms. */
  p50?: number;
  p99?: number;
  baselineP99?: number;
  /** Server CPU time per request (µs) of the subject and of the baseline server. */
  cpuUs?: number;
  baselineCpuUs?: number;
  /** The load generator's own CPU time per request (µs), against the subject and the baseline. */
  loadgenCpuUs?: number;
  baselineLoadgenCpuUs?: number;
  goal?: string;
  met?: boolean;
  note?: string;
}

export function newRunDir(): string {
  const base = path.join(packageRoot(), "bench", "out");
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, `run-${new Date().toISOString().replace(/[:.]/g, "-")}-`));
}

/** The conditions of this run, for the report. */
export function conditions(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    node: process.version,
    cpus: cpus.length,
    cpu: cpus[0]?.model ?? "?",
    loadavg1: Number(os.loadavg()[0]!.toFixed(2)),
    memGB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    platform: `${os.platform()} ${os.release()}`,
  };
}

export interface CallReply {
  status: number;
  text: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- replies of every route, read by the scenario that sent them
}

/** One call to the server (setup and checks, not measured). */
export async function call(
  origin: string,
  p: string,
  as: Auth | null,
  body: unknown,
): Promise<CallReply> {
  const res = await fetch(origin + p, {
    method: "POST",
    headers: { "content-type": "application/json", ...(as ? signedHeaders(as) : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, text, body: parsed };
}

/** Generates a key over HTTP. */
export async function generateKey(
  origin: string,
  admin: Auth,
  roles: string[],
  level: "standard" | "advanced",
  comment = "bench",
): Promise<Auth> {
  const r = await call(origin, "/public_api/v1/api_keys/generate", admin, {
    request_data: { roles, security_level: level, comment },
  });
  if (r.status !== 200) throw new Error(`generate failed: ${r.status} ${r.text.slice(0, 300)}`);
  return { id: r.body.reply.id, key: r.body.reply.key, level };
}

export const ROLE_MIX = [
  "Viewer",
  "Investigator",
  "Privileged Responder",
  "Security Admin",
  "Key Verifier",
];
export const TEAMS = 50;
const DAY = 86_400_000;

/** The i-th key of the synthetic population: its roles, comment and expiration vary, so filters select real subsets. */
export function keyShape(
  i: number,
  now: number,
): { roles: string[]; comment: string; expiration: number | null } {
  const roles = [ROLE_MIX[i % ROLE_MIX.length]!];
  if (i % 7 === 0) roles.push("Viewer");
  return {
    roles: [...new Set(roles)],
    comment: `service key ${i} for team-${i % TEAMS} (${i % 3 === 0 ? "ci" : "runtime"})`,
    // One key in ten never expires; the rest spread over the next two years.
    expiration: i % 10 === 0 ? null : now + DAY + ((i * 7919) % 730) * DAY + (i % 1000) * 1000,
  };
}

/**
 * Adds keys straight through the Store (as `generate` writes them, 1,000 per transaction) until
 * the database holds `total` keys. Standard keys with real HMAC hashes, so they authenticate;
 * their values are returned for the keys created here.
 */
export async function seedKeys(
  db: string,
  keyringPath: string,
  total: number,
  now = Date.now(),
): Promise<{ created: Auth[]; seconds: number }> {
  const store = await openStore(db, now);
  const { keyring } = Keyring.load(keyringPath);
  const created: Auth[] = [];
  const t0 = performance.now();
  try {
    const roleIds = new Map(
      (await store.listRoles(0, 1000)).rows.map((r) => [r.prettyName, r.roleId]),
    );
    let have = await store.countKeys();
    while (have < total) {
      const n = Math.min(1000, total - have);
      await store.driver.tx(async (d) => {
        const s = new Store(d);
        for (let j = 0; j < n; j++) {
          const i = have + j;
          const shape = keyShape(i, now);
          const key = generateKeyValue(randomBytes);
          const rids = shape.roles.map((r) => roleIds.get(r)!);
          const id = await s.createKey({
            securityLevel: "standard",
            secret: () => {
              const h = keyring.hashKey(key);
              return {
                secretHash: h.hash,
                pepperChain: h.chain,
                secretEnc: null,
                masterKeyId: null,
              };
            },
            comment: shape.comment,
            expiration: shape.expiration,
            createdAt: now - (total - i) * 1000,
            createdBy: "Public API - 1",
            userName: "Public API - 1",
            creatorKeyId: 1,
            roleIds: rids,
            bindingIds: rids.map(() => `rb-seed${randomBytes(9).toString("hex")}`),
          });
          created.push({ id, key, level: "standard" });
        }
      });
      have += n;
    }
  } finally {
    await store.close();
  }
  return { created, seconds: (performance.now() - t0) / 1000 };
}

/** CPU seconds (user + system) a process has used so far, from /proc (NaN where there is no /proc). */
export function procCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after the command name.
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}
const CLOCK_TICKS = 100;

export const fmt = (v: number | undefined, digits = 0): string => {
  if (v === undefined || !Number.isFinite(v)) return "";
  if (Math.abs(v) >= 1000 && digits === 0) return Math.round(v).toLocaleString("en-US");
  return v.toFixed(digits);
};

export const MB = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
