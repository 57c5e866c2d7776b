/**
 * A reference point between the bare baseline and keyplane: Fastify configured as keyplane
 * configures it (the same logger, one JSON line per request from an onResponse hook, a random
 * request id, the JSON body parser), one route that answers fixed bytes. No auth, no validation,
 * no database. The gap bare → floor is what the framework and the request log cost; floor →
 * keyplane is keyplane's own work. Forked like the baseline; listens on 127.0.0.1.
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import { forkListening, type RunningBaseline } from "./baseline-server";
import pino from "pino";
import { stderrLog } from "../server/log";

/**
 * How the floor writes its log: "turn" is keyplane server's writer (server/log.ts); "async" is
 * the asynchronous destination it replaced (one `fs.write` on a libuv thread per line), kept
 * here to compare the two; "none" writes no log at all (bench/log-floor.ts).
 */
export type FloorLog = "turn" | "async" | "none";

export function startFastifyFloor(
  reply: string,
  routePath: string,
  logFile: string,
  log: FloorLog = "turn",
): Promise<RunningBaseline> {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, "a");
  // The child holds its own copy of the descriptor once forked.
  const started = forkListening(__filename, { reply, routePath, log }, "fastify floor", [
    "ignore",
    "ignore",
    fd,
    "ipc",
  ]);
  fs.closeSync(fd);
  return started;
}

if (require.main === module) {
  process.once("message", async (m: { reply: string; routePath: string; log: FloorLog }) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only in the child process, not by the parent that imports this file
    const Fastify = require("fastify") as typeof import("fastify").default;
    const app = Fastify({
      // The same writer as keyplane server (server/log.ts), or the one it replaced.
      logger:
        m.log === "none"
          ? false
          : {
              level: "info",
              stream:
                m.log === "async" ? pino.destination({ dest: 2, sync: false }) : stderrLog().stream,
            },
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
      req.log.info(
        {
          reqId: req.id,
          method: req.method,
          route: req.routeOptions.url ?? "(none)",
          status: res.statusCode,
          ms: Math.round(res.elapsedTime),
        },
        "request",
      );
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
