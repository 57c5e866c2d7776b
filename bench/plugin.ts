/**
 * Benchmark 4: the native plugin's overhead. `pulumi up`, `refresh` and `destroy` of N
 * `keyplane:index:ApiKey` resources from a YAML program through pulumi-resource-keyplane,
 * against the same program with N `kpnoop:index:Noop` resources of a trivial plugin (same
 * inputs, same gRPC stubs, same Node.js process model), in the same run, each operation of the
 * baseline followed by the same operation of the subject. The server runs in its own process.
 *
 * Both plugins run from launchers of the bench's own (the same node; keyplane's entry as it
 * ships, `dist/provider/plugin/launch.js`: the bundle with its code cache; the no-op's compiled
 * one) that report each plugin process's CPU time, so a row says how much of an operation's CPU
 * was the plugin's and how much the CLI's and the YAML host's. With --profile, both also run
 * under `node --cpu-prof`, one profile directory per side and operation, and the run prints where
 * each plugin process spent its time (keyplane's all in its bundle: for a profile by module, run
 * the unbundled entry with KEYPLANE_BENCH_PLUGIN_ENTRY=dist/provider/plugin/main.js).
 * KEYPLANE_BENCH_NOOP_ENTRY likewise runs another no-op entry (e.g. a bundle of it).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { ensurePluginBundle } from "../build/bundle-plugin";
import { offlineEngine } from "../provider/engine";
import { pluginVersion } from "../provider/plugin/install";
import { procCpuSeconds, type BenchOptions, type Row } from "./common";
import { NOOP_VERSION } from "./noop-plugin";
import { inclusiveScope, summariseProfile, type ProfileSummary } from "./profile";
import { startKeyplane } from "./server-proc";
import { checkOutcome, countKeys, OPS, timed, type Op } from "./stackOps";

function yamlProgram(name: string, type: string, n: number): string {
  const lines = [`name: ${name}`, "runtime: yaml", "resources:"];
  for (let i = 0; i < n; i++)
    lines.push(
      `  r-${i}:`,
      `    type: ${type}`,
      "    properties:",
      "      roles: [Viewer]",
      `      comment: plugin bench ${i}`,
      "      expiresIn: 90d",
    );
  return `${lines.join("\n")}\n`;
}

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A launcher running `entry` with this node, its CPU time reported on exit (plugin-cpu.ts) into
 * the directory named in `opDirFile` when it starts (the bench names one per side and operation
 * there); with `profile`, under `--cpu-prof` into the same directory.
 */
function launcher(entry: string, opDirFile: string, profile: boolean): string {
  const dir = `"$(cat ${shQuote(opDirFile)})"`;
  const prof = profile ? ` --cpu-prof --cpu-prof-dir=${dir}` : "";
  const pre = shQuote(path.join(__dirname, "plugin-cpu.js"));
  return `#!/bin/sh\nKEYPLANE_BENCH_OP_DIR=${dir} exec ${shQuote(process.execPath)} --require ${pre}${prof} ${shQuote(entry)} "$@"\n`;
}

