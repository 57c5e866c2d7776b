/**
 * What the server suites share on top of test/helpers/server.ts: an in-process caller (the same
 * app through `app.inject`, so route tests need no socket), Advanced signing with a chosen nonce
 * and timestamp, concrete paths for the route table, and envelope assertions.
 */
import * as assert from "node:assert/strict";
import { ROUTES, type RouteDef } from "../../sdk/contract";
import {
  callHeaders,
  callResult,
  startTestServer,
  type CallResult,
  type TestServer,
} from "../helpers/server";

export { pollUntil, signed } from "../helpers/wire";

export type Caller = TestServer["call"];

/** The same calls as `t.call`, made in process with `app.inject` (no socket). */
export function inProcess(t: TestServer): Caller {
  return async (method, pathname, body, co = {}) => {
    const res = await t.running.app.inject({
      method: method as "GET",
      url: pathname,
      headers: callHeaders(t.admin, t.clock, body, co),
      payload:
        body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    return callResult(res.statusCode, res.body, res.headers);
  };
}

/**
 * The suite's server: started with a fake clock before the suite, closed after it; `use` receives
 * it and its in-process caller.
 */
export function inProcessServer(use: (t: TestServer, call: Caller) => void): void {
  let t: TestServer | undefined;
  before(async () => {
    t = await startTestServer({ fakeClock: true });
    use(t, inProcess(t));
  });
  after(() => t?.close());
}

/** Both transports, for suites that run the same cases in process and over HTTP. */
export function transports(t: TestServer): Array<{ name: string; call: Caller }> {
  return [
    { name: "in process", call: inProcess(t) },
    { name: "over HTTP", call: t.call },
  ];
}

/** Standard headers for a credential (also used to send an Advanced key raw). */
export function raw(cred: { id: number; key: string }): Record<string, string> {
  return { "x-xdr-auth-id": String(cred.id), authorization: cred.key };
}

/** `{request_data: x}` */
export const rd = (x: unknown = {}) => ({ request_data: x });

/** Sample values for path parameters (objects that need not exist: auth runs first). */
const SAMPLE_PARAMS: Record<string, string> = {
  id: "1",
  role_id: "viewer",
  email: "nobody@example.com",
  group_id: "grp-none",
  binding_id: "rb-none",
  scope_id: "scope-none",
  entity_type: "api-key",
  entity_id: "1",
};

/** A concrete path for a route pattern. */
export function concretePath(r: RouteDef, params: Record<string, string> = {}): string {
  return r.path.replace(/:([A-Za-z_]+)/g, (_, n: string) =>
    encodeURIComponent(params[n] ?? SAMPLE_PARAMS[n] ?? "x"),
  );
}

/** The body a route is called with when the body does not matter. */
export function anyBody(r: RouteDef): unknown {
  return r.method === "GET" || r.method === "DELETE" ? undefined : rd({});
}

export const AUTH_ROUTES = (ROUTES as readonly RouteDef[]).filter((r) => r.auth);
export const PERMISSION_ROUTES = AUTH_ROUTES.filter((r) => r.permission);

const isPlatform = (path: string) => path.startsWith("/platform/");

/** The error fields of either envelope. */
export function errorOf(path: string, body: any): { code: unknown; msg: string; extra: unknown } {
  if (isPlatform(path)) {
    assert.ok(
      body?.data?.metadata,
      `platform error envelope expected, got ${JSON.stringify(body)}`,
    );
    return {
      code: body.data.metadata.err_code,
      msg: body.data.err_msg,
      extra: body.data.metadata.err_extra,
    };
  }
  assert.ok(
    body?.reply && "err_code" in body.reply,
    `public_api error envelope expected, got ${JSON.stringify(body)}`,
  );
  return { code: body.reply.err_code, msg: body.reply.err_msg, extra: body.reply.err_extra };
}

/** The fields named in `err_extra` (a list of `{type, msg, field?, loc?, request_id}` items). */
export function extraFields(extra: unknown): Array<{ path: string; reason: string }> {
  if (!Array.isArray(extra)) return [];
  return extra
    .filter((i) => typeof i?.field === "string")
    .map((i) => ({ path: i.field as string, reason: String(i.msg) }));
}

/** Asserts an error reply: status, family envelope, symbolic code, and text in err_msg. */
export function assertError(
  path: string,
  res: CallResult,
  status: number,
  code?: string,
  ...msgIncludes: string[]
): { code: unknown; msg: string; extra: any } {
  assert.equal(res.status, status, `${path}: expected ${status}, got ${res.status} ${res.text}`);
  const e = errorOf(path, res.body);
  assert.equal(e.code, status, `err_code must be the HTTP status: ${res.text}`);
  if (code) assert.equal(res.headers["x-keyplane-error"], code, `x-keyplane-error: ${res.text}`);
  for (const s of msgIncludes)
    assert.ok(e.msg.includes(s), `err_msg should mention '${s}': ${e.msg}`);
  return e as { code: unknown; msg: string; extra: any };
}

/** Asserts a 2xx and returns the body. */
export function ok(res: CallResult, status = 200): any {
  assert.equal(res.status, status, `expected ${status}, got ${res.status} ${res.text}`);
  return res.body;
}

/** The reference's 401 and 403 bodies. */
export const UNAUTHORIZED_PUBLIC = {
  reply: { err_code: 401, err_msg: "Public API request unauthorized", err_extra: null },
};
export const UNAUTHORIZED_PLATFORM = {
  data: {
    err_msg: "Public API request unauthorized",
    metadata: { err_code: 401, err_extra: null },
  },
};
export const FORBIDDEN_PUBLIC = {
  reply: {
    err_code: 403,
    err_msg: "Forbidden. Access was denied to this resource.",
    err_extra: "Insufficient permissions for api key",
  },
};
export const FORBIDDEN_PLATFORM = {
  data: {
    err_msg: "Forbidden. Access was denied to this resource.",
    metadata: { err_code: 403, err_extra: "Insufficient permissions for api key" },
  },
};

export const unauthorizedBody = (path: string) =>
  isPlatform(path) ? UNAUTHORIZED_PLATFORM : UNAUTHORIZED_PUBLIC;
export const forbiddenBody = (path: string) =>
  isPlatform(path) ? FORBIDDEN_PLATFORM : FORBIDDEN_PUBLIC;

/** Creates a custom role (as the admin) and returns its id. */
export async function customRole(
  call: Caller,
  name: string,
  components: Record<string, string>,
): Promise<string> {
  const res = await call("POST", "/platform/iam/v1/role", rd({ pretty_name: name, components }));
  return ok(res, 201).data.role_id;
}

/** The management audit log entries (newest first), optionally filtered. */
export async function auditEntries(
  call: Caller,
  filters: unknown[] = [],
  extra: Record<string, unknown> = {},
): Promise<any[]> {
  const res = await call(
    "POST",
    "/public_api/v1/audits/management_logs",
    rd({ filters, search_to: 100, ...extra }),
  );
  return ok(res).reply.data;
}

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const MINUTE = 60_000;

/** The api_keys routes, and the filter on ids that their tests use most. */
export const GENERATE = "/public_api/v1/api_keys/generate";
export const LIST = "/public_api/v1/api_keys/get_api_keys";
export const DELETE = "/public_api/v1/api_keys/delete";
export const REVOKE = "/public_api/v1/api_keys/revoke";
export const EXAMPLES = "/public_api/v1/api_keys/examples";
export const VALIDATE = "/public_api/v1/api_keys/validate";
export const idIn = (...ids: number[]) => ({
  filters: [{ field: "id", operator: "in", value: ids }],
});

/** One user as `GET /platform/iam/v1/user/:email` answers it. */
export const getUser = async (call: Caller, email: string) =>
  ok(await call("GET", `/platform/iam/v1/user/${encodeURIComponent(email)}`)).data;
