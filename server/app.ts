/**
 * The app factory: `buildServer(deps)` returns a ready Fastify app with every route of the
 * contract registered, without listening. Route tests call it in process (`app.inject`); the
 * CLI's `keyplane server` listens on it.
 *
 * A request goes through the steps below, each one small module under ./http, registered here in
 * the order they run (Fastify's own lifecycle orders hooks of different kinds: onRequest, then
 * body parsing, preValidation, preHandler, the handler, onSend, onResponse). Nothing here runs
 * per request, and nothing imports this file back.
 */
import { randomUUID } from "node:crypto";
import Fastify, { LogController, type FastifyInstance } from "fastify";
import { registerConsole } from "./console";
import type { ConsoleSessions } from "./console/session";
import { registerAuthentication } from "./http/authenticate";
import { registerAuthorization } from "./http/authorize";
import { registerBodyParsing } from "./http/body";
import { earlyErrorOptions, registerErrorRendering } from "./http/errors";
import { registerIdempotency } from "./http/idempotency";
import { registerCacheInvalidation } from "./http/invalidate";
import { registerRequestLog } from "./http/requestLog";
import { registerRoutes } from "./http/routes";
import { registerRequestState } from "./http/state";
import { registerValidation } from "./http/validate";
import { handlers } from "./routes";
import { DEFAULT_BODY_LIMIT, makeServices, type ServerDeps, type Services } from "./services";

export type { ServerDeps, ServerOptions, Services } from "./services";
export type { Answer, Ctx, Handler, Handlers } from "./http/context";

/** Builds the app (not listening). Call `app.close()` to stop its timers and flush state. */
export async function buildServer(
  deps: ServerDeps,
): Promise<FastifyInstance & { services: Services }> {
  const svc = makeServices(deps);
  const { options } = svc;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;

  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit,
    // A body sent a byte at a time must not hold a connection open for ever (Fastify's default
    // is no limit): the whole request gets requestTimeoutMs, the headers as long, and Node
    // checks the timers often enough for that to hold within a second.
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    http: {
      headersTimeout: options.requestTimeoutMs ?? 30_000,
      connectionsCheckingInterval: Math.min(1000, options.requestTimeoutMs ?? 30_000),
    },
    trustProxy: options.trustProxy ?? false,
    // One log line per request, written by ./http/requestLog.ts (never headers or bodies).
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId: (req) => {
      const h = req.headers["x-request-id"];
      return typeof h === "string" && /^[A-Za-z0-9._:-]{1,128}$/.test(h) ? h : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    ...earlyErrorOptions(bodyLimit),
  }) as unknown as FastifyInstance & { services: Services };
  app.decorate("services", svc);
  svc.limiter.onSharedError = (e) =>
    app.log.warn(
      { err: e },
      "could not add a failed authentication to the shared counts; this replica's count still applies",
    );

  // The request pipeline, in order.
  registerRequestState(app, svc.clock); // onRequest: the route's entry and the time
  const consoleSessions: { current?: ConsoleSessions } = {};
  registerAuthentication(app, svc, consoleSessions); // onRequest: the key (or a console session), from headers only
  registerAuthorization(app, svc); // onRequest: the route's permission
  registerBodyParsing(app); // JSON, bounded in size and depth
  registerValidation(app); // preValidation: request_data and query against the contract
  registerIdempotency(app, svc); // preHandler: replay; onSend: remember
  registerCacheInvalidation(app, svc); // onSend: after a write
  registerRequestLog(app); // onResponse: one line
  registerErrorRendering(app, bodyLimit); // every failure, in the family's envelope
  // The web console (/console): its pages, and the sessions whose `authenticate` is the one seam
  // where a signed-in page's calls join this pipeline as the session's key principal.
  consoleSessions.current = registerConsole(app, svc, options.console);
  registerRoutes(app, svc, handlers);

  svc.cache.start(options.pollMs ?? 200);
  svc.lastUsed.start();
  if ((options.schedulerMs ?? 30_000) > 0) svc.scheduler.start(options.schedulerMs ?? 30_000);

  app.addHook("onClose", async () => {
    await svc.audit.flushFailures().catch(() => undefined);
    svc.scheduler.stop();
    svc.cache.stop();
    await svc.lastUsed.stop();
    await svc.scheduler.release().catch(() => undefined);
  });

  await app.ready();
  return app;
}
