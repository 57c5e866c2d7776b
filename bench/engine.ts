/**
 * Benchmark 3: the engine overhead of the provider. `pulumi up`, `refresh` and `destroy` of N
 * `ApiKey` resources against the same program with N no-op dynamic resources (same inputs; a
 * provider whose create returns its inputs), through the Automation API on the offline engine
 * (local file backend, passphrase secrets), in the same run, each operation of the baseline
 * followed by the same operation of the subject. The server runs in its own process (SQLite).
 * `parallel` is the engine's default. N is 10 and 100 (1× and 10×).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "node:child_process";
import { offlineEngine, packageRoot } from "../provider/engine";
import { ApiKey } from "../provider/dynamic/apiKey";
import { procCpuSeconds, type BenchOptions, type Row } from "./common";
import { startKeyplane } from "./server-proc";
import { checkOutcome, countKeys, OPS, timed } from "./stackOps";

/**
 * The no-op provider: serialized into state like any dynamic provider, so it captures nothing
 * (one shared object: Pulumi serializes it once and reuses the text).
 */
const noopProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    return {
      id: `noop-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`,
      outs: inputs,
    };
  },
  async read(id, props) {
    return { id, props };
  },
  async delete() {
    /* nothing to delete */
  },
};

class Noop extends pulumi.dynamic.Resource {
  constructor(name: string, args: Record<string, pulumi.Input<unknown>>) {
    super(noopProvider, name, args, {}, "bench", "Noop");
  }
}

const inputsOf = (i: number) => ({
  roles: ["Viewer"],
  comment: `engine bench ${i}`,
  expiresIn: "90d",
});

/**
 * A Pulumi project with keyplane installed from `npm pack`, as users have it: a program that
 * declares N ApiKeys or N no-op resources (config `kind`, `count`). Installed, the serialized
 * provider in state is only a `require` of the package's shell module.
 */
function installedProject(dir: string): string {
  const proj = path.join(dir, "installed-project");
  fs.mkdirSync(proj, { recursive: true });
  const tgz = execFileSync(
    "npm",
    ["pack", "--ignore-scripts", "--pack-destination", proj, "--silent"],
    { cwd: packageRoot(), encoding: "utf8" },
  )
    .trim()
    .split("\n")
    .pop()!;
  fs.writeFileSync(
    path.join(proj, "package.json"),
    JSON.stringify({ name: "engine-bench-installed", private: true, main: "index.js" }),
  );
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", `./${tgz}`], {
    cwd: proj,
    stdio: "ignore",
  });
  fs.writeFileSync(
    path.join(proj, "Pulumi.yaml"),
    "name: engine-bench-installed\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n",
  );
  fs.writeFileSync(
    path.join(proj, "index.js"),
    `"use strict";
const pulumi = require("@pulumi/pulumi");
const keyplane = require("keyplane");
const config = new pulumi.Config();
const n = Number(config.require("count"));
const noop = {
  async create(inputs) { return { id: "noop-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2), outs: inputs }; },
  async read(id, props) { return { id, props }; },
  async delete() {},
};
for (let i = 0; i < n; i++) {
  const args = { roles: ["Viewer"], comment: "engine bench " + i, expiresIn: "90d" };
  if (config.require("kind") === "apikey") new keyplane.ApiKey("r-" + i, args);
  else new pulumi.dynamic.Resource(noop, "r-" + i, args, {}, "bench", "Noop");
}
`,
  );
  return proj;
}

export async function engineBench(o: BenchOptions): Promise<Row[]> {
  const sizes = o.quick ? [5] : [10, 100];
  const rows: Row[] = [];
  const dir = path.join(o.dir, "engine");
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
    const keysBefore = await countKeys(server);
    const proj = o.quick ? undefined : installedProject(dir);
    const scenarios: Array<{ n: number; installed: boolean }> = sizes.map((n) => ({
      n,
      installed: false,
    }));
    if (proj) scenarios.push({ n: 100, installed: true });
    for (const { n, installed } of scenarios) {
      const label = installed ? " (keyplane installed from npm pack, project directory)" : "";
      const noop = installed
        ? await engine.localStack(`kp-bench-noop-installed-${n}`, proj!, {
            config: {
              "engine-bench-installed:count": { value: String(n) },
              "engine-bench-installed:kind": { value: "noop" },
            },
          })
        : await engine.inlineStack(`kp-bench-noop-${n}`, "bench", async () => {
            for (let i = 0; i < n; i++) new Noop(`r-${i}`, inputsOf(i));
          });
      const keys = installed
        ? await engine.localStack(`kp-bench-apikeys-installed-${n}`, proj!, {
            config: {
              "engine-bench-installed:count": { value: String(n) },
              "engine-bench-installed:kind": { value: "apikey" },
            },
          })
        : await engine.inlineStack(`kp-bench-apikeys-${n}`, "bench", async () => {
            for (let i = 0; i < n; i++) new ApiKey(`r-${i}`, inputsOf(i));
          });
      try {
        // Untimed: starts the CLI and the plugins once, so neither side pays the cold start.
        if (!o.quick) await noop.preview();
        for (const op of OPS) {
          const b = await timed(noop, op);
          const cpu0 = procCpuSeconds(server.pid);
          const s = await timed(keys, op);
          const serverCpu = procCpuSeconds(server.pid) - cpu0;
          await checkOutcome(op, n, s, b, server, keysBefore);
          const ratio = s.seconds / b.seconds;
          o.log(
            `engine: ${op} ${n}${installed ? " installed" : ""}: ApiKey ${s.seconds.toFixed(2)} s vs no-op ${b.seconds.toFixed(2)} s → ${ratio.toFixed(2)}× (server CPU ${serverCpu.toFixed(2)} s)`,
          );
          rows.push({
            section: "engine",
            name: `pulumi ${op}, ${n} ApiKeys${label}`,
            value: s.seconds,
            unit: "s",
            baseline: b.seconds,
            baselineName: `${n} no-op dynamic resources`,
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
    }
  } finally {
    await server.stop();
  }
  return rows;
}
