/** Health and the OpenAPI document. */
import type { Handlers } from "../http/context";
import { openApiDocument } from "../openapi";

let doc: unknown;

export const metaHandlers: Handlers = {
  health: async () => ({ body: { status: "available" } }),
  healthCheck: async (c) => ({
    body: { reply: { service: "keyplane", status: "available", reason: "", timestamp: c.now } },
  }),
  openapi: async () => ({ body: (doc ??= openApiDocument()) }),
};
