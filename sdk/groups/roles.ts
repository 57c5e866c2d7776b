/** `client.roles`: predefined and custom roles, the permission config, and the legacy lookup by name. */
import type { z } from "zod";
import type {
  ComponentPermissions,
  GetRolesReply,
  PermissionConfigReply,
  Role as RoleSchema,
  RoleCreatedReply,
} from "../contract";
import type { CallOptions } from "../transport";
import { compact, snakeKeys } from "../wire";
import { CallGroup, idempotent, totalOf, type Page, type PageRange } from "./base";

/** A role (wire shape), with its permissions as `components` and `component_permissions`. */
export type Role = z.output<typeof RoleSchema>;
/** The permission names a role can hold, by category. */
export type PermissionConfig = z.output<typeof PermissionConfigReply>["data"];
/** The legacy `rbac/get_roles` reply: one list per name asked for (empty when unknown). */
export type LegacyRoles = z.output<typeof GetRolesReply>["reply"];
/** The reply to `create`: a message and the new role's id. */
export type RoleCreated = z.output<typeof RoleCreatedReply>["data"];

/** Dataset permissions (stored for compatibility; keyplane does not evaluate them). */
export interface DatasetPermissionInput {
  category: string;
  /** Wire `access_all`. */
  accessAll?: boolean;
  permissions?: string[];
}

/** `create` input. Give permissions as `components` (levels) or `componentPermissions` (names), or both. */
export interface CreateRoleInput {
  /** The display name, unique (wire `pretty_name`). */
  name: string;
  /** Free text. */
  description?: string | null;
  /** Level per component, e.g. `{ public_api: "view_edit" }`. */
  components?: ComponentPermissions;
  /** Permission names as the reference spells them, e.g. `["public_api_action"]` (wire `component_permissions`). */
  componentPermissions?: string[];
  /** Wire `dataset_permissions`. */
  datasetPermissions?: DatasetPermissionInput[];
}

/** `update` input: any subset; `name` renames. */
export type UpdateRoleInput = Partial<CreateRoleInput>;

function roleToWire(i: UpdateRoleInput): Record<string, unknown> {
  return compact({
    pretty_name: i.name,
    description: i.description,
    components: i.components,
    component_permissions: i.componentPermissions,
    dataset_permissions:
      i.datasetPermissions === undefined ? undefined : snakeKeys(i.datasetPermissions),
  });
}

/** Roles. */
export class RolesApi extends CallGroup {
  /** A page of roles (predefined and custom). */
  async list(range: PageRange = {}, opts?: CallOptions): Promise<Page<Role>> {
    const b = (
      await this.call(
        "roles.list",
        { query: { search_from: range.searchFrom, search_to: range.searchTo } },
        opts,
      )
    ).body;
    return { items: b.data, totalCount: totalOf(b) };
  }

  /** One role by id or display name. */
  async get(roleId: string, opts?: CallOptions): Promise<Role> {
    return (await this.call("roles.get", { params: { role_id: roleId } }, opts)).body.data;
  }

  /** Creates a custom role; returns its id. Not retried (a repeat would be a 409). */
  async create(input: CreateRoleInput, opts?: CallOptions): Promise<RoleCreated> {
    return (
      await this.call("roles.create", { body: roleToWire(input), headers: idempotent() }, opts)
    ).body.data;
  }

  /** Updates a custom role (predefined roles are read-only: {@link ForbiddenError} `READ_ONLY`). */
  async update(
    roleId: string,
    input: UpdateRoleInput,
    opts?: CallOptions,
  ): Promise<{ message: string }> {
    return (
      await this.call(
        "roles.update",
        { params: { role_id: roleId }, body: roleToWire(input) },
        opts,
      )
    ).body.data;
  }

  /** Deletes a custom role that nothing is bound to ({@link ConflictError} `IN_USE` otherwise). */
  async delete(
    roleId: string,
    options: { whenUnused?: boolean } = {},
    opts?: CallOptions,
  ): Promise<{ message: string; retired?: boolean }> {
    const query = options.whenUnused ? { when_unused: "true" } : {};
    return (await this.call("roles.delete", { params: { role_id: roleId }, query }, opts)).body
      .data as { message: string; retired?: boolean };
  }

  /** The permission names a role can hold (`GET /platform/iam/v1/role/permission-config`). */
  async permissionConfig(opts?: CallOptions): Promise<PermissionConfig> {
    return (await this.call("roles.permissionConfig", {}, opts)).body.data;
  }

  /** Legacy `rbac/get_roles`: roles by display name, one list per name; an unknown name is a `BadRequestError` (400), as in the reference. */
  async getByNames(names: string[], opts?: CallOptions): Promise<LegacyRoles> {
    return (await this.call("rbac.getRoles", { body: { role_names: names } }, opts)).body.reply;
  }
}
