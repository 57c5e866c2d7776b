/**
 * A reference point between the bare baseline and keyplane: Fastify configured as keyplane
 * configures it (the same logger, one JSON line per request from an onResponse hook, a random
 * request id, the JSON body parser), one route that answers fixed bytes. No auth, no validation,
 * no database. The gap bare → floor is what the framework and the request log cost; floor →
 * keyplane is keyplane's own work. Forked like the baseline; listens on 127.0.0.1.
 */
import { fork, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import type { RunningBaseline } from "./baseline-server";

export function startFastifyFloor(reply: string, routePath: string, logFile: string): Promise<RunningBaseline> {
  return new Promise((resolve, reject) => {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const log = fs.openSync(logFile, "a");
    const child: ChildProcess = fork(__filename, [], { execArgv: [], stdio: ["ignore", "ignore", log, "ipc"] });
    fs.closeSync(log);
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`fastify floor exited (${code}) before listening`)));
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
    child.send({ reply, routePath });
  });
}

if (require.main === module) {
  process.once("message", async (m: { reply: string; routePath: string }) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Fastify = require("fastify") as typeof import("fastify").default;
    const app = Fastify({
      logger: { level: "info", stream: process.stderr },
      disableRequestLogging: true,
      requestIdHeader: false,
      genReqId: () => randomUUID(),
    });
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => {
      try {
        done(null, (body as string).trim() === "" ? {} : JSON.parse(body as string));
      } catch (e) {
        done(e as Error);
      }
    });
    app.addHook("onResponse", async (req, res) => {
      req.log.info({ reqId: req.id, method: req.method, route: req.routeOptions.url ?? "(none)", status: res.statusCode, ms: Math.round(res.elapsedTime) }, "request");
    });
    app.post(m.routePath, async (req, res) => {
      res.header("x-request-id", String(req.id));
      res.type("application/json; charset=utf-8");
      return m.reply;
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    process.send!({ port: (app.server.address() as AddressInfo).port });
    process.once("SIGTERM", () => void app.close().finally(() => process.exit(0)));
    process.once("disconnect", () => process.exit(0));
  });
}
