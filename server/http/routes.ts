/**
 * The routes: one Fastify route per entry of the route table, its entry in the route's config
 * (where the pipeline's hooks find it), and the handler called with a {@link Ctx} built from what
 * those hooks left on the request. Replies are serialized by a function compiled from the
 * route's reply schema (./serialize.ts); with `validateReplies` (tests), every reply is also
 * checked against the contract.
 */
import type { FastifyInstance } from "fastify";
import { ROUTES, type RouteDef, type RouteId } from "../../sdk/contract";
import type { Services } from "../services";
import type { Ctx, Handler, Handlers } from "./context";
import { replySchema } from "./serialize";

export function registerRoutes(app: FastifyInstance, svc: Services, handlers: Handlers): void {
  for (const route of ROUTES as readonly RouteDef[]) {
    const h = handlers[route.id as RouteId] as Handler | undefined;
    if (!h) throw new Error(`no handler for route ${route.id}`);
    app.route({
      method: route.method,
      url: route.path,
      config: { route },
      schema: { response: { [String(route.status ?? 200)]: replySchema(route) } },
      handler: async (req, res) => {
        const s = req.kp!;
        s.handled = true;
        const c: Ctx = {
          req,
          route,
          body: s.body as never,
          query: (s.query ?? {}) as never,
          params: (req.params ?? {}) as Record<string, string>,
          principal: s.principal!,
          now: s.now,
          requestId: String(req.id),
          idempotency: s.idempotency,
          svc,
        };
        const ans = await h(c);
        s.keysWritten = ans.keysWritten;
        if (svc.options.validateReplies) {
          const chk = route.reply.safeParse(ans.body);
          if (!chk.success)
            throw new Error(
              `reply of ${route.id} breaks the contract: ${JSON.stringify(chk.error.issues.slice(0, 3))}`,
            );
        }
        res.status(ans.status ?? route.status ?? 200);
        res.header("x-request-id", String(req.id));
        if (ans.headers) res.headers(ans.headers);
        // Fastify sends a string as it is; a reply that is a JSON string (validate's "true") is encoded here.
        if (typeof ans.body === "string")
          return res.type("application/json; charset=utf-8").send(JSON.stringify(ans.body));
        return ans.body;
      },
    });
  }
}
