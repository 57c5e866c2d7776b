/**
 * The official Go SDK (PaloAltoNetworks/cortex-cloud-go, read at commit
 * d314a2bba18dafce5259fcc256dfc355892361c3) cannot be installed from a registry here, so these
 * tests send exactly what its calls send (paths with the SDK's trailing slashes, its headers,
 * bodies wrapped in `request_data` with Go's nil → null, no body where it sends none) to a real
 * server, and decode each reply as its Go types would be decoded (godecode.ts). Every reply must
 * also validate against docs/openapi.json.
 */
import * as assert from "node:assert/strict";
import { createHash, randomInt, randomUUID } from "node:crypto";
import { startTestServer, type Credential, type TestServer } from "../helpers/server";
import {
  CortexCloudAPIError,
  GetIamUserResponse,
  GoDecodeError,
  HealthCheckResponse,
  ListIamUsersResponse,
  ListPermissionConfigsResponse,
  ListRolesResponse,
  Message,
  Scope,
  SetRoleResponse,
  User,
  UserGroup,
  goDecode,
  goUnwrap,
  type GoType,
} from "./godecode";
import { assertDocumented } from "./support";

const CHARSET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** internal/client: generateHeaders, as the SDK builds them for each attempt. */
function goHeaders(cred: Credential, withBody: boolean): Record<string, string> {
  const h: Record<string, string> = {
    "User-Agent": "cortex-cloud-go/sdk (conformance)",
    "X-Request-ID": randomUUID(),
    "x-xdr-auth-id": String(cred.id),
  };
  if (withBody) h["Content-Type"] = "application/json";
  if (cred.level === "standard") {
    h.Authorization = cred.key;
  } else {
    const nonce = Array.from({ length: 64 }, () => CHARSET[randomInt(CHARSET.length)]).join("");
    const ts = String(Date.now()); // time.Now().UnixMilli()
    h["x-xdr-nonce"] = nonce;
    h["x-xdr-timestamp"] = ts;
    h.Authorization = createHash("sha256")
      .update(cred.key + nonce + ts)
      .digest("hex");
  }
  return h;
}

interface GoReply {
  status: number;
  body: unknown;
}

