/**
 * The route table: every call of the API with its family, the permission it needs and the
 * schemas of its request and reply. The server registers handlers against these entries, the
 * SDK calls them, and the OpenAPI document is generated from them.
 */
import { z } from "zod";
import * as apiKeys from "./apiKeys";
import * as audit from "./audit";
import * as bindings from "./bindings";
import * as meta from "./meta";
import { dataEnvelope, NumericId, PageNumber, type Level } from "./common";
import type { ComponentName } from "./components";
import * as notifications from "./notifications";
import * as roles from "./roles";
import * as scopes from "./scopes";
import * as settings from "./settings";
import * as users from "./users";
import * as verify from "./verify";

export type Family = "public" | "platform";

/**
 * Whether a call may be sent again after a failure whose effect is unknown (the SDK's retry policy).
 * - `repeatable`: reads, and writes whose repetition leaves the same state (PUT, PATCH, deletes by id).
 * - `never`: `auth/verify` (the forwarded Advanced nonce is consumed by the first attempt).
 * - `idempotencyKey`: the calls that honour `Idempotency-Key` (generate and the other creates),
 *   repeatable only when they carry one (the SDK adds one to every create).
 */
export type RetryPolicy = "repeatable" | "never" | "idempotencyKey";

/** The header a call with `idempotency` honours: a repeat of the same request under the same key gets the first reply. */
export const IDEMPOTENCY_HEADER = "Idempotency-Key";
/** How long a reply is kept for a repeat under the same Idempotency-Key. */
export const IDEMPOTENCY_WINDOW_MS = 86_400_000;
/** What an Idempotency-Key may be. */
export const IDEMPOTENCY_KEY_RE = /^[\x21-\x7e]{1,255}$/;
export const IDEMPOTENCY_KEY_RULE = "must be 1-255 printable ASCII characters";

/**
 * How a repeat of a call is answered, one field of its entry read by the server (which honours
 * the header), the SDK (which retries) and the OpenAPI generator (which documents the header).
 * Every entry says one of the two, so a new route must be classified.
 */
export type RepeatPolicy =
  | { idempotency: typeof IDEMPOTENCY_HEADER; retry?: never }
  | { idempotency?: never; retry: Exclude<RetryPolicy, "idempotencyKey"> };

export type RouteDef = RouteFields & RepeatPolicy;

interface RouteFields {
  /** Stable name, used by the SDK and in OpenAPI `operationId`. */
  id: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path with `:param` segments. */
  path: string;
  family: Family;
  summary: string;
  /** Whether the call needs a key (false only for health and the OpenAPI document). */
  auth: boolean;
  /** Component and level the caller must hold. */
  permission?: { component: ComponentName; level: Exclude<Level, "none"> };
  /** The `request_data` schema (the body is `{request_data: ...}`). */
  request?: z.ZodType;
  /** Query-string schema for GET lists. */
  query?: z.ZodType;
  reply: z.ZodType;
  /** What the server sends, where `reply` (the SDK's parse schema) normalises several spellings of it. */
  wireReply?: z.ZodType;
  /** Success status (200 unless said). */
  status?: 200 | 201;
  /** Part of the reference API (true) or our extension (false). */
  reference: boolean;
}

const PagingQuery = z.object({
  search_from: PageNumber.optional(),
  search_to: PageNumber.optional(),
});

const WhenUnusedQuery = z.object({
  when_unused: z
    .enum(["true", "false"], { error: "must be true or false" })
    .optional()
    .describe("Retire instead of failing when only retiring keys still use it."),
});

const view = (component: ComponentName) => ({ component, level: "view" as const });
const edit = (component: ComponentName) => ({ component, level: "view_edit" as const });

