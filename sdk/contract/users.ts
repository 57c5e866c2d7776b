/**
 * Users and user groups: the principals of Access Management (`/platform/iam/v1/user`,
 * `/platform/iam/v1/user-group`) and the legacy `rbac/get_users`, `rbac/get_user_group`,
 * `rbac/set_user_role`. Creating users is our extension (the reference's users come from SSO).
 */
import { z } from "zod";
import { MessageData, dataEnvelope, replyEnvelope } from "./common";
import { ScopeAreasRead } from "./scopes";

export const Email = z
  .string({ error: "must be an email address" })
  .trim()
  .toLowerCase()
  .max(320, "must be at most 320 characters")
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "must be an email address");

const Name = z.string().trim().max(128, "must be at most 128 characters");

export const User = z
  .object({
    user_email: z.string(),
    user_first_name: z
      .string()
      .describe('"" when never given (every reference example has a string).'),
    user_last_name: z.string().describe('"" when never given.'),
    phone_number: z.string().describe('"" when never given.'),
    role_name: z.string().nullable().describe("Display name of the user's direct role."),
    role_id: z.string().nullable().optional().describe("Id of the user's direct role (extension)."),
    status: z.string(),
    last_logged_in: z.number().nullable(),
    is_hidden: z.boolean(),
    user_type: z.string(),
    groups: z.array(z.object({ group_id: z.string(), group_name: z.string() })),
    effective_roles: z
      .array(z.string())
      .optional()
      .describe(
        "Get only: every role the user holds, directly, through bindings or through its groups (extension).",
      ),
    effective_permissions: z
      .record(z.string(), z.string())
      .optional()
      .describe("Get only: the union of those roles' permissions (extension)."),
  })
  .loose();
export type User = z.infer<typeof User>;

/** `POST /platform/iam/v1/user` request_data (extension). */
export const CreateUserRequest = z.object({
  user_email: Email,
  user_first_name: Name.nullish(),
  user_last_name: Name.nullish(),
  phone_number: z.string().trim().max(64).nullish(),
  role_id: z.string().nullish().describe("Direct role, by id or display name."),
  user_groups: z
    .array(z.string())
    .max(1000, "must list at most 1000 groups")
    .optional()
    .describe("Group ids to join."),
});
export type CreateUserRequest = z.input<typeof CreateUserRequest>;

/** `PATCH /platform/iam/v1/user/{email}` request_data. `role_id: ""` removes the direct role. */
export const PatchUserRequest = z.object({
  user_first_name: Name.nullish(),
  user_last_name: Name.nullish(),
  phone_number: z.string().trim().max(64).nullish(),
  role_id: z.string().nullish(),
  status: z.enum(["Active", "Inactive"]).optional(),
  is_hidden: z.boolean().optional(),
  user_groups: z
    .array(z.string())
    .max(1000, "must list at most 1000 groups")
    .optional()
    .describe("The complete list of group ids the user belongs to."),
});
export type PatchUserRequest = z.input<typeof PatchUserRequest>;

export const UserListReply = dataEnvelope(z.array(User));
export const UserReply = dataEnvelope(User);
export const UserMessageReply = dataEnvelope(MessageData);

export const Group = z
  .object({
    group_id: z.string(),
    group_name: z.string(),
    description: z.string().nullable(),
    role_id: z.string().nullable(),
    pretty_role_name: z.string().nullable(),
    created_by: z.string().nullable(),
    created_ts: z.number().nullable(),
    updated_ts: z.number().nullable(),
    users: z.array(z.string()),
    group_type: z.string(),
    nested_groups: z.array(z.object({ group_id: z.string(), group_name: z.string() })),
    idp_groups: z.array(z.string()),
  })
  .loose();
export type Group = z.infer<typeof Group>;

/** `POST /platform/iam/v1/user-group` request_data. */
export const CreateGroupRequest = z.object({
  group_name: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(128, "must be at most 128 characters"),
  description: z.string().max(1024).nullish(),
  role_id: z.string().nullish().describe("The group's role, by id or display name."),
  users: z.array(Email).max(10_000).optional(),
  nested_group_ids: z.array(z.string()).max(1000).optional(),
  idp_groups: z.array(z.string()).max(1000).optional(),
});
export type CreateGroupRequest = z.input<typeof CreateGroupRequest>;

/** `PATCH /platform/iam/v1/user-group/{group_id}`: an empty string or list clears a field. */
export const PatchGroupRequest = CreateGroupRequest.partial().extend({
  group_name: z.string().trim().max(128, "must be at most 128 characters").optional(),
});
export type PatchGroupRequest = z.input<typeof PatchGroupRequest>;

export const GroupListReply = dataEnvelope(z.array(Group));
export const GroupReply = dataEnvelope(Group);
export const GroupCreatedReply = dataEnvelope(
  MessageData.extend({ group_id: z.string().optional() }),
);
export const GroupMessageReply = dataEnvelope(MessageData);

/** Legacy `rbac/get_users` reply items. */
export const LegacyUser = z
  .object({
    user_email: z.string(),
    user_first_name: z.string().describe('"" when never given.'),
    user_last_name: z.string().describe('"" when never given.'),
    role_name: z.string().nullable(),
    last_logged_in: z.number().nullable(),
    user_type: z.string(),
    groups: z.array(z.string()),
    scope: ScopeAreasRead.extend({
      has_scope: z
        .boolean()
        .describe("False when the user has no scope of its own (every area reads `no_scope`)."),
    }).describe(
      "The user's own scope in the read shape of `GET /platform/iam/v1/scope/user/{email}`. The reference's spec shows a list here, the official Go SDK decodes an object (types.User.Scope) and fails on a list; no value satisfies both, and we send the object (docs/compatibility.md).",
    ),
  })
  .loose();
export const GetUsersReply = replyEnvelope(z.array(LegacyUser));

/** Legacy `rbac/get_user_group`. */
export const GetUserGroupRequest = z.object({
  group_names: z
    .array(z.string().min(1))
    .min(1, "must name at least one group")
    .max(1000, "must name at most 1000 groups"),
});
export const LegacyGroup = z
  .object({
    group_name: z.string(),
    description: z.string().nullable(),
    pretty_name: z.string().nullable(),
    insert_time: z.number().nullable(),
    update_time: z.number().nullable(),
    user_email: z.array(z.string()),
    source: z.string(),
  })
  .loose();
export const GetUserGroupReply = replyEnvelope(z.array(LegacyGroup));

/** Legacy `rbac/set_user_role`: `role_name: ""` removes the users' direct role. */
export const SetUserRoleRequest = z.object({
  user_emails: z
    .array(Email)
    .min(1, "must name at least one user")
    .max(10_000, "must name at most 10000 users"),
  role_name: z.string(),
});
/** The reference sends this count as a string. */
export const SetUserRoleReply = replyEnvelope(
  z.object({ update_count: z.union([z.string(), z.number()]) }),
);
