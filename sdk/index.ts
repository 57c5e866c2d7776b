/**
 * The keyplane SDK (`keyplane/sdk`): {@link KeyplaneClient}, its errors and types, and the API
 * contract (`contract`: the zod schemas of every request and reply, the error codes, the routes).
 *
 * It loads neither the server nor a database driver: only undici, zod and node built-ins.
 */
export { KeyplaneClient, CLIENT_DEFAULTS, type KeyplaneClientOptions } from "./client";
export {
  KeyplaneError,
  KeyplaneTransportError,
  KeyplaneConnectError,
  KeyplaneTimeoutError,
  KeyplaneAbortError,
  KeyplaneApiError,
  BadRequestError,
  UnauthorizedError,
  ForbiddenError,
  NotFoundError,
  ConflictError,
  RateLimitError,
  ResponseValidationError,
  InvalidArgumentError,
  type ApiErrorDetails,
  type CallSite,
  type ValidationIssue,
} from "./errors";
export { RETRY_POLICY, type CallOptions, type ReplyOf } from "./transport";
export type { RetryPolicy } from "./contract";
export {
  toEpochMs,
  type TimeInput,
  type ScopeAreas,
  type ScopeAreasInput,
  type KeyScopeInput,
  type EndpointScopeInput,
  type ScopeModeInput,
} from "./wire";
export type { Page, PageRange, IterateOptions } from "./groups/base";
export {
  ApiKeysApi,
  type ApiKey,
  type GenerateKeyInput,
  type EditKeyResult,
  type GenerateKeyResult,
  type KeyFilterInput,
  type KeySort,
  type KeySortField,
  type ListKeysInput,
  type IterateKeysInput,
  type KeyPage,
  type EditKeyInput,
  type KeyExamples,
} from "./groups/apiKeys";
export {
  RolesApi,
  type Role,
  type RoleCreated,
  type PermissionConfig,
  type LegacyRoles,
  type CreateRoleInput,
  type UpdateRoleInput,
  type DatasetPermissionInput,
} from "./groups/roles";
export {
  UsersApi,
  type User,
  type LegacyUsers,
  type CreateUserInput,
  type PatchUserInput,
} from "./groups/users";
export {
  GroupsApi,
  type Group,
  type GroupCreated,
  type LegacyGroups,
  type CreateGroupInput,
  type PatchGroupInput,
} from "./groups/groups";
export {
  BindingsApi,
  type RoleBinding,
  type ListBindingsInput,
  type CreateBindingInput,
} from "./groups/bindings";
export {
  ScopesApi,
  type EntityScope,
  type EntityType,
  type ScopeDefinition,
  type ScopeDefinitionCreatedReply,
  type CreateScopeDefinitionInput,
  type UpdateScopeDefinitionInput,
  type EntityScopeInput,
} from "./groups/scopes";
export { SettingsApi, type Settings, type UpdateSettingsInput } from "./groups/settings";
export {
  NotificationsApi,
  type Notification,
  type ListNotificationsInput,
} from "./groups/notifications";
export {
  AuditApi,
  type AuditEntry,
  type AuditFilterInput,
  type AuditSort,
  type AuditQuery,
  type AuditIterateQuery,
  type AuditPage,
} from "./groups/audit";
export {
  AuthApi,
  type VerifyResult,
  type VerifyInput,
  type VerifyResourceInput,
} from "./groups/auth";

/** The API contract: zod schemas of every request and reply, `ERROR_CODES`, `ROUTES`, signing helpers. */
export * as contract from "./contract";
