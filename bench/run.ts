/**
 * `npm run bench`: runs the benchmarks of issue 7 and prints one table. Every figure that has a
 * goal is a ratio against a baseline measured in the same run, on the same machine (the HTTP
 * goals are issue 12's, see http.ts).
 *
 *   node dist/bench/run.js [--only http|management|engine|plugin[,…]] [--quick] [--profile] [--json FILE] [--keep]
 *
 *   --only     run some sections (default: all four)
 *   --quick    a short smoke run (small data, short windows): proves the benchmarks work, not the figures
 *   --profile  take a CPU profile of the keyplane server during the 1× HTTP runs and summarise it
 *   --json     also write the rows, the run's conditions and the profile summary to FILE
 *   --keep     keep the run's databases and server logs under bench/out/ (by default only results.json
 *              and the profiles stay; the logs too when the run fails)
 *
 * PostgreSQL: KEYPLANE_TEST_PG_URL names a server to create a scratch database in; without it a
 * private cluster is started from the machine's PostgreSQL binaries (as the tests do).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { conditions, fmt, newRunDir, type BenchOptions, type Row } from "./common";
import { engineBench } from "./engine";
import { pluginBench } from "./plugin";
import { httpBench } from "./http";
import { managementBench } from "./management";
import { formatProfile, type ProfileSummary } from "./profile";

const SECTIONS = ["http", "management", "engine", "plugin"] as const;
type Section = (typeof SECTIONS)[number];

export interface BenchReport {
  quick: boolean;
  startedAt: string;
  seconds: number;
  conditions: Record<string, string | number>;
  conditionsAfter: Record<string, string | number>;
  sections: Section[];
  rows: Row[];
  /** With --profile: where the keyplane server's time went, per HTTP scenario. */
  profiles: Array<{ scenario: string; summary: ProfileSummary }>;
  dir: string;
}

function table(rows: Row[]): string {
  const head = [
    "benchmark",
    "measured",
    "baseline (same run)",
    "ratio",
    "p50 ms",
    "p99 ms",
    "goal",
    "",
  ];
  // Server CPU per request, and the load generator's own beside it when it was measured.
  const cpu = (server?: number, loadgen?: number) =>
    server === undefined
      ? ""
      : ` (${fmt(server)} µs CPU/req${loadgen !== undefined ? `, load gen ${fmt(loadgen)}` : ""})`;
  const body = rows.map((r) => [
    r.name,
    `${fmt(r.value, r.unit === "req/s" || r.unit === "keys/s" ? 0 : r.unit === "MB" ? 1 : r.unit === "s" ? 2 : 3)} ${r.unit}${cpu(r.cpuUs, r.loadgenCpuUs)}`,
    r.baseline !== undefined
      ? `${fmt(r.baseline, r.unit === "req/s" || r.unit === "keys/s" ? 0 : r.unit === "s" ? 2 : 3)}${cpu(r.baselineCpuUs, r.baselineLoadgenCpuUs)} ${r.baselineName ?? ""}${r.baselineP99 !== undefined ? `, p99 ${fmt(r.baselineP99, 2)}` : ""}`
      : "",
    r.ratio !== undefined ? `${r.ratio.toFixed(2)}×` : "",
    r.p50 !== undefined ? fmt(r.p50, 2) : "",
    r.p99 !== undefined ? fmt(r.p99, 2) : "",
    r.goal ?? "",
    r.met === undefined ? "" : r.met ? "met" : "MISSED",
  ]);
  const all = [head, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return (
    [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join(
      "\n",
    ) +
    "\n" +
    rows
      .filter((r) => r.note)
      .map((r) => `  ${r.name}: ${r.note}`)
      .join("\n")
  );
}

/** Removes the run's databases, keyrings, key files and Pulumi state (and its logs, after a successful run). */
function removeScratch(dir: string, logsToo: boolean): void {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === ".keyplane") fs.rmSync(p, { recursive: true, force: true });
      else removeScratch(p, logsToo);
    } else if (
      /\.db(-wal|-shm)?$/.test(e.name) ||
      ["keys.json", "sweep-keys.json", "bootstrap.json", "master.key"].includes(e.name) ||
      (logsToo && e.name.endsWith(".log"))
    ) {
      fs.rmSync(p, { force: true });
    }
  }
}

export async function main(argv = process.argv.slice(2)): Promise<BenchReport> {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: "string" },
      quick: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      json: { type: "string" },
      keep: { type: "boolean", default: false },
    },
  });
  const sections = (
    values.only ? values.only.split(",").map((s) => s.trim()) : [...SECTIONS]
  ) as Section[];
  for (const s of sections)
    if (!SECTIONS.includes(s))
      throw new Error(`--only: unknown section '${s}' (http, management, engine, plugin)`);
  const dir = newRunDir();
  const o: BenchOptions = {
    quick: !!values.quick,
    profile: !!values.profile,
    dir,
    log: (l) => console.error(l),
  };
  const started = new Date();
  const cond = conditions();
  console.error(
    `bench: ${o.quick ? "quick" : "full"} run of ${sections.join(", ")} in ${path.relative(process.cwd(), dir) || dir}; ${JSON.stringify(cond)}`,
  );
  const rows: Row[] = [];
  const profiles: BenchReport["profiles"] = [];
  let ok = false;
  try {
    for (const s of sections) {
      const t0 = performance.now();
      if (s === "http") {
        const r = await httpBench(o);
        rows.push(...r.rows);
        profiles.push(...r.profiles);
      } else if (s === "management") rows.push(...(await managementBench(o)));
      else if (s === "plugin") {
        const r = await pluginBench(o);
        rows.push(...r.rows);
        profiles.push(...r.profiles);
      } else rows.push(...(await engineBench(o)));
      console.error(`bench: ${s} took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
    ok = true;
  } finally {
    // The server logs stay after a failure (they say why); secrets and databases never do.
    if (!values.keep) removeScratch(dir, ok);
  }
  const report: BenchReport = {
    quick: o.quick,
    startedAt: started.toISOString(),
    seconds: Math.round((Date.now() - started.getTime()) / 1000),
    conditions: cond,
    conditionsAfter: conditions(),
    sections,
    rows,
    profiles,
    dir,
  };
  console.log(table(rows));
  for (const p of profiles) console.log(`\n${p.scenario}: ${formatProfile(p.summary)}`);
  console.log(
    `\n${rows.filter((r) => r.met === false).length} of ${rows.filter((r) => r.met !== undefined).length} goals missed; ${report.seconds} s; load average ${cond.loadavg1} → ${report.conditionsAfter.loadavg1} on ${cond.cpus} CPUs`,
  );
  const json = JSON.stringify(report, null, 2);
  fs.writeFileSync(path.join(dir, "results.json"), json);
  if (values.json) fs.writeFileSync(values.json, json);
  return report;
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      process.exit(1);
    },
  );
}
