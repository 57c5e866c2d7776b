/**
 * Benchmark 4: the native plugin's overhead. `pulumi up`, `refresh` and `destroy` of N
 * `keyplane:index:ApiKey` resources from a YAML program through pulumi-resource-keyplane,
 * against the same program with N `kpnoop:index:Noop` resources of a trivial plugin (same
 * inputs, same gRPC stubs, same Node.js process model), in the same run, each operation of the
 * baseline followed by the same operation of the subject. The server runs in its own process.
 *
 * With --profile, both plugins run under `node --cpu-prof`, one profile directory per side and
 * operation, and the run prints where each plugin process spent its time.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { offlineEngine } from "../provider/engine";
import { installPlugin, pluginVersion } from "../provider/plugin/install";
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
 * A launcher running `entry` with this node. Profiled, its profiles go to the directory named in
 * `profDirFile` when the process starts (the bench names one per operation there).
 */
function launcher(entry: string, profDirFile?: string): string {
  const prof = profDirFile ? ` --cpu-prof --cpu-prof-dir="$(cat ${shQuote(profDirFile)})"` : "";
  return `#!/bin/sh\nexec ${shQuote(process.execPath)}${prof} ${shQuote(entry)} "$@"\n`;
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

/** Waits (briefly) for the profiles of the plugin processes of one operation, which exit after the CLI. */
async function profilesIn(dir: string): Promise<string[]> {
  for (let i = 0; i < 50; i++) {
    const f = fs.existsSync(dir)
      ? fs.readdirSync(dir).filter((x) => x.endsWith(".cpuprofile"))
      : [];
    if (f.length > 0) return f.map((x) => path.join(dir, x));
    await new Promise((r) => setTimeout(r, 100));
  }
  return [];
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
    const profDirFile = o.profile ? path.join(dir, "profile-dir") : undefined;
    const setProfDir = (side: string, op: string) => {
      if (!profDirFile) return undefined;
      const d = path.join(dir, "profile", side, op);
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(profDirFile, d);
      return d;
    };
    setProfDir("warm-up", "preview");
    if (profDirFile)
      installLauncher(
        pulumi,
        env,
        dir,
        "keyplane",
        pluginVersion(),
        launcher(path.join(__dirname, "..", "provider", "plugin", "main.js"), profDirFile),
      );
    else installPlugin(pulumi, env);
    installLauncher(
      pulumi,
      env,
      dir,
      "kpnoop",
      NOOP_VERSION,
      launcher(path.join(__dirname, "noop-plugin.js"), profDirFile),
    );
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
        const bDir = setProfDir("noop", op);
        const b = await timed(noop, op);
        const sDir = setProfDir("keyplane", op);
        const cpu0 = procCpuSeconds(server.pid);
        const s = await timed(keys, op);
        const serverCpu = procCpuSeconds(server.pid) - cpu0;
        await checkOutcome(op, n, s, b, server, keysBefore);
        const ratio = s.seconds / b.seconds;
        o.log(
          `plugin: ${op} ${n}: ApiKey ${s.seconds.toFixed(2)} s vs no-op plugin ${b.seconds.toFixed(2)} s → ${ratio.toFixed(2)}× (CPU of CLI + host + plugin ${s.cpu.toFixed(2)} s vs ${b.cpu.toFixed(2)} s; server CPU ${serverCpu.toFixed(2)} s)`,
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
          note: `CPU of CLI + YAML host + plugin ${s.cpu.toFixed(2)} s vs ${b.cpu.toFixed(2)} s; server CPU ${serverCpu.toFixed(2)} s`,
        });
        if (bDir && sDir) await collect(profiles, op, { noop: bDir, keyplane: sDir });
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
    const files = await profilesIn(d);
    if (files.length > 0)
      out.push({ scenario: `${op}, ${side} plugin`, summary: summariseProfile(files, 25) });
  }
}
