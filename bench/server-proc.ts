/**
 * The keyplane server under test, in its own process, started the way `keyplane server` starts it
 * (`startServer`: store, migrations, keyring file, bootstrap, Fastify; JSON request logs at
 * `info` on stderr, which the parent points at a file; the node flags of the `keyplane` launcher;
 * production defaults for everything else). `startKeyplane` forks this file; the parent can ask
 * for the child's memory and stop it gracefully, which also writes a CPU profile when it was
 * started with `cpuProfDir`.
 */
import { fork } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { launcherNodeFlags } from "../cli/nodeFlags";
import type { ServerOptions } from "../server/app";
import type { Auth } from "./loadgen";

export interface KeyplaneProcOptions {
  /** `sqlite:PATH` or `postgres://…` */
  db: string;
  /** Holds the keyring (master.key), the bootstrap file and the server log. */
  dir: string;
  /** Write a V8 CPU profile (node --cpu-prof) into this directory when the server stops. */
  cpuProfDir?: string;
  logLevel?: string;
  options?: ServerOptions;
  /** Node flags instead of the `keyplane` launcher's (experiments: say so beside their figures). */
  nodeFlags?: string[];
}

export interface Memory {
  /** Resident set size now, bytes. */
  rss: number;
  /** Peak resident set size (VmHWM), bytes; 0 where /proc is missing. */
  peakRss: number;
  heapUsed: number;
  external: number;
}

export interface RunningKeyplane {
  origin: string;
  pid: number;
  /** The bootstrap administrator (Instance Administrator, Standard). */
  admin: Auth;
  memory(): Promise<Memory>;
  stop(): Promise<void>;
}

export const keyringFile = (dir: string) => path.join(dir, "master.key");

type ChildMsg =
  | { type: "ready"; port: number; admin: Auth }
  | { type: "memory"; memory: Memory }
  | { type: "error"; error: string };

export function startKeyplane(o: KeyplaneProcOptions): Promise<RunningKeyplane> {
  fs.mkdirSync(o.dir, { recursive: true });
  const log = fs.openSync(path.join(o.dir, "server.log"), "a");
  // The node flags `keyplane server` runs with (cli/nodeFlags.ts), then the profiler's.
  const execArgv = [
    ...(o.nodeFlags ?? launcherNodeFlags()),
    ...(o.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${o.cpuProfDir}`] : []),
  ];
  const child = fork(__filename, [], { execArgv, stdio: ["ignore", "ignore", log, "ipc"] });
  fs.closeSync(log);
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(
        new Error(
          `keyplane server exited (${code}) before listening; see ${path.join(o.dir, "server.log")}`,
        ),
      );
    child.once("exit", onExit);
    child.once("message", (m: ChildMsg) => {
      if (m.type === "error")
        return reject(new Error(`keyplane server failed to start: ${m.error}`));
      if (m.type !== "ready") return reject(new Error(`unexpected message ${m.type}`));
      child.off("exit", onExit);
      const waiters: Array<(mem: Memory) => void> = [];
      child.on("message", (x: ChildMsg) => {
        if (x.type === "memory") waiters.shift()?.(x.memory);
      });
      resolve({
        origin: `http://127.0.0.1:${m.port}`,
        pid: child.pid!,
        admin: m.admin,
        memory: () =>
          new Promise<Memory>((r) => {
            waiters.push(r);
            child.send({ cmd: "memory" });
          }),
        stop: () =>
          new Promise<void>((r) => {
            if (child.exitCode !== null) return r();
            const kill = setTimeout(() => child.kill("SIGKILL"), 30_000);
            child.once("exit", () => {
              clearTimeout(kill);
              r();
            });
            child.send({ cmd: "stop" });
          }),
      });
    });
    child.send({ cmd: "start", o: { ...o, cpuProfDir: undefined, nodeFlags: undefined } });
  });
}

function readMemory(): Memory {
  const m = process.memoryUsage();
  let peakRss = 0;
  try {
    const st = fs.readFileSync("/proc/self/status", "utf8");
    const hwm = /VmHWM:\s+(\d+) kB/.exec(st);
    if (hwm) peakRss = Number(hwm[1]) * 1024;
  } catch {
    /* not Linux */
  }
  return { rss: m.rss, peakRss, heapUsed: m.heapUsed, external: m.external };
}

if (require.main === module) {
  process.once("message", async (m: { cmd: "start"; o: KeyplaneProcOptions }) => {
    try {
      const { startServer } = await import("../server/start");
      // The log goes where keyplane server sends it: stderr, through the asynchronous destination.
      const { stderrLog } = await import("../server/log");
      const bootstrapFile = path.join(m.o.dir, "bootstrap.json");
      const running = await startServer({
        db: m.o.db,
        port: 0,
        host: "127.0.0.1",
        bootstrapFile,
        masterKeyFile: keyringFile(m.o.dir),
        logger: { level: m.o.logLevel ?? "info", stream: stderrLog().stream },
        options: m.o.options,
      });
      const boot = JSON.parse(fs.readFileSync(bootstrapFile, "utf8")) as {
        api_key_id: number;
        api_key: string;
      };
      process.on("message", async (x: { cmd: string }) => {
        if (x.cmd === "memory") process.send!({ type: "memory", memory: readMemory() });
        if (x.cmd === "stop") {
          await running.close().catch(() => undefined);
          process.exit(0);
        }
      });
      process.once("disconnect", () => void running.close().finally(() => process.exit(0)));
      process.send!({
        type: "ready",
        port: running.port,
        admin: { id: boot.api_key_id, key: boot.api_key, level: "standard" },
      });
    } catch (e) {
      process.send!({ type: "error", error: (e as Error).message }, () => process.exit(1));
    }
  });
}
