/**
 * One log line per request (never headers or bodies): method, route, status, time, the caller's
 * key id. The request id is there already: Fastify's request logger carries it as `reqId`.
 */
import type { FastifyInstance } from "fastify";

export function registerRequestLog(app: FastifyInstance): void {
  app.addHook("onResponse", async (req, res) => {
    req.log.info(
      {
        method: req.method,
        route: req.routeOptions.url ?? "(none)",
        status: res.statusCode,
        ms: Math.round(res.elapsedTime),
        key: req.kp?.principal?.keyId,
      },
      "request",
    );
  });
}
