/**
 * Cache invalidation, one rule for every route: a call that needs `view_edit` is a write, and
 * once its handler has run, whatever the outcome (a handler may write and then fail), this
 * replica's auth cache is dropped before the reply leaves. Other replicas follow the store's
 * revision (server/auth/cache.ts). Refusals before the handler (401, 403, 400) drop nothing, so
 * a flood of them cannot empty the cache. A handler whose write created or deleted exactly some
 * keys and changed nothing else (a generate, a delete of keys) names them in its answer's
 * `keysWritten`; when it succeeded, only those keys' entries and the counts go.
 */
import type { FastifyInstance } from "fastify";
import type { RouteDef } from "../../sdk/contract";
import type { Services } from "../services";

export const isWrite = (r: RouteDef): boolean => r.permission?.level === "view_edit";

export function registerCacheInvalidation(app: FastifyInstance, svc: Services): void {
  app.addHook("onSend", (req, res, payload, done) => {
    const s = req.kp;
    if (s?.handled && isWrite(s.route)) {
      if (s.keysWritten && res.statusCode < 300) svc.cache.keysWritten(s.keysWritten);
      else svc.cache.invalidate();
    }
    done(null, payload);
  });
}