describe("conformance: the official Go SDK's calls (cortex-cloud-go, by its source)", function () {
  this.timeout(120_000);
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t?.close());

  /** `Client.Do`: the endpoint and path parameters joined with url.JoinPath, the input wrapped in request_data, JSON-encoded. */
  async function goDo(
    cred: Credential,
    method: string,
    endpoint: string,
    o: { params?: string[]; input?: unknown; wrap?: boolean } = {},
  ): Promise<GoReply> {
    const segments = [
      endpoint.replace(/^\//, ""),
      ...(o.params ?? []).map((p) => encodeURIComponent(p.replace(/^\/+|\/+$/g, ""))),
    ];
    const pathname = `/${segments.join("/").replace(/\/{2,}/g, "/")}`;
    const hasBody = o.input !== undefined;
    const res = await fetch(`${t.url}${pathname}`, {
      method,
      headers: goHeaders(cred, hasBody),
      body: hasBody
        ? JSON.stringify(o.wrap === false ? o.input : { request_data: o.input })
        : undefined,
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* left as text */
    }
    assertDocumented(method, pathname, res.status, body);
    return { status: res.status, body };
  }

  /** A 2xx decoded as the SDK decodes it: unwrapped by its ResponseWrapperKeys, then into the Go type. */
  function decoded(r: GoReply, keys: string[], type: GoType): any {
    assert.ok(r.status >= 200 && r.status < 300, `HTTP ${r.status}: ${JSON.stringify(r.body)}`);
    return goDecode(type, goUnwrap(r.body, keys));
  }

  /** An error as errors/api.go decodes it; the message must survive (no "Failed to unmarshal API error response"). */
  function decodedError(r: GoReply): {
    msg: string;
    extra: Array<{ type?: string; msg?: string }>;
  } {
    assert.ok(r.status >= 400, `expected an error, got ${r.status}`);
    const e = goDecode(CortexCloudAPIError, r.body) as any;
    const inner = e.reply ?? { err_msg: e.data?.err_msg, err_extra: e.data?.metadata?.err_extra };
    assert.ok(inner.err_msg, `no err_msg decoded from ${JSON.stringify(r.body)}`);
    return { msg: inner.err_msg, extra: inner.err_extra ?? [] };
  }

  for (const level of ["standard", "advanced"] as const) {
    describe(`${level} key`, () => {
      let k: Credential;
      const user = `go-sdk-${level}@example.com`;
      before(async () => {
        k = await t.createKey({ level, roles: ["Instance Administrator"] });
        assert.equal(
          (await t.call("POST", "/platform/iam/v1/user", { request_data: { user_email: user } }))
            .status,
          201,
        );
      });

      it('ValidateAPIKey: GET api_keys/validate decodes into a string equal to "true"', async () => {
        const r = await goDo(k, "GET", "api_keys/validate");
        assert.equal(goDecode("string", r.body), "true");
      });

      it("ValidateAPIKey with a wrong key: 401 in a body the error type decodes", async () => {
        const r = await goDo(
          { ...k, key: k.key.replace(/.$/, (c) => (c === "a" ? "b" : "a")) },
          "GET",
          "api_keys/validate",
        );
        assert.equal(r.status, 401);
        assert.equal(decodedError(r).msg, "Public API request unauthorized");
      });

      it("HealthCheck: GET public_api/v1/health_check/ → reply → HealthCheckResponse", async () => {
        const h = decoded(
          await goDo(k, "GET", "public_api/v1/health_check/"),
          ["reply"],
          HealthCheckResponse,
        );
        assert.equal(h.status, "available");
        assert.equal(h.service, "keyplane");
        assert.ok(Math.abs(h.timestamp - Date.now()) < 60_000);
        // Without the trailing slash, and without a key, the same (like /healthcheck, it needs none).
        const bare = await fetch(`${t.url}/public_api/v1/health_check`);
        const body = await bare.json();
        assertDocumented("GET", "/public_api/v1/health_check", bare.status, body);
        assert.equal(
          (goDecode(HealthCheckResponse, goUnwrap(body, ["reply"])) as { status: string }).status,
          "available",
        );
      });

      it("ListUsers / GetUser: POST rbac/get_users/ without a body → reply → []User (scope an object, names strings)", async () => {
        const scoped = `go-scoped-${level}@example.com`;
        assert.equal(
          (
            await t.call("POST", "/platform/iam/v1/user", {
              request_data: { user_email: scoped, user_first_name: "Go" },
            })
          ).status,
          201,
        );
        assert.equal(
          (
            await t.call("PUT", `/platform/iam/v1/scope/user/${scoped}`, {
              request_data: { assets: { mode: "scope", asset_group_ids: [7] } },
            })
          ).status,
          200,
        );
        const users = decoded(await goDo(k, "POST", "public_api/v1/rbac/get_users/"), ["reply"], {
          slice: User,
        }) as any[];
        const plain = users.find((u) => u.user_email === user);
        assert.equal(plain.user_first_name, "");
        assert.equal(plain.scope.assets.mode, "no_scope");
        const s = users.find((u) => u.user_email === scoped);
        assert.equal(s.scope.assets.mode, "scope");
        assert.deepEqual(
          s.scope.assets.asset_groups.map((g: { asset_group_id: number }) => g.asset_group_id),
          [7],
        );
      });

      it("ListIAMUsers, GetIAMUser, EditIAMUser (omitempty fields)", async () => {
        const all = decoded(await goDo(k, "GET", "platform/iam/v1/user"), [], ListIamUsersResponse);
        assert.ok(all.data.some((u: { user_email: string }) => u.user_email === user));
        assert.equal(all.metadata.total_count, all.data.length);
        const msg = decoded(
          await goDo(k, "PATCH", "platform/iam/v1/user", {
            params: [user],
            input: { user_first_name: "Gopher" },
          }),
          ["data"],
          Message,
        );
        assert.match(msg.message, /updated successfully/i);
        const one = decoded(
          await goDo(k, "GET", "platform/iam/v1/user", { params: [user] }),
          [],
          GetIamUserResponse,
        );
        assert.equal(one.data.user_first_name, "Gopher");
        assert.equal(one.data.phone_number, "");
      });

      it("GetIAMUser of an unknown user: the error decodes with its message", async () => {
        const r = await goDo(k, "GET", "platform/iam/v1/user", {
          params: ["nobody-here@example.com"],
        });
        assert.equal(r.status, 404);
        const e = decodedError(r);
        assert.match(e.msg, /does not exist/);
        assert.equal(e.extra[0]!.type, "NOT_FOUND");
      });

      it("CreateUserGroup, ListUserGroups, EditUserGroup, DeleteUserGroup", async () => {
        const name = `Go Group ${level}`;
        const created = decoded(
          await goDo(k, "POST", "platform/iam/v1/user-group", {
            input: { group_name: name, role_id: "Viewer", users: [user] },
          }),
          ["data"],
          Message,
        );
        const parts = (created.message as string).split(" ");
        assert.ok(
          parts.length >= 6 && parts[0] === "user" && parts[1] === "group",
          created.message,
        );
        const id = parts[5]!;
        const groups = decoded(await goDo(k, "GET", "platform/iam/v1/user-group"), ["data"], {
          slice: UserGroup,
        }) as any[];
        const g = groups.find((x) => x.group_id === id);
        assert.equal(g.group_name, name);
        assert.equal(g.pretty_role_name, "Viewer");
        assert.deepEqual(g.users, [user]);
        decoded(
          await goDo(k, "PATCH", "platform/iam/v1/user-group", {
            params: [id],
            input: { description: "edited by Go" },
          }),
          ["data"],
          Message,
        );
        decoded(
          await goDo(k, "DELETE", "platform/iam/v1/user-group", { params: [id] }),
          ["data"],
          Message,
        );
      });

      it("GetUserGroup: a documented choice — the reply is the spec's reply[], which the SDK's reply.data unwrap cannot read", async () => {
        const name = `Go Legacy ${level}`;
        assert.equal(
          (
            await t.call("POST", "/platform/iam/v1/user-group", {
              request_data: { group_name: name },
            })
          ).status,
          201,
        );
        const r = await goDo(k, "POST", "public_api/v1/rbac/get_user_group/", {
          input: { group_names: [name] },
        });
        assert.equal(r.status, 200);
        // The spec's shape (and the XSOAR integration's reading of it) wins; see docs/compatibility.md.
        assert.ok(Array.isArray((r.body as { reply: unknown }).reply));
        assert.throws(() => goUnwrap(r.body, ["reply", "data"]), GoDecodeError);
      });

      it("ListAllRoles, CreateRole (role id from the message), ListPermissionConfigs, DeleteRole", async () => {
        const roles = decoded(await goDo(k, "GET", "platform/iam/v1/role/"), [], ListRolesResponse);
        assert.ok(roles.data.some((r: { pretty_name: string }) => r.pretty_name === "Viewer"));
        const r = await goDo(k, "POST", "platform/iam/v1/role/", {
          input: {
            component_permissions: ["audit_view"],
            pretty_name: `Go Role ${level}`,
            description: "from Go",
          },
        });
        const m = /\brole_id\s+([^\s]+)\s+created/i.exec(decoded(r, ["data"], Message).message);
        assert.ok(m, "the SDK finds the role id in the message");
        decoded(
          await goDo(k, "GET", "platform/iam/v1/role/permission-config"),
          [],
          ListPermissionConfigsResponse,
        );
        const dup = await goDo(k, "POST", "platform/iam/v1/role/", {
          input: { component_permissions: ["audit_view"], pretty_name: `Go Role ${level}` },
        });
        assert.equal(dup.status, 400);
        assert.match(decodedError(dup).extra[0]!.msg!, /already utilized by another role/);
        assert.ok(
          (await goDo(k, "DELETE", "platform/iam/v1/role/", { params: [m[1]!] })).status < 300,
        );
      });

      it("SetRole: POST rbac/set_user_role/ → reply → update_count as a Go string", async () => {
        const r = decoded(
          await goDo(k, "POST", "public_api/v1/rbac/set_user_role/", {
            input: { user_emails: [user], role_name: "Investigator" },
          }),
          ["reply"],
          SetRoleResponse,
        );
        assert.equal(r.update_count, "1");
        const removed = decoded(
          await goDo(k, "POST", "public_api/v1/rbac/set_user_role/", {
            input: { user_emails: [user], role_name: "" },
          }),
          ["reply"],
          SetRoleResponse,
        );
        assert.equal(removed.update_count, "1");
      });

      it("EditScope with every area sent, null for unset ones (and null name lists); GetScope decodes into Scope", async () => {
        // EditScopeRequestData in the SDK's field order: endpoints, cases_issues, assets, datasets_rows.
        const input = {
          endpoints: { endpoint_groups: { names: ["eg-go"], mode: "scope" }, endpoint_tags: null },
          cases_issues: null,
          assets: { mode: "see_all", asset_group_ids: null },
          datasets_rows: null,
        };
        const put = await goDo(k, "PUT", "platform/iam/v1/scope", {
          params: ["api-key", String(k.id)],
          input,
        });
        assert.equal(put.status, 200, JSON.stringify(put.body));
        const s = decoded(
          await goDo(k, "GET", "platform/iam/v1/scope", { params: ["api-key", String(k.id)] }),
          ["data"],
          Scope,
        );
        assert.equal(s.assets.mode, "see_all");
        assert.equal(s.endpoints.endpoint_groups.mode, "scope");
        assert.deepEqual(
          s.endpoints.endpoint_groups.tags.map((x: { tag_name: string }) => x.tag_name),
          ["eg-go"],
        );
        assert.equal(
          s.endpoints.endpoint_tags.mode,
          "no_scope",
          "null means no_scope (the write replaces the scope)",
        );
        assert.equal(s.cases_issues.mode, "no_scope");
        assert.equal(s.datasets_rows.default_filter_mode, "no_scope");
        // Leave the calling key unscoped again for the tests after this one.
        assert.equal(
          (
            await t.call("PUT", `/platform/iam/v1/scope/api-key/${k.id}`, {
              request_data: { clear: true },
            })
          ).status,
          200,
        );
      });

      it("EditScope with a bad mode: the 400 decodes, message and field kept", async () => {
        const r = await goDo(k, "PUT", "platform/iam/v1/scope", {
          params: ["user", user],
          input: {
            endpoints: null,
            cases_issues: null,
            assets: { mode: "any", asset_group_ids: null },
            datasets_rows: null,
          },
        });
        assert.equal(r.status, 400);
        const e = decodedError(r);
        assert.match(e.msg, /request_data\.assets\.mode/);
        assert.equal(e.extra[0]!.type, "INVALID_INPUT");
      });
    });
  }

  describe("the Go decoder itself", () => {
    // What keyplane sent before this suite: each must fail as it failed in the SDK.
    const cases: Array<{ name: string; type: GoType; body: unknown }> = [
      { name: "validate's boolean into a string", type: "string", body: true },
      {
        name: "a user's scope list into types.Scope",
        type: User,
        body: { user_email: "a@b.c", scope: [] },
      },
      {
        name: "an err_extra object",
        type: CortexCloudAPIError,
        body: { reply: { err_code: 400, err_msg: "x", err_extra: { code: "INVALID_INPUT" } } },
      },
    ];
    for (const c of cases)
      it(`refuses ${c.name}`, () => assert.throws(() => goDecode(c.type, c.body), GoDecodeError));
    it("lets null stand for any field, as Go does", () => {
      assert.deepEqual(
        goDecode(User, {
          user_email: "a@b.c",
          user_first_name: null,
          last_logged_in: null,
          scope: null,
        }),
        { user_email: "a@b.c", user_first_name: null, last_logged_in: null, scope: null },
      );
    });
  });
});
