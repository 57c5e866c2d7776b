/**
 * The load generator: a closed loop of N connections (an undici Pool, one request in flight per
 * connection) for a fixed duration or a fixed number of requests, latencies in an HDR-style
 * histogram. Advanced requests are signed per request, as real clients do: a fresh 64-character
 * nonce, the current timestamp and sha256(key + nonce + timestamp), for the caller's own headers
 * and, in `auth/verify` bodies, for the forwarded key's headers. The same code drives the
 * keyplane server and the bare baseline, so both pay the same client-side CPU.
 *
 * It always runs in its own process (`runLoad` forks this file), so the load generator never
 * shares an event loop with the server it measures. Only 127.0.0.1 is accepted as a target.
 */
import { fork } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { Pool } from "undici";
import { Histogram, type LatencySummary } from "./histogram";

export interface Auth {
  id: number;
  key: string;
  level: "standard" | "advanced";
}

export type BodySpec =
  /** The same JSON text on every request. */
  | { kind: "static"; json: string }
  /** Several JSON texts, used in turn. */
  | { kind: "cycle"; json: string[] }
  /** `auth/verify`: `{"request_data":{"headers":<forward's auth headers, signed per request>, ...extra}}`. */
  | { kind: "verify"; forward: Auth; extra?: Record<string, unknown> }
  /** `auth/verify` forwarding each key of a JSON file (`Auth[]`) in turn: every request a different key. */
  | { kind: "verifyEach"; keysFile: string };

export interface LoadSpec {
  /** Origin, e.g. http://127.0.0.1:8080 (loopback only). */
  origin: string;
  path: string;
  connections: number;
  /** Measured window (after `warmupMs`). Give this or `count`. */
  durationMs?: number;
  /** Fixed number of requests; the result's duration is how long they took. */
  count?: number;
  /** With `count`: this many requests first, not measured (JIT warm-up on both sides). */
  warmupCount?: number;
  warmupMs?: number;
  /** The caller's credential; null sends no auth headers. */
  caller: Auth | null;
  body: BodySpec;
  /** Give up after this long whatever happens (default: duration + warm-up + 60 s, or 10 min for counts). */
  hardLimitMs?: number;
}

export interface LoadResult {
  /** Requests completed inside the measured window. */
  requests: number;
  /** Of which answered 2xx. */
  ok: number;
  /** Transport errors (refused, reset, timeout). */
  errors: number;
  statuses: Record<string, number>;
  /** Seconds of the measured window. */
  seconds: number;
  /** 2xx replies per second. */
  rps: number;
  latency: LatencySummary;
  /** Size of the first reply body and the reply itself (truncated), to check both servers answered alike. */
  replyBytes: number;
  sampleReply: string;
  /** CPU seconds this load generator used during the run (user + system). */
  cpuSeconds: number;
  /** Every reply received, warm-up included (to divide a server's CPU time by). */
  allReplies: number;
}

const ALLOWED_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Headers of one request for `a` (Standard: fixed; Advanced: freshly signed). */
export function signedHeaders(a: Auth, now = Date.now()): Record<string, string> {
  if (a.level === "standard") return { "x-xdr-auth-id": String(a.id), authorization: a.key };
  const nonce = randomBytes(48).toString("base64url"); // 64 characters of [A-Za-z0-9_-]
  const ts = String(now);
  const sig = createHash("sha256")
    .update(a.key + nonce + ts, "utf8")
    .digest("hex");
  return {
    "x-xdr-auth-id": String(a.id),
    authorization: sig,
    "x-xdr-nonce": nonce,
    "x-xdr-timestamp": ts,
  };
}

function bodyMaker(b: BodySpec): () => string {
  if (b.kind === "static") return () => b.json;
  if (b.kind === "cycle") {
    let i = 0;
    return () => b.json[i++ % b.json.length]!;
  }
  if (b.kind === "verifyEach") {
    const keys = JSON.parse(fs.readFileSync(b.keysFile, "utf8")) as Auth[];
    if (keys.length === 0) throw new Error("load generator: verifyEach needs at least one key");
    let i = 0;
    return () =>
      `{"request_data":{"headers":${JSON.stringify(signedHeaders(keys[i++ % keys.length]!))}}}`;
  }
  const extra = b.extra ? JSON.stringify(b.extra).slice(1, -1) : "";
  const fixed =
    b.forward.level === "standard" ? JSON.stringify(signedHeaders(b.forward)) : undefined;
  return () =>
    `{"request_data":{"headers":${fixed ?? JSON.stringify(signedHeaders(b.forward))}${extra ? `,${extra}` : ""}}}`;
}

