/** The route table: health and the contract itself. */
import { z } from "zod";
import * as meta from "../meta";
import type { RouteDef } from "../routeDef";

export const META_ROUTES = [
  {
    id: "health",
    method: "GET",
    path: "/public_api/v1/healthcheck",
    family: "public",
    auth: false,
    reply: z.object({ status: z.string() }),
    summary: "Service health.",
    reference: true,
    retry: "repeatable",
  },
  {
    id: "healthCheck",
    method: "GET",
    path: "/public_api/v1/health_check",
    family: "public",
    auth: false,
    reply: meta.HealthCheckReply,
    summary:
      "Service health in the shape the official Go SDK's `HealthCheck` reads (`{reply: {service, status, reason, timestamp}}`); the trailing slash it sends is accepted.",
    reference: true,
    retry: "repeatable",
  },
  {
    id: "openapi",
    method: "GET",
    path: "/public_api/v1/openapi.json",
    family: "public",
    auth: false,
    reply: z.unknown(),
    summary: "This OpenAPI document.",
    reference: false,
    retry: "repeatable",
  },
] as const satisfies readonly RouteDef[];
