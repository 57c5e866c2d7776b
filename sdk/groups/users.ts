/** `client.users`: the users of Access Management, and the legacy `rbac` user calls. */
import type { z } from "zod";
import type { GetUsersReply, User as UserSchema } from "../contract";
import type { CallOptions } from "../transport";
import { compact } from "../wire";
import { CallGroup, idempotent, totalOf, type Page, type PageRange } from "./base";

/** A user (wire shape). `get` adds `effective_roles` and `effective_permissions`. */
export type User = z.output<typeof UserSchema>;
/** The legacy `rbac/get_users` reply. */
export type LegacyUsers = z.output<typeof GetUsersReply>["reply"];

/** `create` input. */
export interface CreateUserInput {
  /** The user's email, its id (wire `user_email`). */
  email: string;
  /** Wire `user_first_name`. */
  firstName?: string | null;
  /** Wire `user_last_name`. */
  lastName?: string | null;
  /** Wire `phone_number`. */
  phoneNumber?: string | null;
  /** The direct role, by id or display name (wire `role_id`). */
  roleId?: string | null;
  /** Group ids to join (wire `user_groups`). */
  groupIds?: string[];
}

/** `patch` input: any subset. `roleId: ""` or `null` removes the direct role; `groupIds` is the complete list. */
export interface PatchUserInput extends Omit<CreateUserInput, "email"> {
  /** `Active` or `Inactive`. */
  status?: "Active" | "Inactive";
  /** Wire `is_hidden`. */
  isHidden?: boolean;
}

function userToWire(
  i: Partial<CreateUserInput> & Partial<PatchUserInput>,
): Record<string, unknown> {
  return compact({
    user_email: i.email,
    user_first_name: i.firstName,
    user_last_name: i.lastName,
    phone_number: i.phoneNumber,
    role_id: i.roleId,
    user_groups: i.groupIds,
    status: i.status,
    is_hidden: i.isHidden,
  });
}

/** Users. */
export class UsersApi extends CallGroup {
  /** A page of users. */
  async list(range: PageRange = {}, opts?: CallOptions): Promise<Page<User>> {
    const b = (
      await this.call(
        "users.list",
        { query: { search_from: range.searchFrom, search_to: range.searchTo } },
        opts,
      )
    ).body;
    return { items: b.data, totalCount: totalOf(b) };
  }

  /** One user by email, with its effective roles and permissions. */
  async get(email: string, opts?: CallOptions): Promise<User> {
    return (await this.call("users.get", { params: { email } }, opts)).body.data;
  }

  /** Creates a user (extension; the reference's users come from SSO). Not retried. */
  async create(input: CreateUserInput, opts?: CallOptions): Promise<{ message: string }> {
    return (
      await this.call("users.create", { body: userToWire(input), headers: idempotent() }, opts)
    ).body.data;
  }

  /** Updates a user. */
  async patch(
    email: string,
    input: PatchUserInput,
    opts?: CallOptions,
  ): Promise<{ message: string }> {
    return (await this.call("users.patch", { params: { email }, body: userToWire(input) }, opts))
      .body.data;
  }

  /** Deletes a user. */
  async delete(email: string, opts?: CallOptions): Promise<{ message: string }> {
    return (await this.call("users.delete", { params: { email } }, opts)).body.data;
  }

  /** Legacy `rbac/get_users`: every user with group names and scope. */
  async listLegacy(opts?: CallOptions): Promise<LegacyUsers> {
    return (await this.call("rbac.getUsers", {}, opts)).body.reply;
  }

  /** Legacy `rbac/set_user_role`: sets (or with `""` removes) users' direct role; returns how many changed. */
  async setRole(emails: string[], roleName: string, opts?: CallOptions): Promise<number> {
    const r = (
      await this.call(
        "rbac.setUserRole",
        { body: { user_emails: emails, role_name: roleName } },
        opts,
      )
    ).body.reply;
    return Number(r.update_count);
  }
}
