/**
 * The baseline: a bare `node:http` server that reads the request body and answers fixed bytes
 * (the reply the keyplane server gave to the same request), with the same headers Fastify
 * sends. No routing, no parsing, no auth: what any Node.js HTTP service on this machine costs.
 *
 * `startBaseline(reply)` forks this file and resolves with its origin; it listens on 127.0.0.1.
 */
import { fork, type ChildProcess, type StdioOptions } from "node:child_process";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface RunningBaseline {
  origin: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Forks `file` (a module that listens on 127.0.0.1 when it gets `message`, then sends back
 * `{ port }`) and resolves once it listens. `stop()` sends SIGTERM, then SIGKILL after 5 s.
 */
export function forkListening(
  file: string,
  message: object,
  label: string,
  stdio: StdioOptions,
): Promise<RunningBaseline> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(file, [], { execArgv: [], stdio });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`${label} exited (${code}) before listening`)));
    child.once("message", (m: { port: number }) => {
      child.removeAllListeners("exit");
      resolve({
        origin: `http://127.0.0.1:${m.port}`,
        pid: child.pid!,
        stop: () =>
          new Promise<void>((r) => {
            if (child.exitCode !== null) return r();
            child.once("exit", () => r());
            child.kill("SIGTERM");
            setTimeout(() => child.kill("SIGKILL"), 5000).unref();
          }),
      });
    });
    child.send(message);
  });
}

export function startBaseline(reply: string, status = 200): Promise<RunningBaseline> {
  return forkListening(__filename, { reply, status }, "baseline server", [
    "ignore",
    "inherit",
    "inherit",
    "ipc",
  ]);
}

if (require.main === module) {
  process.once("message", (m: { reply: string; status: number }) => {
    const body = Buffer.from(m.reply, "utf8");
    const headers = {
      "content-type": "application/json; charset=utf-8",
      "x-request-id": "00000000-0000-4000-8000-000000000000",
      "content-length": String(body.length),
    };
    const server = http.createServer((req, res) => {
      req.on("data", () => undefined);
      req.on("end", () => {
        res.writeHead(m.status, headers);
        res.end(body);
      });
    });
    server.keepAliveTimeout = 72_000;
    server.listen(0, "127.0.0.1", () =>
      process.send!({ port: (server.address() as AddressInfo).port }),
    );
    process.once("SIGTERM", () => server.close(() => process.exit(0)));
    process.once("disconnect", () => process.exit(0));
  });
}
