/**
 * Roles: predefined (read-only) and custom, under `/platform/iam/v1/role`, plus the legacy
 * `POST /public_api/v1/rbac/get_roles`.
 */
import { z } from "zod";
import { MessageData, dataEnvelope, replyEnvelope } from "./common";
import { COMPONENT_NAMES, ComponentPermissions, type ComponentName } from "./components";

/** Machine permission names as the reference's permission-config spells them: `<component>_view`, `<component>_action`. */
export const PermissionName = z.string().refine(
  (s) => {
    const m = /^(.*)_(view|action)$/.exec(s);
    return !!m && (COMPONENT_NAMES as readonly string[]).includes(m[1]!);
  },
  {
    error: (iss) =>
      `unknown permission '${String(iss.input)}'; expected <component>_view or <component>_action, see GET /platform/iam/v1/role/permission-config`,
  },
);

export const RoleName = z
  .string({ error: "must be a string" })
  .trim()
  .min(1, "must not be empty")
  .max(128, "must be at most 128 characters")
  .describe("Display name (the reference's `pretty_name`); unique.");

/**
 * `POST /platform/iam/v1/role` request_data. Give permissions either as the reference's
 * `component_permissions` (a list of `<component>_view` / `<component>_action` names; an action
 * implies its view) or as `components` (our extension: `{component: level}`).
 */
export const CreateRoleRequest = z
  .object({
    pretty_name: RoleName,
    description: z.string().max(1024, "must be at most 1024 characters").nullish(),
    component_permissions: z.array(PermissionName).optional(),
    components: ComponentPermissions.optional(),
    dataset_permissions: z
      .array(
        z.object({
          category: z.string(),
          access_all: z.boolean().optional(),
          permissions: z.array(z.string()).optional(),
        }),
      )
      .optional()
      .describe(
        "Accepted for compatibility and stored; keyplane does not evaluate dataset permissions.",
      ),
  })
  .refine(
    (r) => (r.component_permissions?.length ?? 0) > 0 || Object.keys(r.components ?? {}).length > 0,
    {
      message: "must grant at least one permission: give `component_permissions` or `components`",
      path: ["components"],
    },
  );
export type CreateRoleRequest = z.input<typeof CreateRoleRequest>;

/** `PUT /platform/iam/v1/role/{role_id}` (extension): every field optional; `pretty_name` renames. */
export const UpdateRoleRequest = z.object({
  pretty_name: RoleName.optional(),
  description: z.string().max(1024, "must be at most 1024 characters").nullish(),
  component_permissions: z.array(PermissionName).optional(),
  components: ComponentPermissions.optional(),
  dataset_permissions: z
    .array(
      z.object({
        category: z.string(),
        access_all: z.boolean().optional(),
        permissions: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});
export type UpdateRoleRequest = z.input<typeof UpdateRoleRequest>;

/** A role as `GET /platform/iam/v1/role` lists it (plus our `components`). */
export const Role = z
  .object({
    role_id: z.string(),
    pretty_name: z.string(),
    description: z.string().nullable(),
    is_custom: z.boolean(),
    created_by: z.string().nullable(),
    created_ts: z.number().nullable(),
    updated_ts: z.number().nullable(),
    components: ComponentPermissions.optional().describe("Level per component (extension)."),
    component_permissions: z
      .array(z.string())
      .optional()
      .describe("The same, as machine permission names (extension)."),
  })
  .loose();
export type Role = z.infer<typeof Role>;

export const RoleListReply = dataEnvelope(z.array(Role));
export const RoleReply = dataEnvelope(Role);
export const RoleCreatedReply = dataEnvelope(
  MessageData.extend({ role_id: z.string().optional() }),
);
export const RoleMessageReply = dataEnvelope(MessageData);

/** `GET /platform/iam/v1/role/permission-config`. */
export const PermissionConfigReply = dataEnvelope(
  z.object({
    rbac_permissions: z.array(
      z.object({
        category_name: z.string(),
        sub_categories: z.array(
          z.object({
            sub_category_name: z.string(),
            permissions: z.array(
              z.object({
                name: z.string(),
                view_name: z.string(),
                action_name: z.string(),
                sub_permissions: z.array(z.object({ action_name: z.string(), name: z.string() })),
              }),
            ),
          }),
        ),
      }),
    ),
    datasetGroups: z.array(
      z.object({ datasets: z.array(z.string()), dataset_category: z.string() }),
    ),
  }),
);

/** `POST /public_api/v1/rbac/get_roles` request_data. */
export const GetRolesRequest = z.object({
  role_names: z
    .array(z.string().min(1))
    .min(1, "must name at least one role")
    .max(1000, "must name at most 1000 roles"),
});
export const LegacyRole = z
  .object({
    pretty_name: z.string(),
    permissions: z.array(z.string()),
    insert_time: z.number().nullable(),
    update_time: z.number().nullable(),
    created_by: z.string().nullable(),
    description: z.string().nullable(),
    groups: z.array(z.string()),
    users: z.array(z.string()),
  })
  .loose();
export const GetRolesReply = replyEnvelope(z.array(z.array(LegacyRole)));

/** Turns `component_permissions` names into levels (an action implies view). */
export function permissionsFromNames(
  names: string[],
): Partial<Record<ComponentName, "view" | "view_edit">> {
  const out: Partial<Record<ComponentName, "view" | "view_edit">> = {};
  for (const n of names) {
    const m = /^(.*)_(view|action)$/.exec(n);
    if (!m) continue;
    const c = m[1] as ComponentName;
    if (m[2] === "action") out[c] = "view_edit";
    else if (out[c] !== "view_edit") out[c] = "view";
  }
  return out;
}

/** Turns levels into `component_permissions` names. */
export function namesFromPermissions(p: ComponentPermissions): string[] {
  const out: string[] = [];
  for (const c of COMPONENT_NAMES) {
    const l = p[c];
    if (l === "view" || l === "view_edit") out.push(`${c}_view`);
    if (l === "view_edit") out.push(`${c}_action`);
  }
  return out;
}
