/** Authorization: the route's permission (component and level), refusals audited; also before the body is read. */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { levelAtLeast, type RouteDef } from "../../sdk/contract";
import type { KeyPrincipal } from "../auth/cache";
import { ApiError } from "../errors";
import type { Services } from "../services";

export function registerAuthorization(app: FastifyInstance, svc: Services): void {
  // A permitted request goes on at once; only a refusal waits (for its audit entry).
  app.addHook("onRequest", (req, _res, done) => {
    const s = req.kp;
    const need = s?.route.permission;
    if (!s?.principal || !need) return done();
    if (levelAtLeast(s.principal.permissions[need.component], need.level)) return done();
    return refuse(svc, req, s.principal, s.route, need);
  });
}

async function refuse(
  svc: Services,
  req: FastifyRequest,
  principal: KeyPrincipal,
  route: RouteDef,
  need: NonNullable<RouteDef["permission"]>,
): Promise<never> {
  await svc.audit.permissionDenied(req, principal, route);
  throw new ApiError("FORBIDDEN", "forbidden", {
    headers: { "x-keyplane-required-permission": `${need.component}:${need.level}` },
  });
}
