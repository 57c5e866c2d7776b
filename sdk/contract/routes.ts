/**
 * The route table: every call of the API with its family, the permission it needs and the
 * schemas of its request and reply. The server registers handlers against these entries, the
 * SDK calls them, and the OpenAPI document is generated from them. Each area keeps its entries
 * in `routes/`; `ROUTES` is assembled here, once, in the order every reader sees.
 */
import type { RetryPolicy, RouteDef } from "./routeDef";
import { API_KEY_ROUTES } from "./routes/apiKeys";
import { BINDING_ROUTES } from "./routes/bindings";
import { META_ROUTES } from "./routes/meta";
import { PLATFORM_ROUTES } from "./routes/platform";
import { ROLE_ROUTES } from "./routes/roles";
import { SCOPE_ROUTES } from "./routes/scopes";
import { USER_ROUTES } from "./routes/users";

export * from "./routeDef";

export const ROUTES = [
  ...META_ROUTES,
  ...API_KEY_ROUTES,
  ...ROLE_ROUTES,
  ...USER_ROUTES,
  ...BINDING_ROUTES,
  ...SCOPE_ROUTES,
  ...PLATFORM_ROUTES,
] as const satisfies readonly RouteDef[];

export type RouteId = (typeof ROUTES)[number]["id"];

/** The SDK's retry policy of a route, read from its entry. */
export function retryPolicy(r: RouteDef): RetryPolicy {
  return r.idempotency ? "idempotencyKey" : r.retry!;
}

/** The route with the given id. */
export function route(id: RouteId): RouteDef {
  const r = ROUTES.find((x) => x.id === id);
  if (!r) throw new Error(`unknown route ${id}`);
  return r;
}
