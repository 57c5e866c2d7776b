/**
 * Benchmark 4: the native plugin's overhead. `pulumi up`, `refresh` and `destroy` of N
 * `keyplane:index:ApiKey` resources from a YAML program through pulumi-resource-keyplane,
 * against the same program with N `kpnoop:index:Noop` resources of a trivial plugin (same
 * inputs, same gRPC stubs, same Node.js process model), in the same run, each operation of the
 * baseline followed by the same operation of the subject. The server runs in its own process.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { offlineEngine } from "../provider/engine";
import { installPlugin } from "../provider/plugin/install";
import { call, procCpuSeconds, type BenchOptions, type Row } from "./common";
import { NOOP_VERSION } from "./noop-plugin";
import { startKeyplane } from "./server-proc";

type Op = "up" | "refresh" | "destroy";

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

async function timed(
  stack: Stack,
  op: Op,
): Promise<{ seconds: number; changes: Record<string, number> }> {
  const t0 = performance.now();
  const res =
    op === "up"
      ? await stack.up()
      : op === "refresh"
        ? await stack.refresh()
        : await stack.destroy();
  const seconds = (performance.now() - t0) / 1000;
  if (res.summary.result !== "succeeded")
    throw new Error(`${op} of ${stack.name}: ${res.summary.result}`);
  return { seconds, changes: (res.summary.resourceChanges ?? {}) as Record<string, number> };
}

export async function pluginBench(o: BenchOptions): Promise<Row[]> {
  const n = o.quick ? 5 : 100;
  const rows: Row[] = [];
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
    installPlugin(pulumi, env);
    const launcher = path.join(dir, "pulumi-resource-kpnoop");
    fs.writeFileSync(
      launcher,
      `#!/bin/sh\nexec '${process.execPath}' '${path.join(__dirname, "noop-plugin.js")}' "$@"\n`,
      { mode: 0o755 },
    );
    const r = spawnSync(
      pulumi,
      ["plugin", "install", "resource", "kpnoop", NOOP_VERSION, "--file", launcher],
      { env, encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`installing the no-op plugin: ${r.stderr}`);
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
    const countKeys = async () => {
      const c = await call(server.origin, "/public_api/v1/api_keys/get_api_keys", server.admin, {
        request_data: { search_from: 0, search_to: 1 },
      });
      return Number(c.body?.reply?.TOTAL_COUNT ?? Number.NaN);
    };
    const keysBefore = await countKeys();
    try {
      // Untimed: starts the CLI, the YAML host and the plugins once, so neither side pays the cold start.
      if (!o.quick) {
        await noop.preview();
        await keys.preview();
      }
      for (const op of ["up", "refresh", "destroy"] as Op[]) {
        const b = await timed(noop, op);
        const cpu0 = procCpuSeconds(server.pid);
        const s = await timed(keys, op);
        const serverCpu = procCpuSeconds(server.pid) - cpu0;
        if (op === "up") {
          if ((s.changes.create ?? 0) !== n + 1 || (b.changes.create ?? 0) !== n + 1)
            throw new Error(
              `up: expected ${n + 1} creates, got ${JSON.stringify(s.changes)} / ${JSON.stringify(b.changes)}`,
            );
          const have = await countKeys();
          if (have !== keysBefore + n)
            throw new Error(`up: the server holds ${have} keys, expected ${keysBefore + n}`);
        }
        if (op === "destroy" && (await countKeys()) !== keysBefore)
          throw new Error("destroy: keys are left on the server");
        const ratio = s.seconds / b.seconds;
        o.log(
          `plugin: ${op} ${n}: ApiKey ${s.seconds.toFixed(2)} s vs no-op plugin ${b.seconds.toFixed(2)} s → ${ratio.toFixed(2)}× (server CPU ${serverCpu.toFixed(2)} s)`,
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
          note: `server CPU ${serverCpu.toFixed(2)} s`,
        });
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
  return rows;
}
