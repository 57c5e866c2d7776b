/**
 * The OpenAPI 3.1 document, generated from the contract's route table and zod schemas. It is
 * served at `/public_api/v1/openapi.json` and committed as docs/openapi.json (a test keeps the
 * committed copy current: `npm run -s keyplane -- openapi > docs/openapi.json` refreshes it).
 */
import { z } from "zod";
import {
  IDEMPOTENCY_KEY_RE,
  IDEMPOTENCY_WINDOW_MS,
  PlatformError,
  PublicApiError,
  retryPolicy,
  ROUTES,
  type RouteDef,
} from "../sdk/contract";
// eslint-disable-next-line @typescript-eslint/no-require-imports -- package.json is outside rootDir; read at run time
const pkg = require("../../package.json") as { version: string };

function schema(s: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const j = z.toJSONSchema(s, { io, unrepresentable: "any", target: "draft-2020-12" }) as Record<
    string,
    unknown
  >;
  delete j.$schema;
  return j;
}

const errorResponses = (r: RouteDef) => {
  // The two error envelopes are defined once under components.schemas (the document stays small).
  const body = {
    "application/json": {
      schema: {
        $ref: `#/components/schemas/${r.family === "public" ? "PublicApiError" : "PlatformError"}`,
      },
    },
  };
  const out: Record<string, unknown> = {
    "400": { description: "Bad input: `err_msg` names the field and the reason.", content: body },
    "429": { description: "Too many failed authentications; see Retry-After.", content: body },
    "500": {
      description: "Internal error (no internals; the request id is in err_extra).",
      content: body,
    },
  };
  if (r.auth) {
    out["401"] = {
      description: "Not authenticated (the same body whatever the cause).",
      content: body,
    };
    out["403"] = { description: "The key lacks the permission this call needs.", content: body };
  }
  // Any call that names an object, in its path or in its body, may find it missing.
  if (r.path.includes(":") || (r.auth && r.request))
    out["404"] = { description: "No such object.", content: body };
  if (r.method !== "GET") {
    out["413"] = {
      description: "The body is larger than the limit (1 MB by default).",
      content: body,
    };
    out["415"] = { description: "The body is not sent as JSON.", content: body };
  }
  if (r.method !== "GET")
    out["409"] = {
      description:
        "Conflict (a name in use, an object still referenced, an idempotency key reused).",
      content: body,
    };
  return out;
};

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES as readonly RouteDef[]) {
    const p = r.path.replace(/:([A-Za-z_]+)/g, "{$1}");
    const params: unknown[] = [...r.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    if (r.query) {
      const q = schema(r.query, "input") as {
        properties?: Record<string, unknown>;
        required?: string[];
      };
      for (const [name, s] of Object.entries(q.properties ?? {}))
        params.push({
          name,
          in: "query",
          required: q.required?.includes(name) ?? false,
          schema: s,
        });
    }
    if (r.idempotency) {
      params.push({
        name: r.idempotency,
        in: "header",
        required: false,
        schema: {
          type: "string",
          minLength: 1,
          maxLength: 255,
          pattern: IDEMPOTENCY_KEY_RE.source,
        },
        description: `The same key and body within ${IDEMPOTENCY_WINDOW_MS / 3_600_000} h return the same reply (with \`Idempotency-Replayed: true\`); the same key with another body is a 409.`,
      });
    }
    const op: Record<string, unknown> = {
      operationId: r.id,
      summary: r.summary,
      tags: [r.id.split(".")[0]],
      "x-keyplane-reference": r.reference,
      "x-keyplane-retry": retryPolicy(r),
      ...(r.permission
        ? { "x-keyplane-permission": `${r.permission.component}:${r.permission.level}` }
        : {}),
      ...(params.length ? { parameters: params } : {}),
      ...(r.auth
        ? {
            security: [
              { standardKey: [], keyId: [] },
              { advancedSignature: [], keyId: [], nonce: [], timestamp: [] },
            ],
          }
        : { security: [] }),
      responses: {
        [String(r.status ?? 200)]: {
          description: "Success.",
          content: { "application/json": { schema: schema(r.wireReply ?? r.reply, "output") } },
        },
        ...errorResponses(r),
      },
    };
    if (r.request) {
      op.requestBody = {
        required: true,
        content: {
          "application/json": {
            schema: {
              type: "object",
              properties: { request_data: schema(r.request, "input") },
              required: ["request_data"],
            },
          },
        },
      };
    }
    paths[p] = { ...(paths[p] ?? {}), [r.method.toLowerCase()]: op };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "keyplane API",
      version: pkg.version,
      description:
        "API keys, roles, scopes and verification. Wire-compatible with the Cortex platform's documented `/public_api/v1` and `/platform/iam/v1` calls; `x-keyplane-reference: false` marks our extensions. See docs/compatibility.md.",
    },
    servers: [{ url: "/" }],
    components: {
      schemas: {
        PublicApiError: schema(PublicApiError, "output"),
        PlatformError: schema(PlatformError, "output"),
      },
      securitySchemes: {
        keyId: { type: "apiKey", in: "header", name: "x-xdr-auth-id", description: "The key id." },
        standardKey: {
          type: "apiKey",
          in: "header",
          name: "Authorization",
          description: "Standard keys: the key itself.",
        },
        advancedSignature: {
          type: "apiKey",
          in: "header",
          name: "Authorization",
          description: "Advanced keys: hex sha256(key + nonce + timestamp).",
        },
        nonce: {
          type: "apiKey",
          in: "header",
          name: "x-xdr-nonce",
          description: "Advanced keys: a fresh random string (64 alphanumerics).",
        },
        timestamp: {
          type: "apiKey",
          in: "header",
          name: "x-xdr-timestamp",
          description: "Advanced keys: the time in epoch milliseconds.",
        },
      },
    },
    paths,
  };
}
