/** `client.bindings`: role bindings (extension), one (principal, role) row each. */
import type { PrincipalType, RoleBinding } from "../contract";
import type { CallOptions } from "../transport";
import { CallGroup, idempotent, totalOf, type Page, type PageRange } from "./base";

/** Re-exported from the contract (zod output types). */
export type { RoleBinding };

/** `list` input: filters and a page window. */
export interface ListBindingsInput extends PageRange {
  /** `user`, `user-group` or `api-key` (wire `principal_type`). */
  principalType?: PrincipalType;
  /** User email, group id or key id (wire `principal_id`). */
  principalId?: string | number;
  /** Role id (wire `role_id`). */
  roleId?: string;
}

/** `create` input. */
export interface CreateBindingInput {
  /** `user`, `user-group` or `api-key`. */
  principalType: PrincipalType;
  /** User email, group id or key id. */
  principalId: string | number;
  /** Role id or display name. */
  role: string;
}

/** Role bindings. */
export class BindingsApi extends CallGroup {
  /** A page of bindings, optionally for one principal or role. */
  async list(input: ListBindingsInput = {}, opts?: CallOptions): Promise<Page<RoleBinding>> {
    const query = {
      search_from: input.searchFrom,
      search_to: input.searchTo,
      principal_type: input.principalType,
      principal_id: input.principalId === undefined ? undefined : String(input.principalId),
      role_id: input.roleId,
    };
    const b = (await this.call("bindings.list", { query }, opts)).body;
    return { items: b.data, totalCount: totalOf(b) };
  }

  /** One binding. */
  async get(bindingId: string, opts?: CallOptions): Promise<RoleBinding> {
    return (await this.call("bindings.get", { params: { binding_id: bindingId } }, opts)).body.data;
  }

  /** Binds a role to a principal; returns the binding. Not retried (a repeat is a 409). */
  async create(input: CreateBindingInput, opts?: CallOptions): Promise<RoleBinding> {
    const body = {
      principal_type: input.principalType,
      principal_id: String(input.principalId),
      role: input.role,
    };
    return (await this.call("bindings.create", { body, headers: idempotent() }, opts)).body.data;
  }

  /** Deletes a binding made through this API (others are {@link ForbiddenError} `READ_ONLY`). */
  async delete(bindingId: string, opts?: CallOptions): Promise<{ message: string }> {
    return (await this.call("bindings.delete", { params: { binding_id: bindingId } }, opts)).body
      .data;
  }
}