export const ROUTES = [
  // Health and the contract itself.
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

  // API keys.
  {
    id: "apiKeys.generate",
    method: "POST",
    path: "/public_api/v1/api_keys/generate",
    family: "public",
    auth: true,
    permission: edit("public_api"),
    request: apiKeys.GenerateKeyRequest,
    reply: apiKeys.GenerateKeyReply,
    summary: "Generate an API key. The reply holds the key, shown this once.",
    reference: true,
    idempotency: "Idempotency-Key",
  },
  {
    id: "apiKeys.list",
    method: "POST",
    path: "/public_api/v1/api_keys/get_api_keys",
    family: "public",
    auth: true,
    permission: view("public_api"),
    request: apiKeys.ListKeysRequest,
    reply: apiKeys.ListKeysReply,
    wireReply: apiKeys.ListKeysWireReply,
    summary: "List API keys with filters, sort and paging.",
    reference: true,
    retry: "repeatable",
  },
  {
    id: "apiKeys.delete",
    method: "POST",
    path: "/public_api/v1/api_keys/delete",
    family: "public",
    auth: true,
    permission: edit("public_api"),
    request: apiKeys.DeleteKeysRequest,
    reply: apiKeys.UpdateCountReply,
    summary: "Delete API keys by id.",
    reference: true,
    retry: "repeatable",
  },
  {
    id: "apiKeys.revoke",
    method: "POST",
    path: "/public_api/v1/api_keys/revoke",
    family: "public",
    auth: true,
    permission: edit("public_api"),
    request: apiKeys.DeleteKeysRequest,
    reply: apiKeys.UpdateCountReply,
    summary:
      "Revoke API keys by id: they stay listed with status `revoked` and never authenticate again.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "apiKeys.retire",
    method: "POST",
    path: "/public_api/v1/api_keys/retire",
    family: "public",
    auth: true,
    permission: edit("public_api"),
    request: apiKeys.RetireKeyRequest,
    reply: apiKeys.RetireKeyReply,
    summary:
      "Retire a key: it keeps working until the given time (or its own expiration, if sooner), then the server deletes it. For rotation with overlap.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "apiKeys.examples",
    method: "POST",
    path: "/public_api/v1/api_keys/examples",
    family: "public",
    auth: true,
    permission: view("public_api"),
    request: apiKeys.ExamplesRequest,
    reply: apiKeys.ExamplesReply,
    summary:
      "Python 3 and curl snippets for a key (the page's View Examples), with the key as a placeholder.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "apiKeys.validate",
    method: "POST",
    path: "/public_api/v1/api_keys/validate",
    family: "public",
    auth: true,
    reply: apiKeys.ValidateReply,
    summary:
      'Answers the JSON string `"true"` when the calling key authenticates (undocumented in the reference; the Go SDK uses it).',
    reference: true,
    retry: "repeatable",
  },
  {
    id: "apiKeys.validateGet",
    method: "GET",
    path: "/public_api/v1/api_keys/validate",
    family: "public",
    auth: true,
    reply: apiKeys.ValidateReply,
    summary: "The same check with GET.",
    reference: true,
    retry: "repeatable",
  },
  {
    id: "apiKeys.validateBare",
    method: "GET",
    path: "/api_keys/validate",
    family: "public",
    auth: true,
    reply: apiKeys.ValidateReply,
    summary:
      "The same check at the unprefixed path the official Go SDK calls (`GET /api_keys/validate`).",
    reference: true,
    retry: "repeatable",
  },
  {
    id: "apiKeys.validateBarePost",
    method: "POST",
    path: "/api_keys/validate",
    family: "public",
    auth: true,
    reply: apiKeys.ValidateReply,
    summary: "The same check at the unprefixed path the UI's examples show.",
    reference: true,
    retry: "repeatable",
  },
  {
    id: "apiKeys.get",
    method: "GET",
    path: "/platform/iam/v1/api-key/:id",
    family: "platform",
    auth: true,
    permission: view("public_api"),
    reply: apiKeys.GetKeyReply,
    summary: "Get one API key.",
    reference: true,
    retry: "repeatable",
  },
  {
    id: "apiKeys.edit",
    method: "PUT",
    path: "/platform/iam/v1/api-key/:id",
    family: "platform",
    auth: true,
    permission: edit("public_api"),
    request: apiKeys.EditKeyRequest,
    reply: apiKeys.EditKeyReply,
    summary: "Edit a key's roles and comment and (extension) expiration.",
    reference: true,
    retry: "repeatable",
  },

  // Verification.
  {
    id: "auth.verify",
    method: "POST",
    path: "/public_api/v1/auth/verify",
    family: "public",
    auth: true,
    permission: view("verify"),
    request: verify.VerifyRequest,
    reply: verify.VerifyReply,
    summary: "Verify another request's key, permission and scope (for downstream services).",
    reference: false,
    retry: "never",
  },

  // Roles.
  {
    id: "roles.list",
    method: "GET",
    path: "/platform/iam/v1/role",
    family: "platform",
    auth: true,
    permission: view("access_management"),
    query: PagingQuery,
    reply: roles.RoleListReply,
    summary: "List predefined and custom roles.",
    reference: true,
    retry: "repeatable",
  },
  {
    id: "roles.permissionConfig",
    method: "GET",
    path: "/platform/iam/v1/role/permission-config",
    family: "platform",
    auth: true,
    permission: view("access_management"),
    reply: roles.PermissionConfigReply,
    summary: "The permission names a role can hold.",
    reference: true,
    retry: "repeatable",
  },
  {
    id: "roles.get",
    method: "GET",
    path: "/platform/iam/v1/role/:role_id",
    family: "platform",
    auth: true,
    permission: view("access_management"),
    reply: roles.RoleReply,
    summary: "Get one role with its permissions.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "roles.create",
    method: "POST",
    path: "/platform/iam/v1/role",
    family: "platform",
    auth: true,
    permission: edit("access_management"),
    request: roles.CreateRoleRequest,
    reply: roles.RoleCreatedReply,
    status: 201,
    summary: "Create a custom role.",
    reference: true,
    idempotency: "Idempotency-Key",
  },
  {
    id: "roles.update",
    method: "PUT",
    path: "/platform/iam/v1/role/:role_id",
    family: "platform",
    auth: true,
    permission: edit("access_management"),
    request: roles.UpdateRoleRequest,
    reply: roles.RoleMessageReply,
    summary: "Update a custom role.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "roles.delete",
    method: "DELETE",
    path: "/platform/iam/v1/role/:role_id",
    family: "platform",
    auth: true,
    permission: edit("access_management"),
    query: WhenUnusedQuery,
    reply: roles.RoleMessageReply,
    summary:
      "Delete a custom role that nothing is bound to. With `when_unused=true`, a role held only by retiring keys is retired: its name is freed now and it is deleted when they expire.",
    reference: true,
    retry: "repeatable",
  },
  {
    id: "rbac.getRoles",
    method: "POST",
    path: "/public_api/v1/rbac/get_roles",
    family: "public",
    auth: true,
    permission: view("access_management"),
    request: roles.GetRolesRequest,
    reply: roles.GetRolesReply,
    summary: "Legacy: roles by name.",
    reference: true,
    retry: "repeatable",
  },

  // Users and groups.
  {
    id: "users.list",
    method: "GET",
    path: "/platform/iam/v1/user",
    family: "platform",
    auth: true,
    permission: view("access_management"),
    query: PagingQuery,
    reply: users.UserListReply,
    summary: "List users.",
    reference: true,
    retry: "repeatable",
  },
  {
    id: "users.get",
    method: "GET",
    path: "/platform/iam/v1/user/:email",
    family: "platform",
    auth: true,
    permission: view("access_management"),
    reply: users.UserReply,
    summary: "Get one user.",
    reference: true,
    retry: "repeatable",
  },
  {
    id: "users.create",
    method: "POST",
    path: "/platform/iam/v1/user",
    family: "platform",
    auth: true,
    permission: edit("access_management"),
    request: users.CreateUserRequest,
    reply: users.UserMessageReply,
    status: 201,
    summary: "Create a user.",
    reference: false,
    idempotency: "Idempotency-Key",
  },
  {
    id: "users.patch",
    method: "PATCH",
    path: "/platform/iam/v1/user/:email",
    family: "platform",
    auth: true,
    permission: edit("access_management"),
    request: users.PatchUserRequest,
    reply: users.UserMessageReply,
    summary: "Update a user (names, direct role, groups, status).",
    reference: true,
    retry: "repeatable",
  },
  {
    id: "users.delete",
    method: "DELETE",
    path: "/platform/iam/v1/user/:email",
    family: "platform",
    auth: true,
    permission: edit("access_management"),
    reply: users.UserMessageReply,
    summary: "Delete a user.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "groups.list",
    method: "GET",
    path: "/platform/iam/v1/user-group",
    family: "platform",
    auth: true,
    permission: view("access_management"),
    query: PagingQuery,
    reply: users.GroupListReply,
    summary: "List user groups.",
    reference: true,
    retry: "repeatable",
  },
  {
    id: "groups.get",
    method: "GET",
    path: "/platform/iam/v1/user-group/:group_id",
    family: "platform",
    auth: true,
    permission: view("access_management"),
    reply: users.GroupReply,
    summary: "Get one user group.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "groups.create",
    method: "POST",
    path: "/platform/iam/v1/user-group",
    family: "platform",
    auth: true,
    permission: edit("access_management"),
    request: users.CreateGroupRequest,
    reply: users.GroupCreatedReply,
    status: 201,
    summary: "Create a user group.",
    reference: true,
    idempotency: "Idempotency-Key",
  },
  {
    id: "groups.patch",
    method: "PATCH",
    path: "/platform/iam/v1/user-group/:group_id",
    family: "platform",
    auth: true,
    permission: edit("access_management"),
    request: users.PatchGroupRequest,
    reply: users.GroupMessageReply,
    summary: "Update a user group.",
    reference: true,
    retry: "repeatable",
  },
  {
    id: "groups.delete",
    method: "DELETE",
    path: "/platform/iam/v1/user-group/:group_id",
    family: "platform",
    auth: true,
    permission: edit("access_management"),
    reply: users.GroupMessageReply,
    summary: "Delete a user group.",
    reference: true,
    retry: "repeatable",
  },
  {
    id: "rbac.getUsers",
    method: "POST",
    path: "/public_api/v1/rbac/get_users",
    family: "public",
    auth: true,
    permission: view("access_management"),
    reply: users.GetUsersReply,
    summary: "Legacy: all users.",
    reference: true,
    retry: "repeatable",
  },
  {
    id: "rbac.getUserGroup",
    method: "POST",
    path: "/public_api/v1/rbac/get_user_group",
    family: "public",
    auth: true,
    permission: view("access_management"),
    request: users.GetUserGroupRequest,
    reply: users.GetUserGroupReply,
    summary: "Legacy: groups by name.",
    reference: true,
    retry: "repeatable",
  },
  {
    id: "rbac.setUserRole",
    method: "POST",
    path: "/public_api/v1/rbac/set_user_role",
    family: "public",
    auth: true,
    permission: edit("access_management"),
    request: users.SetUserRoleRequest,
    reply: users.SetUserRoleReply,
    summary: 'Legacy: set (or with "" remove) users\' direct role.',
    reference: true,
    retry: "repeatable",
  },

  // Role bindings.
  {
    id: "bindings.list",
    method: "GET",
    path: "/platform/iam/v1/role-binding",
    family: "platform",
    auth: true,
    permission: view("access_management"),
    query: PagingQuery.extend({
      principal_type: bindings.PrincipalType.optional(),
      principal_id: z.string().optional(),
      role_id: z.string().optional(),
    }),
    reply: bindings.BindingListReply,
    summary: "List role bindings.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "bindings.get",
    method: "GET",
    path: "/platform/iam/v1/role-binding/:binding_id",
    family: "platform",
    auth: true,
    permission: view("access_management"),
    reply: bindings.BindingReply,
    summary: "Get one role binding.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "bindings.create",
    method: "POST",
    path: "/platform/iam/v1/role-binding",
    family: "platform",
    auth: true,
    permission: edit("access_management"),
    request: bindings.CreateBindingRequest,
    reply: bindings.BindingReply,
    status: 201,
    summary: "Bind a role to a user, group or API key.",
    reference: false,
    idempotency: "Idempotency-Key",
  },
  {
    id: "bindings.delete",
    method: "DELETE",
    path: "/platform/iam/v1/role-binding/:binding_id",
    family: "platform",
    auth: true,
    permission: edit("access_management"),
    reply: bindings.BindingDeletedReply,
    summary: "Delete a role binding made through this API.",
    reference: false,
    retry: "repeatable",
  },

  // Scopes.
  {
    id: "scopeDefinitions.list",
    method: "GET",
    path: "/platform/iam/v1/scope-definition",
    family: "platform",
    auth: true,
    permission: view("access_management"),
    query: PagingQuery,
    reply: scopes.ScopeDefinitionListReply,
    summary: "List named scope definitions.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "scopeDefinitions.get",
    method: "GET",
    path: "/platform/iam/v1/scope-definition/:scope_id",
    family: "platform",
    auth: true,
    permission: view("access_management"),
    reply: scopes.ScopeDefinitionReply,
    summary: "Get a named scope definition.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "scopeDefinitions.create",
    method: "POST",
    path: "/platform/iam/v1/scope-definition",
    family: "platform",
    auth: true,
    permission: edit("access_management"),
    request: scopes.ScopeDefinitionCreate,
    reply: scopes.ScopeDefinitionCreated,
    status: 201,
    summary: "Create a named scope definition.",
    reference: false,
    idempotency: "Idempotency-Key",
  },
  {
    id: "scopeDefinitions.update",
    method: "PUT",
    path: "/platform/iam/v1/scope-definition/:scope_id",
    family: "platform",
    auth: true,
    permission: edit("access_management"),
    request: scopes.ScopeDefinitionUpdate,
    reply: scopes.ScopeDefinitionReply,
    summary: "Update a named scope definition (every entity pointing at it follows).",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "scopeDefinitions.delete",
    method: "DELETE",
    path: "/platform/iam/v1/scope-definition/:scope_id",
    family: "platform",
    auth: true,
    permission: edit("access_management"),
    query: WhenUnusedQuery,
    reply: dataEnvelope(z.object({ message: z.string() }).loose()),
    summary: "Delete a named scope definition that no entity points at.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "scopes.get",
    method: "GET",
    path: "/platform/iam/v1/scope/:entity_type/:entity_id",
    family: "platform",
    auth: true,
    permission: view("access_management"),
    reply: scopes.EntityScopeReply,
    summary: "Get the scope of a user, group or API key.",
    reference: true,
    retry: "repeatable",
  },
  {
    id: "scopes.put",
    method: "PUT",
    path: "/platform/iam/v1/scope/:entity_type/:entity_id",
    family: "platform",
    auth: true,
    permission: edit("access_management"),
    request: scopes.EntityScopeWrite,
    reply: dataEnvelope(z.object({ message: z.string() }).loose()),
    summary: "Set the scope of a user, group or API key.",
    reference: true,
    retry: "repeatable",
  },

  // Settings, notifications, audit.
  {
    id: "settings.get",
    method: "GET",
    path: "/platform/iam/v1/settings",
    family: "platform",
    auth: true,
    permission: view("server_settings"),
    reply: settings.SettingsReply,
    summary: "Tenant settings.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "settings.update",
    method: "PUT",
    path: "/platform/iam/v1/settings",
    family: "platform",
    auth: true,
    permission: edit("server_settings"),
    request: settings.UpdateSettingsRequest,
    reply: settings.SettingsReply,
    summary: "Change tenant settings.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "notifications.list",
    method: "GET",
    path: "/platform/notifications/v1/notifications",
    family: "platform",
    auth: true,
    permission: view("notifications"),
    query: PagingQuery.extend({
      unread: z.enum(["true", "false"]).optional(),
      key_id: NumericId.optional(),
    }),
    reply: notifications.NotificationListReply,
    summary: "API Key Expiration notices.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "notifications.patch",
    method: "PATCH",
    path: "/platform/notifications/v1/notifications/:id",
    family: "platform",
    auth: true,
    permission: edit("notifications"),
    request: notifications.PatchNotificationRequest,
    reply: notifications.NotificationReply,
    summary: "Mark a notice read or unread.",
    reference: false,
    retry: "repeatable",
  },
  {
    id: "audit.managementLogs",
    method: "POST",
    path: "/public_api/v1/audits/management_logs",
    family: "public",
    auth: true,
    permission: view("audit"),
    request: audit.AuditRequest,
    reply: audit.AuditReply,
    summary: "Management audit log.",
    reference: true,
    retry: "repeatable",
  },
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
