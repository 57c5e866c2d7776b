/**
 * Bad input, table-driven, for every route with a request body (and the query strings of the
 * lists): each refusal is a 400 in the route's family envelope whose err_msg names the field
 * and the reason, with the field also listed in err_extra (one `{type, msg, field, loc}` item per field).
 */
import * as assert from "node:assert/strict";
import { ROUTES, type RouteDef } from "../../sdk/contract";
import { startTestServer, type TestServer } from "../helpers/server";
import { assertError, extraFields, inProcess, ok, rd, type Caller } from "./support";

interface Case {
  name: string;
  /** Route id from the route table. */
  route: string;
  /** Path parameters, when the route has any (filled in before the suite runs). */
  params?: () => Record<string, string>;
  /** The request_data sent (or, with `body`, the whole body); a function when it needs fixtures. */
  input?: unknown;
  body?: unknown;
  /** Raw query string for GET lists. */
  query?: string;
  expectStatus: number;
  expectCode: string;
  /** The field err_msg must name, and words of the reason. */
  expectField: string;
  expectReason: string;
}

const fixtures: { keyId: number; roleId: string; groupId: string; scopeId: string; email: string } =
  { keyId: 0, roleId: "", groupId: "", scopeId: "", email: "" };

const gen = (x: Record<string, unknown>) => ({
  roles: ["Viewer"],
  security_level: "standard",
  ...x,
});
const ids = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);
const idFilters = (count: number, each: number) =>
  Array.from({ length: count }, (_, j) => ({
    field: "id",
    operator: "in",
    value: ids(each, j * each + 1),
  }));
const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));

