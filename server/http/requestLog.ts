/**
 * One log line per request (never headers or bodies): method, route, status, time, the caller's
 * key id. The request id is there already: Fastify's request logger carries it as `reqId`.
 */
import type { FastifyInstance } from "fastify";

export function registerRequestLog(app: FastifyInstance): void {
  app.addHook("onResponse", (req, res, done) => {
    req.log.info(
      {
        method: req.method,
        // The route table's path when one matched (`routeOptions` builds an object per call).
        route: req.kp ? req.kp.route.path : (req.routeOptions.url ?? "(none)"),
        status: res.statusCode,
        ms: Math.round(res.elapsedTime),
        key: req.kp?.principal?.keyId,
      },
      "request",
    );
    done();
  });
}