/** Runs the load in this process (the child side). */
export async function runLoadHere(spec: LoadSpec): Promise<LoadResult> {
  const u = new URL(spec.origin);
  if (!ALLOWED_HOSTS.has(u.hostname))
    throw new Error(`load generator: refusing target ${u.hostname} (loopback only)`);
  if (!(spec.connections >= 1 && spec.connections <= 256))
    throw new Error("load generator: connections must be 1..256");
  if (spec.durationMs === undefined && spec.count === undefined)
    throw new Error("load generator: give durationMs or count");
  if (spec.count !== undefined && !(spec.count >= 1 && spec.count <= 1_000_000))
    throw new Error("load generator: count must be 1..1e6");
  if (spec.durationMs !== undefined && !(spec.durationMs > 0 && spec.durationMs <= 600_000))
    throw new Error("load generator: durationMs must be ≤ 10 min");

  const pool = new Pool(u.origin, {
    connections: spec.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const makeBody = bodyMaker(spec.body);
  const staticHeaders = { "content-type": "application/json" };
  const hist = new Histogram();
  const statuses: Record<string, number> = {};
  let errors = 0;
  let requests = 0;
  let ok = 0;
  let replyBytes = -1;
  let sampleReply = "";

  const warm = spec.count !== undefined ? 0 : (spec.warmupMs ?? 0);
  const warmCount = spec.count !== undefined ? (spec.warmupCount ?? 0) : 0;
  const start = performance.now();
  // Count mode with a warm-up: the window opens when the first measured request is sent.
  let measureFrom = warmCount > 0 ? Number.POSITIVE_INFINITY : start + warm;
  const end =
    spec.durationMs !== undefined ? measureFrom + spec.durationMs : Number.POSITIVE_INFINITY;
  const hardEnd =
    start +
    (spec.hardLimitMs ??
      (spec.count !== undefined ? 600_000 : warm + (spec.durationMs ?? 0) + 60_000));
  let issued = 0;
  let allReplies = 0;
  let lastDone = start;
  const cpu0 = process.cpuUsage();

  const loop = async () => {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= end || t0 >= hardEnd) return;
      if (spec.count !== undefined && issued >= spec.count + warmCount) return;
      const measured = issued >= warmCount;
      issued++;
      if (measured && measureFrom === Number.POSITIVE_INFINITY) measureFrom = t0;
      const headers = spec.caller
        ? { ...staticHeaders, ...signedHeaders(spec.caller) }
        : staticHeaders;
      try {
        const res = await pool.request({
          path: spec.path,
          method: "POST",
          headers,
          body: makeBody(),
        });
        const buf = await res.body.arrayBuffer();
        const t1 = performance.now();
        allReplies++;
        if (replyBytes < 0) {
          replyBytes = buf.byteLength;
          sampleReply = Buffer.from(buf).toString("utf8").slice(0, 2000);
        }
        if (measured && t0 >= measureFrom && t1 <= end) {
          requests++;
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          if (res.statusCode >= 200 && res.statusCode < 300) ok++;
          hist.record((t1 - t0) * 1000);
          lastDone = t1;
        }
      } catch {
        errors++;
        if (errors > 1000 && ok === 0)
          throw new Error("load generator: more than 1000 transport errors and no reply");
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, loop));
  const cpu = process.cpuUsage(cpu0);
  await pool.close().catch(() => undefined);
  const seconds =
    ((spec.durationMs !== undefined ? Math.min(end, lastDone) : lastDone) - measureFrom) / 1000;
  return {
    requests,
    ok,
    errors,
    statuses,
    seconds,
    rps: seconds > 0 ? ok / seconds : 0,
    latency: hist.summary(),
    replyBytes,
    sampleReply,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    allReplies,
  };
}

/** Runs the load in a child process and returns its result. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [], {
      execArgv: [],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let done = false;
    const limit =
      (spec.hardLimitMs ??
        (spec.count !== undefined
          ? 600_000
          : (spec.warmupMs ?? 0) + (spec.durationMs ?? 0) + 60_000)) + 30_000;
    const timer = setTimeout(() => {
      if (!done) child.kill("SIGKILL");
    }, limit);
    child.on("message", (m: { ok: true; result: LoadResult } | { ok: false; error: string }) => {
      done = true;
      clearTimeout(timer);
      if (m.ok) resolve(m.result);
      else reject(new Error(m.error));
    });
    child.on("exit", (code, sig) => {
      clearTimeout(timer);
      if (!done) reject(new Error(`load generator exited (${code ?? sig}) without a result`));
    });
    child.send(spec);
  });
}

if (require.main === module) {
  process.once("message", (spec: LoadSpec) => {
    runLoadHere(spec).then(
      (result) => process.send!({ ok: true, result }, () => process.exit(0)),
      (e: Error) => process.send!({ ok: false, error: e.message }, () => process.exit(1)),
    );
  });
}
