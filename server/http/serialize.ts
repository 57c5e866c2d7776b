/**
 * Reply serialization compiled from the contract: each route's reply schema, as JSON Schema from
 * zod (what handlers produce: the schema's input side), handed to Fastify, which compiles a
 * serializer from it (fast-json-stringify) instead of calling JSON.stringify on every reply.
 *
 * A compiled serializer writes only the properties its schema names; so that it never drops
 * something a handler sends, every object is marked open (additionalProperties: true), and the
 * extras go through JSON.stringify as before. Validating replies against the contract stays a
 * test-time check (`validateReplies`).
 */
import { z } from "zod";
import type { RouteDef } from "../../sdk/contract";

function openObjects(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(openObjects);
  if (!s || typeof s !== "object") return s;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s as Record<string, unknown>))
    out[k] =
      k === "properties" && v && typeof v === "object"
        ? Object.fromEntries(Object.entries(v).map(([p, ps]) => [p, openObjects(ps)]))
        : openObjects(v);
  if (out.type === "object" || out.properties) out.additionalProperties = true;
  return out;
}

/** The JSON Schema Fastify compiles the route's success reply serializer from. */
export function replySchema(route: RouteDef): Record<string, unknown> {
  const j = z.toJSONSchema(route.wireReply ?? route.reply, {
    io: "input",
    unrepresentable: "any",
    target: "draft-7",
  }) as Record<string, unknown>;
  delete j.$schema;
  return openObjects(j) as Record<string, unknown>;
}
