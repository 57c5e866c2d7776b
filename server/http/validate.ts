/** Validation: `request_data` and the query string against the route's zod schemas; failures name the field. */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { RouteId } from "../../sdk/contract";
import { ApiError, fromZod } from "../errors";
import { COMMON_BODIES } from "./commonBodies";

export function registerValidation(app: FastifyInstance): void {
  app.addHook("preValidation", (req, _res, done) => {
    try {
      validate(req);
    } catch (e) {
      return done(e as Error);
    }
    done();
  });
}

/** Sets the request's validated body and query, or throws the error that names the field. */
function validate(req: FastifyRequest): void {
  const s = req.kp;
  if (!s) return;
  const { route } = s;
  if (route.request) {
    const raw = req.body as Record<string, unknown> | undefined;
    if (raw !== undefined && (typeof raw !== "object" || raw === null || Array.isArray(raw))) {
      throw new ApiError(
        "INVALID_INPUT",
        'the body must be a JSON object `{"request_data": {...}}`',
      );
    }
    const rd = raw?.request_data ?? {};
    // The commonest bodies need no schema run (./commonBodies.ts); the rest, and every refusal, do.
    const plain = COMMON_BODIES[route.id as RouteId]?.(rd);
    if (plain !== undefined) s.body = plain;
    else {
      const parsed = route.request.safeParse(rd);
      if (!parsed.success) throw fromZod(parsed.error, "request_data", rd);
      s.body = parsed.data;
    }
  }
  s.query = {};
  if (route.query) {
    const parsed = route.query.safeParse(req.query ?? {});
    if (!parsed.success) throw fromZod(parsed.error, "query", req.query ?? {});
    s.query = parsed.data;
  }
}
