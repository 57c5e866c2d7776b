/**
 * Benchmark 1: authenticated request throughput and p99 latency at 32 connections.
 *
 * Four scenarios, each against the keyplane server and against a bare `node:http` server that
 * answers the very same reply bytes, driven by the same load generator (its own process) in the
 * same run, alternating baseline and subject rounds:
 *  - `get_api_keys` by id (`filters: [{field: "id", operator: "in", value: [N]}]`), Standard caller;
 *  - the same with an Advanced caller (each request signed: nonce, timestamp, sha256);
 *  - `auth/verify` by a "Key Verifier" service key forwarding a Standard key's headers;
 *  - the same with Advanced keys on both sides (two signatures per request).
 * The server's database holds `n` keys (1× and 10×), seeded through the Store. At 1× each
 * scenario also gets one run against a "Fastify floor" (fastify-floor.ts): Fastify set up as
 * keyplane sets it up, answering the same bytes with no auth or database, to split the gap.
 * Every run also reports the target server's CPU time per request (from /proc), which stays
 * meaningful when other work on the machine makes req/s noisy.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { startBaseline } from "./baseline-server";
import { startFastifyFloor } from "./fastify-floor";
import { call, generateKey, procCpuSeconds, seedKeys, type BenchOptions, type Row } from "./common";
import { runLoad, signedHeaders, type Auth, type BodySpec, type LoadResult } from "./loadgen";
import { summariseProfile, type ProfileSummary } from "./profile";
import { keyringFile, startKeyplane } from "./server-proc";

const CONNECTIONS = 32;
const LIST = "/public_api/v1/api_keys/get_api_keys";
const VERIFY = "/public_api/v1/auth/verify";

interface Scenario {
  name: string;
  level: "standard" | "advanced";
  path: string;
  caller: Auth;
  body: BodySpec;
  /** Issue 12's goal for the scenario: a ratio to the bare server and a p99; none for some. */
  goal?: { ratio: number; p99Ms: number };
}

/**
 * The goals of issue 12, as ratios to the bare server in the same run (the signing one for
 * Advanced) and p99 ≤ 10 ms. `auth/verify` Advanced has none there; its line stays, unjudged,
 * with issue 7's old goal shown for reference.
 */
const GOALS: Record<string, Scenario["goal"]> = {
  "get_api_keys by id, Standard": { ratio: 0.4, p99Ms: 10 },
  "get_api_keys by id, Advanced": { ratio: 0.6, p99Ms: 10 },
  "auth/verify, Standard": { ratio: 0.5, p99Ms: 10 },
};
const NO_GOAL = "none (issue 7 had ≥ 0.6×, p99 ≤ 10 ms)";

/** A load run with the server's CPU time per reply (µs, user + system, warm-up included). */
export type MeasuredRun = LoadResult & { serverCpuUsPerReq: number };

export interface HttpRun {
  scenario: string;
  keys: number;
  subject: MeasuredRun;
  baseline: MeasuredRun;
  /** Fastify configured like keyplane, answering fixed bytes (1× only). */
  floor?: MeasuredRun;
}

export interface HttpReport {
  rows: Row[];
  runs: HttpRun[];
  /** With --profile: the keyplane server's CPU profile of each scenario at 1×. */
  profiles: Array<{ scenario: string; summary: ProfileSummary }>;
}

function best(rs: MeasuredRun[]): MeasuredRun {
  return rs.reduce((a, b) => (b.rps > a.rps ? b : a));
}

