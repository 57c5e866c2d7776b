/** Authorization: the route's permission (component and level), refusals audited; also before the body is read. */
import type { FastifyInstance } from "fastify";
import { levelAtLeast } from "../../sdk/contract";
import { ApiError } from "../errors";
import type { Services } from "../services";

export function registerAuthorization(app: FastifyInstance, svc: Services): void {
  app.addHook("onRequest", async (req) => {
    const s = req.kp;
    const need = s?.route.permission;
    if (!s?.principal || !need) return;
    if (levelAtLeast(s.principal.permissions[need.component], need.level)) return;
    await svc.audit.permissionDenied(req, s.principal, s.route);
    throw new ApiError("FORBIDDEN", "forbidden", {
      headers: { "x-keyplane-required-permission": `${need.component}:${need.level}` },
    });
  });
}