const CASES: Case[] = [
  // api_keys/generate
  {
    name: "roles missing",
    route: "apiKeys.generate",
    input: { security_level: "standard" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.roles",
    expectReason: "required",
  },
  {
    name: "roles empty",
    route: "apiKeys.generate",
    input: gen({ roles: [] }),
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.roles",
    expectReason: "at least one role",
  },
  {
    name: "roles not a list",
    route: "apiKeys.generate",
    input: gen({ roles: "Viewer" }),
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.roles",
    expectReason: "list of role names",
  },
  {
    name: "a role that is an empty string",
    route: "apiKeys.generate",
    input: gen({ roles: ["Viewer", " "] }),
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.roles.1",
    expectReason: "must not be empty",
  },
  {
    name: "an unknown role",
    route: "apiKeys.generate",
    input: gen({ roles: ["Viewer", "Wizard"] }),
    expectStatus: 400,
    expectCode: "UNKNOWN_ROLE",
    expectField: "request_data.roles.1",
    expectReason: "unknown role 'Wizard'",
  },
  {
    name: "security_level missing",
    route: "apiKeys.generate",
    input: { roles: ["Viewer"] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.security_level",
    expectReason: "required",
  },
  {
    name: "security_level unknown",
    route: "apiKeys.generate",
    input: gen({ security_level: "medium" }),
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.security_level",
    expectReason: "`standard` or `advanced`",
  },
  {
    name: "expiration not a number",
    route: "apiKeys.generate",
    input: gen({ expiration: "tomorrow" }),
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.expiration",
    expectReason: "epoch-milliseconds",
  },
  {
    name: "expiration fractional",
    route: "apiKeys.generate",
    input: gen({ expiration: 1.5e12 + 0.5 }),
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.expiration",
    expectReason: "integer",
  },
  {
    name: "expiration negative",
    route: "apiKeys.generate",
    input: gen({ expiration: -5 }),
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.expiration",
    expectReason: "negative",
  },
  {
    name: "expiration in the past",
    route: "apiKeys.generate",
    input: gen({ expiration: 1_000_000 }),
    expectStatus: 400,
    expectCode: "PAST_EXPIRATION",
    expectField: "request_data.expiration",
    expectReason: "not in the future",
  },
  {
    name: "comment too long",
    route: "apiKeys.generate",
    input: gen({ comment: "x".repeat(1025) }),
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.comment",
    expectReason: "at most 1024",
  },
  {
    name: "comment not a string",
    route: "apiKeys.generate",
    input: gen({ comment: 5 }),
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.comment",
    expectReason: "must be a string",
  },
  {
    name: "scope with a mode not valid for assets",
    route: "apiKeys.generate",
    input: gen({ scope: { assets: { mode: "any" } } }),
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.scope.assets.mode",
    expectReason: "not valid for assets",
  },
  {
    name: "scope pointing at an unknown definition",
    route: "apiKeys.generate",
    input: gen({ scope: { scope_definition_id: "nope" } }),
    expectStatus: 400,
    expectCode: "UNKNOWN_SCOPE",
    expectField: "request_data.scope.scope_definition_id",
    expectReason: "does not exist",
  },
  {
    name: "request_data not an object",
    route: "apiKeys.generate",
    body: { request_data: [1, 2] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data",
    expectReason: "object",
  },

  // api_keys/get_api_keys
  {
    name: "an unknown filter field",
    route: "apiKeys.list",
    input: { filters: [{ field: "colour", operator: "in", value: [] }] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters.0.field",
    expectReason: "must be one of: id, expiration",
  },
  {
    name: "id with a wrong operator",
    route: "apiKeys.list",
    input: { filters: [{ field: "id", operator: "eq", value: [1] }] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters.0.operator",
    expectReason: "must be `in`",
  },
  {
    name: "id values not integers",
    route: "apiKeys.list",
    input: { filters: [{ field: "id", operator: "in", value: ["a"] }] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters.0.value.0",
    expectReason: "integer id",
  },
  {
    name: "expiration with a wrong operator",
    route: "apiKeys.list",
    input: { filters: [{ field: "expiration", operator: "in", value: 1 }] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters.0.operator",
    expectReason: "`gte` or `lte`",
  },
  {
    name: "roles with a wrong operator",
    route: "apiKeys.list",
    input: { filters: [{ field: "roles", operator: "in", value: ["Viewer"] }] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters.0.operator",
    expectReason: "must be `contains`",
  },
  {
    name: "status with an unknown value",
    route: "apiKeys.list",
    input: { filters: [{ field: "status", operator: "in", value: ["sleeping"] }] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters.0.value.0",
    expectReason: "active",
  },
  {
    name: "security_level with an unknown value",
    route: "apiKeys.list",
    input: { filters: [{ field: "security_level", operator: "in", value: ["medium"] }] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters.0.value.0",
    expectReason: "`standard` or `advanced`",
  },
  {
    name: "roles value neither a string nor a list",
    route: "apiKeys.list",
    input: { filters: [{ field: "roles", operator: "contains", value: 5 }] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters.0.value",
    expectReason: "must be string or array",
  },
  {
    name: "filters not a list",
    route: "apiKeys.list",
    input: { filters: { field: "id" } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters",
    expectReason: "array",
  },
  {
    name: "sort by an unknown field",
    route: "apiKeys.list",
    input: { sort: { field: "secret", keyword: "asc" } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.sort.field",
    expectReason: 'expected one of "id"',
  },
  {
    name: "sort with an unknown keyword",
    route: "apiKeys.list",
    input: { sort: { field: "id", keyword: "up" } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.sort.keyword",
    expectReason: "asc",
  },
  // Lists bounded so that no request can exceed what the databases bind (these were 500s).
  {
    name: "more than 10000 key ids in all",
    route: "apiKeys.list",
    input: { filters: idFilters(7, 10_000) },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters",
    expectReason: "at most 10000 key ids in all",
  },
  {
    name: "more than 1000 role names",
    route: "apiKeys.list",
    input: {
      filters: [{ field: "roles", operator: "contains", value: many(1001, (i) => `r${i}`) }],
    },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters.0.value",
    expectReason: "at most 1000 values",
  },
  {
    name: "search_from negative",
    route: "apiKeys.list",
    input: { search_from: -1 },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.search_from",
    expectReason: "0 or more",
  },
  {
    name: "search_to before search_from",
    route: "apiKeys.list",
    input: { search_from: 10, search_to: 5 },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.search_to",
    expectReason: "not be less than search_from",
  },

  // api_keys/delete and revoke
  {
    name: "filters missing",
    route: "apiKeys.delete",
    input: {},
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters",
    expectReason: "is required",
  },
  {
    name: "filters not a list",
    route: "apiKeys.delete",
    input: { filters: "id" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters",
    expectReason: 'only `{field: "id"',
  },
  {
    name: "filters empty",
    route: "apiKeys.delete",
    input: { filters: [] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters",
    expectReason: "`id in` filter",
  },
  {
    name: "a filter on another field",
    route: "apiKeys.delete",
    input: { filters: [{ field: "comment", operator: "in", value: [1] }] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters.0.field",
    expectReason: "id",
  },
  {
    name: "no id",
    route: "apiKeys.retire",
    input: { expiration: 1 },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.id",
    expectReason: "is required",
  },
  {
    name: "an expiration that is not a time",
    route: "apiKeys.retire",
    input: { id: 1, expiration: "tomorrow" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.expiration",
    expectReason: "epoch-milliseconds",
  },
  // z.coerce took these as key 1 (schemathesis retired the admin key with `id: true`).
  {
    name: "an id given as true",
    route: "apiKeys.retire",
    input: { id: true, expiration: 1 },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.id",
    expectReason: "integer id",
  },
  {
    name: "an id given as a list",
    route: "apiKeys.retire",
    input: { id: [1], expiration: 1 },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.id",
    expectReason: "integer id",
  },
  {
    name: "an id given as hex",
    route: "apiKeys.retire",
    input: { id: "0x1", expiration: 1 },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.id",
    expectReason: "integer id",
  },
  {
    name: "an expiration given as true",
    route: "apiKeys.retire",
    input: { id: 1, expiration: true },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.expiration",
    expectReason: "epoch-milliseconds",
  },
  {
    name: "more than 50 filters",
    route: "apiKeys.revoke",
    input: { filters: idFilters(51, 1) },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters",
    expectReason: "at most 50 filters",
  },
  {
    name: "more than 10000 key ids in all",
    route: "apiKeys.revoke",
    input: { filters: idFilters(7, 10_000) },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters",
    expectReason: "at most 10000 key ids in all",
  },
  {
    name: "more than 10000 key ids in all",
    route: "apiKeys.delete",
    input: { filters: idFilters(2, 6000) },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters",
    expectReason: "at most 10000 key ids in all",
  },
  {
    name: "ids that are not ids",
    route: "apiKeys.revoke",
    input: { filters: [{ field: "id", operator: "in", value: [0] }] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters.0.value.0",
    expectReason: "positive integer",
  },

  // api_keys/examples
  {
    name: "id missing",
    route: "apiKeys.examples",
    input: {},
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.id",
    expectReason: "is required",
  },
  {
    name: "id not a number",
    route: "apiKeys.examples",
    input: { id: "seven" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.id",
    expectReason: "integer id",
  },

  // PUT api-key
  {
    name: "roles empty",
    route: "apiKeys.edit",
    params: () => ({ id: String(fixtures.keyId) }),
    input: { roles: [] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.roles",
    expectReason: "at least one role",
  },
  {
    name: "an unknown role",
    route: "apiKeys.edit",
    params: () => ({ id: String(fixtures.keyId) }),
    input: { roles: ["Wizard"] },
    expectStatus: 400,
    expectCode: "UNKNOWN_ROLE",
    expectField: "request_data.roles.0",
    expectReason: "unknown role",
  },
  {
    name: "a new security_level",
    route: "apiKeys.edit",
    params: () => ({ id: String(fixtures.keyId) }),
    input: { security_level: "advanced" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.security_level",
    expectReason: "cannot change",
  },
  {
    name: "an expiration in the past",
    route: "apiKeys.edit",
    params: () => ({ id: String(fixtures.keyId) }),
    input: { expiration: 1000 },
    expectStatus: 400,
    expectCode: "PAST_EXPIRATION",
    expectField: "request_data.expiration",
    expectReason: "not in the future",
  },
  {
    name: "a key id that is not a number",
    route: "apiKeys.edit",
    params: () => ({ id: "abc" }),
    input: { comment: "x" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "api_key_id",
    expectReason: "positive integer",
  },

  // auth/verify
  {
    name: "headers missing",
    route: "auth.verify",
    input: {},
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.headers",
    expectReason: "required",
  },
  {
    name: "a header that is not a string",
    route: "auth.verify",
    input: { headers: { "x-xdr-auth-id": 5 } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.headers.x-xdr-auth-id",
    expectReason: "string",
  },
  {
    name: "an unknown component",
    route: "auth.verify",
    input: { headers: {}, permission: { component: "coffee" } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.permission.component",
    expectReason: "unknown component 'coffee'",
  },
  {
    name: "level none",
    route: "auth.verify",
    input: { headers: {}, permission: { component: "endpoints", level: "none" } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.permission.level",
    expectReason: "view",
  },
  {
    name: "resource tags not a list",
    route: "auth.verify",
    input: { headers: {}, resource: { endpoint_groups: "eg1" } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.resource.endpoint_groups",
    expectReason: "array",
  },

  // roles
  {
    name: "pretty_name missing",
    route: "roles.create",
    input: { components: { audit: "view" } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.pretty_name",
    expectReason: "required",
  },
  {
    name: "no permission at all",
    route: "roles.create",
    input: { pretty_name: "Empty" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.components",
    expectReason: "at least one permission",
  },
  {
    name: "an unknown permission name",
    route: "roles.create",
    input: { pretty_name: "P", component_permissions: ["coffee_view"] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.component_permissions.0",
    expectReason: "unknown permission 'coffee_view'",
  },
  {
    name: "an unknown component",
    route: "roles.create",
    input: { pretty_name: "P", components: { coffee: "view" } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.components",
    expectReason: "coffee",
  },
  {
    name: "an unknown level",
    route: "roles.create",
    input: { pretty_name: "P", components: { audit: "admin" } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.components.audit",
    expectReason: "view_edit",
  },
  // 400, not 409: the reference answers a taken role name with a 400.
  {
    name: "a name in use (400, as the reference)",
    route: "roles.create",
    input: { pretty_name: "viewer", components: { audit: "view" } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.pretty_name",
    expectReason: "The role name viewer is already utilized by another role.",
  },
  {
    name: "components emptied",
    route: "roles.update",
    params: () => ({ role_id: fixtures.roleId }),
    input: { components: {} },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.components",
    expectReason: "at least one permission",
  },
  {
    name: "an empty name",
    route: "roles.update",
    params: () => ({ role_id: fixtures.roleId }),
    input: { pretty_name: "  " },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.pretty_name",
    expectReason: "must not be empty",
  },
  {
    name: "role_names missing",
    route: "rbac.getRoles",
    input: {},
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.role_names",
    expectReason: "required",
  },
  {
    name: "more than 1000 role names",
    route: "rbac.getRoles",
    input: { role_names: many(1001, (i) => `r${i}`) },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.role_names",
    expectReason: "at most 1000 roles",
  },
  {
    name: "role_names empty",
    route: "rbac.getRoles",
    input: { role_names: [] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.role_names",
    expectReason: "at least one role",
  },

  // users
  {
    name: "an email that is not one",
    route: "users.create",
    input: { user_email: "bob" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.user_email",
    expectReason: "email address",
  },
  {
    name: "email missing",
    route: "users.create",
    input: {},
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.user_email",
    expectReason: "is required",
  },
  {
    name: "an unknown role",
    route: "users.create",
    input: { user_email: "new@example.com", role_id: "Wizard" },
    expectStatus: 400,
    expectCode: "UNKNOWN_ROLE",
    expectField: "request_data.role_id",
    expectReason: "unknown role",
  },
  {
    name: "an unknown group",
    route: "users.create",
    input: { user_email: "new@example.com", user_groups: ["grp-nope"] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.user_groups",
    expectReason: "unknown group",
  },
  {
    name: "Account Admin (refused as in the reference)",
    route: "users.create",
    input: { user_email: "new@example.com", role_id: "Account Admin" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.role_id",
    expectReason: "Account Admin",
  },
  {
    name: "a status that is not one",
    route: "users.patch",
    params: () => ({ email: fixtures.email }),
    input: { status: "Asleep" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.status",
    expectReason: "Active",
  },
  {
    name: "is_hidden not a boolean",
    route: "users.patch",
    params: () => ({ email: fixtures.email }),
    input: { is_hidden: "yes" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.is_hidden",
    expectReason: "boolean",
  },
  {
    name: "a first name too long",
    route: "users.patch",
    params: () => ({ email: fixtures.email }),
    input: { user_first_name: "x".repeat(200) },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.user_first_name",
    expectReason: "at most 128",
  },
  {
    name: "more than 10000 users",
    route: "rbac.setUserRole",
    input: { user_emails: many(10_001, (i) => `u${i}@example.com`), role_name: "Viewer" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.user_emails",
    expectReason: "at most 10000 users",
  },
  {
    name: "more than 1000 groups",
    route: "users.patch",
    params: () => ({ email: fixtures.email }),
    input: { user_groups: many(1001, (i) => `g${i}`) },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.user_groups",
    expectReason: "at most 1000 groups",
  },
  {
    name: "user_emails empty",
    route: "rbac.setUserRole",
    input: { user_emails: [], role_name: "Viewer" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.user_emails",
    expectReason: "at least one user",
  },
  {
    name: "a bad email",
    route: "rbac.setUserRole",
    input: { user_emails: ["nope"], role_name: "Viewer" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.user_emails.0",
    expectReason: "email address",
  },
  {
    name: "role_name missing",
    route: "rbac.setUserRole",
    input: { user_emails: ["a@example.com"] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.role_name",
    expectReason: "required",
  },
  {
    name: "an unknown role",
    route: "rbac.setUserRole",
    input: { user_emails: ["a@example.com"], role_name: "Wizard" },
    expectStatus: 400,
    expectCode: "UNKNOWN_ROLE",
    expectField: "request_data.role_name",
    expectReason: "unknown role",
  },

  // groups
  {
    name: "group_name empty",
    route: "groups.create",
    input: { group_name: "" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.group_name",
    expectReason: "must not be empty",
  },
  {
    name: "a member that is not an email",
    route: "groups.create",
    input: { group_name: "G", users: ["bob"] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.users.0",
    expectReason: "email address",
  },
  {
    name: "an unknown member",
    route: "groups.create",
    input: { group_name: "G", users: ["ghost@example.com"] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.users",
    expectReason: "unknown user",
  },
  {
    name: "an unknown nested group",
    route: "groups.create",
    input: { group_name: "G", nested_group_ids: ["grp-nope"] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.nested_group_ids",
    expectReason: "unknown group",
  },
  {
    name: "an unknown role",
    route: "groups.create",
    input: { group_name: "G", role_id: "Wizard" },
    expectStatus: 400,
    expectCode: "UNKNOWN_ROLE",
    expectField: "request_data.role_id",
    expectReason: "unknown role",
  },
  {
    name: "group_name emptied",
    route: "groups.patch",
    params: () => ({ group_id: fixtures.groupId }),
    input: { group_name: "" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.group_name",
    expectReason: "must not be empty",
  },
  {
    name: "nesting a group in itself",
    route: "groups.patch",
    params: () => ({ group_id: fixtures.groupId }),
    input: () => ({ nested_group_ids: [fixtures.groupId] }),
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.nested_group_ids",
    expectReason: "cycle",
  },
  {
    name: "more than 1000 group names",
    route: "rbac.getUserGroup",
    input: { group_names: many(1001, (i) => `g${i}`) },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.group_names",
    expectReason: "at most 1000 groups",
  },
  {
    name: "group_names missing",
    route: "rbac.getUserGroup",
    input: {},
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.group_names",
    expectReason: "required",
  },

  // role bindings
  {
    name: "an unknown principal_type",
    route: "bindings.create",
    input: { principal_type: "robot", principal_id: "1", role: "Viewer" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.principal_type",
    expectReason: "not one of: user, user-group, api-key",
  },
  {
    name: "principal_id missing",
    route: "bindings.create",
    input: { principal_type: "user", role: "Viewer" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.principal_id",
    expectReason: "required",
  },
  {
    name: "role missing",
    route: "bindings.create",
    input: { principal_type: "api-key", principal_id: "1" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.role",
    expectReason: "required",
  },
  {
    name: "a principal that does not exist",
    route: "bindings.create",
    input: { principal_type: "api-key", principal_id: "424242", role: "Viewer" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.principal_id",
    expectReason: "no api-key with id '424242'",
  },
  {
    name: "an unknown role",
    route: "bindings.create",
    input: { principal_type: "api-key", principal_id: "1", role: "Wizard" },
    expectStatus: 400,
    expectCode: "UNKNOWN_ROLE",
    expectField: "request_data.role",
    expectReason: "unknown role",
  },

  // scope definitions
  {
    name: "name missing",
    route: "scopeDefinitions.create",
    input: { areas: { assets: { mode: "see_all" } } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.name",
    expectReason: "required",
  },
  {
    name: "no area",
    route: "scopeDefinitions.create",
    input: { name: "S", areas: {} },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.areas",
    expectReason: "at least one area",
  },
  {
    name: "`any` for assets",
    route: "scopeDefinitions.create",
    input: { name: "S", areas: { assets: { mode: "any" } } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.areas.assets.mode",
    expectReason: "not valid for assets",
  },
  {
    name: "`any` for cases_issues",
    route: "scopeDefinitions.create",
    input: { name: "S", areas: { cases_issues: { mode: "any" } } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.areas.cases_issues.mode",
    expectReason: "not valid for cases_issues",
  },
  {
    name: "`scope` for datasets_rows.default_filter_mode",
    route: "scopeDefinitions.create",
    input: { name: "S", areas: { datasets_rows: { default_filter_mode: "scope" } } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.areas.datasets_rows.default_filter_mode",
    expectReason: "no_scope, see_all",
  },
  {
    name: "mode `scope` without names",
    route: "scopeDefinitions.create",
    input: { name: "S", areas: { endpoints: { endpoint_groups: { mode: "scope" } } } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.areas.endpoints.endpoint_groups.names",
    expectReason: "at least one entry",
  },
  {
    name: "names with mode see_all",
    route: "scopeDefinitions.create",
    input: { name: "S", areas: { cases_issues: { mode: "see_all", names: ["x"] } } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.areas.cases_issues.names",
    expectReason: "only allowed with mode 'scope'",
  },
  {
    name: "asset_group_ids not numbers",
    route: "scopeDefinitions.create",
    input: { name: "S", areas: { assets: { mode: "scope", asset_group_ids: ["one"] } } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.areas.assets.asset_group_ids.0",
    expectReason: "must be a number",
  },
  {
    name: "a dataset filter without a filter",
    route: "scopeDefinitions.create",
    input: {
      name: "S",
      areas: {
        datasets_rows: { default_filter_mode: "no_scope", filters: [{ dataset: "d", filter: "" }] },
      },
    },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.areas.datasets_rows.filters.0.filter",
    expectReason: "must not be empty",
  },
  {
    name: "a name in use (409)",
    route: "scopeDefinitions.create",
    input: { name: "existing scope", areas: { assets: { mode: "see_all" } } },
    expectStatus: 409,
    expectCode: "CONFLICT",
    expectField: "existing scope",
    expectReason: "exists",
  },
  {
    name: "an empty name",
    route: "scopeDefinitions.update",
    params: () => ({ scope_id: fixtures.scopeId }),
    input: { name: "" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.name",
    expectReason: "must not be empty",
  },
  {
    name: "`any` for assets",
    route: "scopeDefinitions.update",
    params: () => ({ scope_id: fixtures.scopeId }),
    input: { areas: { assets: { mode: "any" } } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.areas.assets.mode",
    expectReason: "not valid for assets",
  },

  // entity scopes
  {
    name: "`any` for cases_issues",
    route: "scopes.put",
    params: () => ({ entity_type: "api-key", entity_id: String(fixtures.keyId) }),
    input: { cases_issues: { mode: "any" } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.cases_issues.mode",
    expectReason: "not valid for cases_issues",
  },
  {
    name: "an unknown mode for endpoint_tags",
    route: "scopes.put",
    params: () => ({ entity_type: "api-key", entity_id: String(fixtures.keyId) }),
    input: { endpoints: { endpoint_tags: { mode: "some" } } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.endpoints.endpoint_tags.mode",
    expectReason: "not valid for endpoints.endpoint_tags",
  },
  {
    name: "the include-empty flag without mode scope",
    route: "scopes.put",
    params: () => ({ entity_type: "api-key", entity_id: String(fixtures.keyId) }),
    input: { cases_issues: { mode: "see_all", include_cases_issues_empty_entities: true } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.cases_issues.include_cases_issues_empty_entities",
    expectReason: "mode 'scope'",
  },
  {
    name: "a definition and areas together",
    route: "scopes.put",
    params: () => ({ entity_type: "api-key", entity_id: String(fixtures.keyId) }),
    input: { scope_definition_id: "existing scope", assets: { mode: "see_all" } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.scope_definition_id",
    expectReason: "not both",
  },
  {
    name: "an unknown definition",
    route: "scopes.put",
    params: () => ({ entity_type: "user", entity_id: fixtures.email }),
    input: { scope_definition_id: "nope" },
    expectStatus: 400,
    expectCode: "UNKNOWN_SCOPE",
    expectField: "request_data.scope_definition_id",
    expectReason: "does not exist",
  },
  {
    name: "an unknown entity type",
    route: "scopes.put",
    params: () => ({ entity_type: "robot", entity_id: "1" }),
    input: { assets: { mode: "see_all" } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "entity_type",
    expectReason: "not one of: user, user-group, api-key",
  },

  // settings
  {
    name: "a replay window too small",
    route: "settings.update",
    input: { replay_window_ms: 5 },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.replay_window_ms",
    expectReason: "at least 10000",
  },
  {
    name: "sbac_enabled not a boolean",
    route: "settings.update",
    input: { sbac_enabled: "yes" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.sbac_enabled",
    expectReason: "true or false",
  },
  {
    name: "a webhook that is not a URL",
    route: "settings.update",
    input: { notification_webhook: "not a url" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.notification_webhook",
    expectReason: "http(s) URL",
  },
  {
    name: "a webhook with another scheme",
    route: "settings.update",
    input: { notification_webhook: "ftp://example.com/x" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.notification_webhook",
    expectReason: "http(s) URL",
  },
  {
    name: "a tenant FQDN with a path",
    route: "settings.update",
    input: { tenant_fqdn: "example.com/x" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.tenant_fqdn",
    expectReason: "host name",
  },
  {
    name: "a default lifetime above the maximum",
    route: "settings.update",
    input: { default_key_lifetime_ms: 10 * 86_400_000, max_key_lifetime_ms: 86_400_000 },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.default_key_lifetime_ms",
    expectReason: "must not exceed max_key_lifetime_ms",
  },
  {
    name: "a lifetime below a minute",
    route: "settings.update",
    input: { max_key_lifetime_ms: 1000 },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.max_key_lifetime_ms",
    expectReason: "at least one minute",
  },

  // notifications
  {
    name: "read missing",
    route: "notifications.patch",
    params: () => ({ id: "1" }),
    input: {},
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.read",
    expectReason: "is required",
  },
  {
    name: "read not a boolean",
    route: "notifications.patch",
    params: () => ({ id: "1" }),
    input: { read: "yes" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.read",
    expectReason: "true or false",
  },
  {
    name: "an id that is not a number",
    route: "notifications.patch",
    params: () => ({ id: "abc" }),
    input: { read: true },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "id",
    expectReason: "positive integer",
  },

  // audit
  {
    name: "an unknown filter field",
    route: "audit.managementLogs",
    input: { filters: [{ field: "colour", operator: "in", value: ["x"] }] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters.0.field",
    expectReason: "email",
  },
  {
    name: "a wrong operator",
    route: "audit.managementLogs",
    input: { filters: [{ field: "email", operator: "eq", value: ["x"] }] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters.0.operator",
    expectReason: "must be `in`",
  },
  {
    name: "a timestamp that is not one",
    route: "audit.managementLogs",
    input: { filters: [{ field: "timestamp", operator: "gte", value: "yesterday" }] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters.0.value",
    expectReason: "epoch-milliseconds",
  },
  {
    name: "more than 1000 values",
    route: "audit.managementLogs",
    input: { filters: [{ field: "email", operator: "in", value: many(1001, (i) => `e${i}`) }] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters.0.value",
    expectReason: "at most 1000 values",
  },
  {
    name: "sort by an unknown field",
    route: "audit.managementLogs",
    input: { sort: { field: "colour" } },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.sort.field",
    expectReason: 'expected one of "type"',
  },
  {
    name: "search_to negative",
    route: "audit.managementLogs",
    input: { search_to: -1 },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.search_to",
    expectReason: "0 or more",
  },

  // query strings of the lists
  {
    name: "search_from negative",
    route: "roles.list",
    query: "search_from=-1",
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "query.search_from",
    expectReason: "0 or more",
  },
  {
    name: "search_to not a number",
    route: "users.list",
    query: "search_to=many",
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "query.search_to",
    expectReason: "whole number",
  },
  // Paging numbers are as strict as ids: z.coerce took `true` as 1, "0x10" as 16, `[1]` as 1.
  {
    name: "search_from `true`",
    route: "groups.list",
    query: "search_from=true",
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "query.search_from",
    expectReason: "whole number",
  },
  {
    name: "search_to in hex",
    route: "roles.list",
    query: "search_to=0x10",
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "query.search_to",
    expectReason: "whole number",
  },
  {
    name: "search_from a list",
    route: "apiKeys.list",
    input: { search_from: [1] },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.search_from",
    expectReason: "whole number",
  },
  {
    name: "search_to a boolean",
    route: "audit.managementLogs",
    input: { search_to: true },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.search_to",
    expectReason: "whole number",
  },
  // Each value is a bound parameter: more than both stores can run was a 500 (too many SQL variables).
  {
    name: "17 roles filters of 1000 values",
    route: "apiKeys.list",
    input: {
      filters: Array.from({ length: 17 }, () => ({
        field: "roles",
        operator: "contains",
        value: many(1000, (i) => `r${i}`),
      })),
    },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters",
    expectReason: "at most 10000 values in all",
  },
  {
    name: "33 created_by filters of 1000 values",
    route: "apiKeys.list",
    input: {
      filters: Array.from({ length: 33 }, () => ({
        field: "created_by",
        operator: "in",
        value: many(1000, (i) => `c${i}`),
      })),
    },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.filters",
    expectReason: "at most 10000 values in all",
  },
  {
    name: "a scope definition and areas together",
    route: "apiKeys.generate",
    input: gen({ scope: { scope_definition_id: "existing scope", assets: { mode: "see_all" } } }),
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.scope.scope_definition_id",
    expectReason: "not both",
  },
  {
    name: "one dataset filtered twice",
    route: "scopeDefinitions.create",
    input: {
      name: "S",
      areas: {
        datasets_rows: {
          default_filter_mode: "no_scope",
          filters: [
            { dataset: "d", filter: "a = 1" },
            { dataset: "d", filter: "true" },
          ],
        },
      },
    },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.areas.datasets_rows.filters.1.dataset",
    expectReason: "a second time",
  },
  {
    name: "Account Admin bound to a user",
    route: "bindings.create",
    input: () => ({ principal_type: "user", principal_id: fixtures.email, role: "Account Admin" }),
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.role",
    expectReason: "Can not update users to Account Admin role.",
  },
  {
    name: "a webhook on loopback",
    route: "settings.update",
    input: { notification_webhook: "http://127.0.0.1:9/internal/x" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.notification_webhook",
    expectReason: "loopback, private or link-local",
  },
  {
    name: "a webhook on a private address",
    route: "settings.update",
    input: { notification_webhook: "https://10.1.2.3/hook" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.notification_webhook",
    expectReason: "loopback, private or link-local",
  },
  {
    name: "a webhook on the metadata address",
    route: "settings.update",
    input: { notification_webhook: "http://169.254.169.254/latest" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.notification_webhook",
    expectReason: "loopback, private or link-local",
  },
  {
    name: "a webhook on IPv6 loopback",
    route: "settings.update",
    input: { notification_webhook: "http://[::1]:8080/x" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.notification_webhook",
    expectReason: "loopback, private or link-local",
  },
  {
    name: "a webhook on localhost",
    route: "settings.update",
    input: { notification_webhook: "http://localhost:8080/x" },
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "request_data.notification_webhook",
    expectReason: "loopback name",
  },
  {
    name: "an unknown principal_type",
    route: "bindings.list",
    query: "principal_type=robot",
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "query.principal_type",
    expectReason: "not one of",
  },
  {
    name: "unread neither true nor false",
    route: "notifications.list",
    query: "unread=maybe",
    expectStatus: 400,
    expectCode: "INVALID_INPUT",
    expectField: "query.unread",
    expectReason: "true",
  },
];

describe("bad input, every route with a body", () => {
  let t: TestServer;
  let call: Caller;
  before(async () => {
    t = await startTestServer();
    call = inProcess(t);
    fixtures.keyId = (await t.createKey()).id;
    fixtures.roleId = ok(
      await call(
        "POST",
        "/platform/iam/v1/role",
        rd({ pretty_name: "Validation Role", components: { audit: "view" } }),
      ),
      201,
    ).data.role_id;
    fixtures.email = "valid@example.com";
    ok(await call("POST", "/platform/iam/v1/user", rd({ user_email: fixtures.email })), 201);
    fixtures.groupId = ok(
      await call("POST", "/platform/iam/v1/user-group", rd({ group_name: "Validation Group" })),
      201,
    ).data.group_id;
    fixtures.scopeId = ok(
      await call(
        "POST",
        "/platform/iam/v1/scope-definition",
        rd({ name: "existing scope", areas: { assets: { mode: "see_all" } } }),
      ),
      201,
    ).data.scope_id;
  });
  after(() => t.close());

  const routes = new Map((ROUTES as readonly RouteDef[]).map((r) => [r.id, r]));

  it("has cases for every route that takes a request body", () => {
    const covered = new Set(CASES.map((c) => c.route));
    const missing = (ROUTES as readonly RouteDef[])
      .filter((r) => r.request && !covered.has(r.id) && r.id !== "apiKeys.validate")
      .map((r) => r.id);
    // revoke shares delete's schema; get_users takes no body.
    assert.deepEqual(missing, []);
  });

  for (const c of CASES) {
    it(`${c.route}: refuses ${c.name} (${c.expectStatus} ${c.expectCode})`, async () => {
      const r = routes.get(c.route as never)!;
      assert.ok(r, `no route ${c.route}`);
      let path = r.path.replace(/:([A-Za-z_]+)/g, (_, n: string) =>
        encodeURIComponent(c.params?.()[n] ?? "x"),
      );
      if (c.query) path += `?${c.query}`;
      const body =
        c.body ?? (c.query ? undefined : rd(typeof c.input === "function" ? c.input() : c.input));
      const res = await call(r.method, path, body);
      const e = assertError(r.path, res, c.expectStatus, c.expectCode);
      assert.ok(e.msg.includes(c.expectField), `err_msg must name ${c.expectField}: ${e.msg}`);
      // A 400 starts with the field's exact path: `request_data.roles.1: unknown role 'Wizard'`.
      if (c.expectStatus === 400)
        assert.ok(
          e.msg.startsWith(`${c.expectField}: `),
          `err_msg must start with '${c.expectField}: ': ${e.msg}`,
        );
      assert.ok(
        e.msg.includes(c.expectReason),
        `err_msg must give the reason (${c.expectReason}): ${e.msg}`,
      );
      if (c.expectStatus === 400 && c.expectField.includes(".")) {
        const fields = extraFields(e.extra);
        assert.ok(
          fields.some(
            (f) =>
              f.path === c.expectField ||
              f.path.startsWith(`${c.expectField}.`) ||
              c.expectField.startsWith(f.path),
          ),
          `err_extra.fields must list ${c.expectField}: ${JSON.stringify(fields)}`,
        );
      }
    });
  }

  describe("bodies that are not requests", () => {
    const cases: Array<{
      name: string;
      path: string;
      payload: string;
      contentType?: string;
      expectStatus: number;
      expectCode: string;
      expectMsg: string;
    }> = [
      {
        name: "invalid JSON",
        path: "/public_api/v1/api_keys/generate",
        payload: '{"request_data": ',
        expectStatus: 400,
        expectCode: "INVALID_JSON",
        expectMsg: "not valid JSON",
      },
      {
        name: "invalid JSON on a platform route",
        path: "/platform/iam/v1/role",
        payload: "{oops",
        expectStatus: 400,
        expectCode: "INVALID_JSON",
        expectMsg: "not valid JSON",
      },
      {
        name: "a JSON array",
        path: "/public_api/v1/api_keys/generate",
        payload: "[]",
        expectStatus: 400,
        expectCode: "INVALID_INPUT",
        expectMsg: "request_data",
      },
      {
        name: "a JSON string",
        path: "/public_api/v1/api_keys/get_api_keys",
        payload: '"hello"',
        expectStatus: 400,
        expectCode: "INVALID_INPUT",
        expectMsg: "request_data",
      },
      {
        name: "JSON nested 100 levels deep",
        path: "/public_api/v1/api_keys/get_api_keys",
        payload: `{"request_data":${"[".repeat(100)}${"]".repeat(100)}}`,
        expectStatus: 400,
        expectCode: "INVALID_INPUT",
        expectMsg: "deeper than 64",
      },
      {
        name: "JSON sent as text/plain that is not JSON",
        path: "/public_api/v1/api_keys/get_api_keys",
        payload: "hello",
        contentType: "text/plain",
        expectStatus: 400,
        expectCode: "INVALID_JSON",
        expectMsg: "not valid JSON",
      },
    ];
    for (const c of cases) {
      it(`refuses ${c.name} (${c.expectStatus} ${c.expectCode})`, async () => {
        const res = await call("POST", c.path, c.payload, {
          headers: c.contentType ? { "content-type": c.contentType } : {},
        });
        assertError(c.path, res, c.expectStatus, c.expectCode, c.expectMsg);
      });
    }

    it("serves the largest lists the contract allows, on the database's parameter limits", async () => {
      const list = await call(
        "POST",
        "/public_api/v1/api_keys/get_api_keys",
        rd({ filters: idFilters(2, 5000) }),
      );
      ok(list);
      const revoke = await call(
        "POST",
        "/public_api/v1/api_keys/revoke",
        rd({
          filters: idFilters(1, 10_000).map((f) => ({
            ...f,
            value: f.value.map((v) => v + 1_000_000),
          })),
        }),
      );
      assert.deepEqual(ok(revoke).reply, { update_count: 0 });
      ok(
        await call(
          "POST",
          "/public_api/v1/rbac/set_user_role",
          rd({ user_emails: many(10_000, (i) => `u${i}@example.com`), role_name: "Viewer" }),
        ),
      );
      ok(
        await call(
          "POST",
          "/public_api/v1/audits/management_logs",
          rd({ filters: [{ field: "email", operator: "in", value: many(1000, (i) => `e${i}`) }] }),
        ),
      );
    });

    it("accepts an empty body as {} where every field is optional", async () => {
      ok(await call("POST", "/public_api/v1/api_keys/get_api_keys", ""));
    });

    it("refuses a body larger than the limit with 413", async () => {
      const res = await call(
        "POST",
        "/public_api/v1/api_keys/get_api_keys",
        JSON.stringify({ request_data: { pad: "x".repeat(1_100_000) } }),
      );
      assertError("/public_api", res, 413, "PAYLOAD_TOO_LARGE");
    });

    it("answers 404 and 405 in the family envelope", async () => {
      assertError(
        "/public_api",
        await call("POST", "/public_api/v1/api_keys/nothing", rd()),
        404,
        "NOT_FOUND",
        "no such endpoint",
      );
      assertError(
        "/platform/iam",
        await call("DELETE", "/platform/iam/v1/settings"),
        405,
        "METHOD_NOT_ALLOWED",
      );
    });
  });
});

describe("internal errors", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  it("answers 500 in the family envelope without internals, and logs the error with the request id", async () => {
    const store = t.running.store as unknown as { listUsers: () => Promise<never> };
    const original = store.listUsers;
    store.listUsers = async () => {
      throw new Error("boom: connection to db-7.internal refused");
    };
    try {
      for (const [method, path] of [
        ["GET", "/platform/iam/v1/user"],
        ["POST", "/public_api/v1/rbac/get_users"],
      ] as const) {
        const res = await t.call(method, path, method === "POST" ? rd() : undefined);
        const e = assertError(path, res, 500, "INTERNAL");
        assert.ok(!res.text.includes("boom") && !res.text.includes("db-7"), res.text);
        assert.equal(e.extra[0].request_id, res.headers["x-request-id"]);
        assert.equal(e.extra[0].type, "INTERNAL");
        const line = t.logs.find(
          (l) => l.includes('"internal error"') && l.includes(res.headers["x-request-id"]!),
        );
        assert.ok(line, "the error is logged with its request id");
        assert.ok(line.includes("boom"), "the log has the detail the reply does not");
      }
    } finally {
      store.listUsers = original;
    }
  });
});
