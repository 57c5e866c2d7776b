/**
 * The first step: a request that matched a route gets its {@link RequestState}, with the route
 * table entry and the clock's reading when it came in; the steps after it read and add to it.
 */
import type { FastifyInstance } from "fastify";
import type { Clock } from "../clock";

export function registerRequestState(app: FastifyInstance, clock: Clock): void {
  app.decorateRequest("kp", null);
  // Hooks that need no await take Fastify's callback (here and in the other steps): an async
  // hook costs a promise and a microtask per request even when it does nothing.
  app.addHook("onRequest", (req, _res, done) => {
    const route = req.routeOptions.config.route;
    if (route) req.kp = { route, now: clock.now() };
    done();
  });
}
