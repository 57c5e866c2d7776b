/**
 * The plugin's start-up as the engine waits for it (not part of `npm run bench`; behind the
 * issue 14 start-up figures in bench/RESULTS.md):
 *
 *   node dist/bench/plugin-startup.js [--runs N] [NAME=ENTRY ...]
 *
 * Starts each plugin entry N times (default 15, the entries alternating, so a change in the
 * machine's load hits all of them alike) with this node, as the engine does, and measures what
 * the engine waits for: the wall time from the spawn to the port on stdout, and to the answer of
 * the first Check after GetPluginInfo and Configure, as the engine's first calls are; with the
 * plugin process's CPU time at both moments (from /proc). Default entries: keyplane's plugin as
 * it ships (launch.js: the bundle with its code cache), the bundle run without the cache, the
 * unbundled compiled entry (dist/provider/plugin/main.js) and the no-op plugin.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as providerGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import * as pluginPb from "@pulumi/pulumi/proto/plugin_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { ensurePluginBundle } from "../build/bundle-plugin";
import { PLUGIN_BUNDLE } from "../provider/plugin/launch";

interface Sample {
  portMs: number;
  portCpuMs: number;
  checkMs: number;
  checkCpuMs: number;
}

const TICK_MS = 1000 / 100; // USER_HZ on Linux

/** The CPU time (user + system) of a live process, ms. */
function cpuMs(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

function call<Req, Res>(c: grpc.Client, method: string, req: Req): Promise<Res> {
  return new Promise((resolve, reject) =>
    (c as unknown as Record<string, (r: Req, cb: (e: Error | null, r: Res) => void) => void>)[
      method
    ]!(req, (e, r) => (e ? reject(e) : resolve(r))),
  );
}

async function once(entry: string, type: string): Promise<Sample> {
  const t0 = performance.now();
  const p = spawn(process.execPath, [entry], {
    stdio: ["ignore", "pipe", "inherit"],
    env: {
      ...process.env,
      KEYPLANE_ENDPOINT: "http://127.0.0.1:9",
      KEYPLANE_API_KEY_ID: "1",
      KEYPLANE_API_KEY: "startup-bench-not-a-key",
    },
  });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      let out = "";
      p.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) resolve(out.split("\n")[0]!);
      });
      p.on("exit", (code) => reject(new Error(`${entry} exited (${code}) before its port`)));
    });
    const portMs = performance.now() - t0;
    const portCpuMs = cpuMs(p.pid!);
    const client = new providerGrpc.ResourceProviderClient(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    );
    try {
      await call<Empty, pluginPb.PluginInfo>(client, "getPluginInfo", new Empty());
      await call(client, "configure", new providerPb.ConfigureRequest().setArgs(new Struct()));
      const news = Struct.fromJavaScript({
        roles: ["Viewer"],
        comment: "startup",
        expiresIn: "90d",
      });
      await call(
        client,
        "check",
        new providerPb.CheckRequest()
          .setUrn(`urn:pulumi:bench::startup::${type}::r`)
          .setOlds(new Struct())
          .setNews(news),
      );
      return { portMs, portCpuMs, checkMs: performance.now() - t0, checkCpuMs: cpuMs(p.pid!) };
    } finally {
      client.close();
    }
  } finally {
    p.kill();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let runs = 15;
  const entries: Array<[string, string]> = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--runs") runs = Number(args[++i]);
    else {
      const [name, entry] = args[i]!.split("=", 2) as [string, string | undefined];
      if (!entry) throw new Error(`'${args[i]}': give NAME=ENTRY`);
      entries.push([name, path.resolve(entry)]);
    }
  }
  if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs: give a positive integer");
  if (entries.length === 0)
    entries.push(
      ["keyplane (shipped)", ensurePluginBundle()],
      ["keyplane (bundle alone)", PLUGIN_BUNDLE],
      ["keyplane (main.js)", path.join(__dirname, "..", "provider", "plugin", "main.js")],
      ["no-op", path.join(__dirname, "noop-plugin.js")],
    );
  const samples = new Map<string, Sample[]>(entries.map(([n]) => [n, []]));
  const load0 = os.loadavg()[0]!;
  for (let r = 0; r < runs; r++)
    for (const [name, entry] of entries) {
      const type = name.startsWith("no-op") ? "kpnoop:index:Noop" : "keyplane:index:ApiKey";
      samples.get(name)!.push(await once(entry, type));
    }
  console.log(
    `plugin start-up, median of ${runs} (load average ${load0.toFixed(2)} → ${os.loadavg()[0]!.toFixed(2)}):`,
  );
  for (const [name, s] of samples) {
    const m = (k: keyof Sample) => median(s.map((x) => x[k])).toFixed(0);
    console.log(
      `  ${name.padEnd(22)} port ${m("portMs")} ms wall, ${m("portCpuMs")} ms CPU; first Check answered ${m("checkMs")} ms wall, ${m("checkCpuMs")} ms CPU`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