export async function httpBench(o: BenchOptions): Promise<HttpReport> {
  const sizes = o.quick ? [100, 1_000] : [10_000, 100_000];
  const durationMs = o.quick ? 400 : 4_000;
  const warmupMs = o.quick ? 150 : 1_000;
  const rows: Row[] = [];
  const runs: HttpRun[] = [];
  const profiles: HttpReport["profiles"] = [];

  const dir = path.join(o.dir, "http");
  const db = `sqlite:${path.join(dir, "keyplane.db")}`;
  fs.mkdirSync(dir, { recursive: true });

  let keys: Record<string, Auth> | undefined; // kept in memory only
  for (const [si, size] of sizes.entries()) {
    const tenX = si > 0;
    const rounds = o.quick || tenX ? 1 : 2;
    // The server must bootstrap on an empty database first (the keyring file comes with it).
    if (!keys) {
      const boot = await startKeyplane({ db, dir });
      const at = boot.origin;
      const admin = boot.admin;
      keys = {
        listStd: await generateKey(at, admin, ["Security Admin"], "standard"),
        listAdv: await generateKey(at, admin, ["Security Admin"], "advanced"),
        verifierStd: await generateKey(at, admin, ["Key Verifier"], "standard"),
        verifierAdv: await generateKey(at, admin, ["Key Verifier"], "advanced"),
        subjectStd: await generateKey(at, admin, ["Viewer"], "standard"),
        subjectAdv: await generateKey(at, admin, ["Viewer"], "advanced"),
      };
      await boot.stop();
    }
    const seeded = await seedKeys(db, keyringFile(dir), size);
    o.log(
      `http: ${size} keys in the database (seeded ${seeded.created.length} in ${seeded.seconds.toFixed(1)} s)`,
    );
    const k = keys;
    const permission = { component: "endpoints", level: "view" };
    const scenarios: Scenario[] = [
      {
        name: "get_api_keys by id, Standard",
        level: "standard",
        path: LIST,
        caller: k.listStd!,
        body: {
          kind: "static",
          json: JSON.stringify({
            request_data: { filters: [{ field: "id", operator: "in", value: [k.subjectStd!.id] }] },
          }),
        },
      },
      {
        name: "get_api_keys by id, Advanced",
        level: "advanced",
        path: LIST,
        caller: k.listAdv!,
        body: {
          kind: "static",
          json: JSON.stringify({
            request_data: { filters: [{ field: "id", operator: "in", value: [k.subjectAdv!.id] }] },
          }),
        },
      },
      {
        name: "auth/verify, Standard",
        level: "standard",
        path: VERIFY,
        caller: k.verifierStd!,
        body: { kind: "verify", forward: k.subjectStd!, extra: { permission } },
      },
      {
        name: "auth/verify, Advanced",
        level: "advanced",
        path: VERIFY,
        caller: k.verifierAdv!,
        body: { kind: "verify", forward: k.subjectAdv!, extra: { permission } },
      },
    ];
    for (const [sci, sc] of scenarios.entries()) {
      // A fresh server per scenario (JIT, heap and nonce table start equal), profiled at 1× with --profile.
      const profDir = o.profile && !tenX ? path.join(dir, "profile", String(sci + 1)) : undefined;
      const server = await startKeyplane({ db, dir, cpuProfDir: profDir });
      try {
        // The reply the baseline will send: the server's own answer to this very request.
        const sb = sc.body;
        const probeBody =
          sb.kind === "static"
            ? sb.json
            : sb.kind === "verify"
              ? JSON.stringify({
                  request_data: { headers: signedHeaders(sb.forward), ...sb.extra },
                })
              : "";
        const probe = await call(server.origin, sc.path, sc.caller, probeBody);
        if (probe.status !== 200)
          throw new Error(
            `${sc.name}: probe answered ${probe.status}: ${probe.text.slice(0, 300)}`,
          );
        if (sc.path === VERIFY && probe.body?.reply?.valid !== true)
          throw new Error(
            `${sc.name}: the forwarded key did not verify: ${probe.text.slice(0, 300)}`,
          );
        if (sc.path === LIST && probe.body?.reply?.DATA?.length !== 1)
          throw new Error(`${sc.name}: expected one key: ${probe.text.slice(0, 300)}`);
        const baseline = await startBaseline(probe.text);
        // At 1×, one run of the Fastify floor too (see fastify-floor.ts): where the gap comes from.
        const floor = tenX
          ? undefined
          : await startFastifyFloor(probe.text, sc.path, path.join(dir, "floor.log"));
        const targets = { s: { origin: server.origin, pid: server.pid }, b: baseline, f: floor };
        const subj: MeasuredRun[] = [];
        const base: MeasuredRun[] = [];
        let floorRun: MeasuredRun | undefined;
        try {
          for (let r = 0; r < rounds; r++) {
            const order: Array<"s" | "b" | "f"> =
              r % 2 === 0 ? (floor && r === 0 ? ["b", "f", "s"] : ["b", "s"]) : ["s", "b"];
            for (const which of order) {
              const t = targets[which]!;
              const cpu0 = procCpuSeconds(t.pid);
              const load = await runLoad({
                origin: t.origin,
                path: sc.path,
                connections: CONNECTIONS,
                durationMs,
                warmupMs,
                caller: sc.caller,
                body: sc.body,
              });
              const res: MeasuredRun = {
                ...load,
                serverCpuUsPerReq: ((procCpuSeconds(t.pid) - cpu0) / load.allReplies) * 1e6,
              };
              if (res.ok === 0)
                throw new Error(
                  `${sc.name}: no 2xx reply from the ${which === "s" ? "keyplane server" : which === "b" ? "baseline" : "Fastify floor"}: ${JSON.stringify(res.statuses)} ${res.sampleReply.slice(0, 200)}`,
                );
              if (which === "s" && res.ok !== res.requests)
                throw new Error(
                  `${sc.name}: ${res.requests - res.ok} non-2xx replies: ${JSON.stringify(res.statuses)} ${res.sampleReply.slice(0, 200)}`,
                );
              if (which === "f") floorRun = res;
              else (which === "s" ? subj : base).push(res);
            }
          }
        } finally {
          await baseline.stop();
          await floor?.stop();
        }
        const s = best(subj);
        const b = best(base);
        runs.push({ scenario: sc.name, keys: size, subject: s, baseline: b, floor: floorRun });
        const ratio = s.rps / b.rps;
        const goal = GOALS[sc.name];
        const loadgenUs = (r: MeasuredRun) => (r.cpuSeconds / r.allReplies) * 1e6;
        o.log(
          `http: ${sc.name} @${size} keys: ${Math.round(s.rps)} req/s p99 ${s.latency.p99} ms (${Math.round(s.serverCpuUsPerReq)} µs CPU/req) vs bare ${Math.round(b.rps)} req/s p99 ${b.latency.p99} ms (${Math.round(b.serverCpuUsPerReq)} µs CPU/req) → ${ratio.toFixed(2)}×; load generator ${Math.round(loadgenUs(s))} / ${Math.round(loadgenUs(b))} µs CPU/req`,
        );
        rows.push({
          section: "http",
          name: `${sc.name} (${size.toLocaleString("en-US")} keys)`,
          value: s.rps,
          unit: "req/s",
          baseline: b.rps,
          baselineName: sc.level === "advanced" ? "bare node:http, client signs" : "bare node:http",
          ratio,
          p50: s.latency.p50,
          p99: s.latency.p99,
          baselineP99: b.latency.p99,
          cpuUs: s.serverCpuUsPerReq,
          baselineCpuUs: b.serverCpuUsPerReq,
          loadgenCpuUs: loadgenUs(s),
          baselineLoadgenCpuUs: loadgenUs(b),
          goal: goal ? `≥ ${goal.ratio}×, p99 ≤ ${goal.p99Ms} ms` : NO_GOAL,
          met: goal ? ratio >= goal.ratio && s.latency.p99 <= goal.p99Ms : undefined,
          ...(floorRun
            ? {
                note: `Fastify floor (same logger, fixed reply): ${Math.round(floorRun.rps)} req/s = ${(floorRun.rps / b.rps).toFixed(2)}× bare, p99 ${floorRun.latency.p99} ms, ${Math.round(floorRun.serverCpuUsPerReq)} µs CPU/req`,
              }
            : {}),
        });
      } finally {
        await server.stop();
      }
      if (profDir) {
        const files = fs.existsSync(profDir)
          ? fs.readdirSync(profDir).filter((f) => f.endsWith(".cpuprofile"))
          : [];
        if (files.length)
          profiles.push({
            scenario: sc.name,
            summary: summariseProfile(files.map((f) => path.join(profDir, f))),
          });
      }
    }
  }
  return { rows, runs, profiles };
}