function installLauncher(
  pulumi: string,
  env: NodeJS.ProcessEnv,
  dir: string,
  name: string,
  version: string,
  script: string,
): void {
  const file = path.join(dir, `pulumi-resource-${name}`);
  fs.writeFileSync(file, script, { mode: 0o755 });
  const r = spawnSync(pulumi, ["plugin", "install", "resource", name, version, "--file", file], {
    env,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`installing the ${name} plugin: ${r.stderr}`);
}

export interface PluginReport {
  rows: Row[];
  /** With --profile: where each plugin process's time went, per side and operation. */
  profiles: Array<{ scenario: string; summary: ProfileSummary }>;
}

/** Waits (briefly) for the files ending in `ext` that the plugins of one operation write as they exit, after the CLI. */
async function filesIn(dir: string, ext: string): Promise<string[]> {
  for (let i = 0; i < 50; i++) {
    const f = fs.readdirSync(dir).filter((x) => x.endsWith(ext));
    if (f.length > 0) return f.map((x) => path.join(dir, x));
    await new Promise((r) => setTimeout(r, 100));
  }
  return [];
}

/** The size of the stack's checkpoint as the Automation API exports it, bytes. */
async function stateBytes(stack: Stack): Promise<number> {
  return JSON.stringify((await stack.exportStack()).deployment).length;
}

/** CPU seconds of the plugin processes of one operation (NaN when none reported). */
async function pluginCpu(dir: string): Promise<number> {
  const files = await filesIn(dir, ".json");
  if (files.length === 0) return Number.NaN;
  return files.reduce(
    (t, f) => t + (JSON.parse(fs.readFileSync(f, "utf8")) as { seconds: number }).seconds,
    0,
  );
}

export async function pluginBench(o: BenchOptions): Promise<PluginReport> {
  const n = o.quick ? 5 : 100;
  const rows: Row[] = [];
  const profiles: PluginReport["profiles"] = [];
  const dir = path.join(o.dir, "plugin");
  fs.mkdirSync(dir, { recursive: true });
  const server = await startKeyplane({ db: `sqlite:${path.join(dir, "keyplane.db")}`, dir });
  try {
    const engine = await offlineEngine({
      baseDir: dir,
      passphrase: "keyplane-bench",
      env: {
        KEYPLANE_ENDPOINT: server.origin,
        KEYPLANE_API_KEY_ID: String(server.admin.id),
        KEYPLANE_API_KEY: server.admin.key,
      },
    });
    const env = { ...process.env, PULUMI_HOME: engine.pulumiHome };
    const pulumi = path.join(engine.binDir, "pulumi");
    const opDirFile = path.join(dir, "op-dir");
    const opDir = (side: string, op: string) => {
      const d = path.join(dir, "ops", side, op);
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(opDirFile, d);
      return d;
    };
    opDir("warm-up", "preview");
    // The plugin as it ships: the bundle its launchers run (rebuilt if the sources are newer).
    const plugins: Array<[string, string, string]> = [
      [
        "keyplane",
        pluginVersion(),
        process.env.KEYPLANE_BENCH_PLUGIN_ENTRY || ensurePluginBundle(),
      ],
      [
        "kpnoop",
        NOOP_VERSION,
        process.env.KEYPLANE_BENCH_NOOP_ENTRY || path.join(__dirname, "noop-plugin.js"),
      ],
    ];
    for (const [name, version, entry] of plugins)
      installLauncher(pulumi, env, dir, name, version, launcher(entry, opDirFile, o.profile));
    const project = (name: string, type: string) => {
      const d = path.join(dir, name);
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, "Pulumi.yaml"), yamlProgram(name, type, n));
      return LocalWorkspace.createOrSelectStack(
        { stackName: `bench-${n}`, workDir: d },
        engine.workspaceOptions(d),
      );
    };
    const noop = await project("plugin-bench-noop", "kpnoop:index:Noop");
    const keys = await project("plugin-bench-keys", "keyplane:index:ApiKey");
    const keysBefore = await countKeys(server);
    try {
      // Untimed: starts the CLI, the YAML host and the plugins once, so neither side pays the cold start.
      if (!o.quick) {
        await noop.preview();
        await keys.preview();
      }
      for (const op of OPS) {
        const bDir = opDir("noop", op);
        const b = await timed(noop, op);
        const sDir = opDir("keyplane", op);
        const cpu0 = procCpuSeconds(server.pid);
        const s = await timed(keys, op);
        const serverCpu = procCpuSeconds(server.pid) - cpu0;
        await checkOutcome(op, n, s, b, server, keysBefore);
        const [sPlugin, bPlugin] = [await pluginCpu(sDir), await pluginCpu(bDir)];
        let cpu = `CPU of CLI + YAML host + plugin ${s.cpu.toFixed(2)} s vs ${b.cpu.toFixed(2)} s, of which the plugin ${sPlugin.toFixed(2)} s vs ${bPlugin.toFixed(2)} s; server CPU ${serverCpu.toFixed(2)} s`;
        // The file backend rewrites the whole checkpoint after every step: state size costs the CLI.
        if (op === "up")
          cpu += `; state ${(await stateBytes(keys)) / n} vs ${(await stateBytes(noop)) / n} bytes per resource`;
        const ratio = s.seconds / b.seconds;
        o.log(
          `plugin: ${op} ${n}: ApiKey ${s.seconds.toFixed(2)} s vs no-op plugin ${b.seconds.toFixed(2)} s → ${ratio.toFixed(2)}× (${cpu})`,
        );
        rows.push({
          section: "engine",
          name: `pulumi ${op}, ${n} ApiKeys (native plugin, YAML)`,
          value: s.seconds,
          unit: "s",
          baseline: b.seconds,
          baselineName: `${n} no-op resources of a trivial plugin`,
          ratio,
          goal: "≤ 1.2×",
          met: ratio <= 1.2,
          note: cpu,
        });
        if (o.profile) await collect(profiles, op, { noop: bDir, keyplane: sDir });
      }
    } finally {
      for (const st of [noop, keys]) {
        await st.destroy().catch(() => undefined);
        await st.workspace.removeStack(st.name).catch(() => undefined);
      }
    }
  } finally {
    await server.stop();
  }
  return { rows, profiles };
}

async function collect(
  out: PluginReport["profiles"],
  op: Op,
  dirs: Record<"noop" | "keyplane", string>,
): Promise<void> {
  inclusiveScope(/\/(dist\/)?(provider|sdk)\//);
  for (const [side, d] of Object.entries(dirs)) {
    const files = await filesIn(d, ".cpuprofile");
    if (files.length > 0)
      out.push({ scenario: `${op}, ${side} plugin`, summary: summariseProfile(files, 25) });
  }
}
