/** `client.groups`: user groups, and the legacy `rbac/get_user_group`. */
import type { z } from "zod";
import type { GetUserGroupReply, Group as GroupSchema, GroupCreatedReply } from "../contract";
import type { CallOptions } from "../transport";
import { compact } from "../wire";
import { CallGroup, idempotent, totalOf, type Page, type PageRange } from "./base";

/** A user group (wire shape). */
export type Group = z.output<typeof GroupSchema>;
/** The reply to `create`: a message and the new group's id. */
export type GroupCreated = z.output<typeof GroupCreatedReply>["data"];
/** The legacy `rbac/get_user_group` reply. */
export type LegacyGroups = z.output<typeof GetUserGroupReply>["reply"];

/** `create` input. */
export interface CreateGroupInput {
  /** Unique name (wire `group_name`). */
  name: string;
  /** Free text. */
  description?: string | null;
  /** The group's role, by id or display name (wire `role_id`). */
  roleId?: string | null;
  /** Member emails. */
  users?: string[];
  /** Nested group ids (wire `nested_group_ids`). */
  nestedGroupIds?: string[];
  /** Identity-provider group names (wire `idp_groups`). */
  idpGroups?: string[];
}

/** `patch` input: any subset; an empty string or list clears a field. */
export type PatchGroupInput = Partial<CreateGroupInput>;

function groupToWire(i: PatchGroupInput): Record<string, unknown> {
  return compact({
    group_name: i.name,
    description: i.description,
    role_id: i.roleId,
    users: i.users,
    nested_group_ids: i.nestedGroupIds,
    idp_groups: i.idpGroups,
  });
}

/** User groups. */
export class GroupsApi extends CallGroup {
  /** A page of user groups. */
  async list(range: PageRange = {}, opts?: CallOptions): Promise<Page<Group>> {
    const b = (
      await this.call(
        "groups.list",
        { query: { search_from: range.searchFrom, search_to: range.searchTo } },
        opts,
      )
    ).body;
    return { items: b.data, totalCount: totalOf(b) };
  }

  /** One group by id. */
  async get(groupId: string, opts?: CallOptions): Promise<Group> {
    return (await this.call("groups.get", { params: { group_id: groupId } }, opts)).body.data;
  }

  /** Creates a group; returns its id. Not retried. */
  async create(input: CreateGroupInput, opts?: CallOptions): Promise<GroupCreated> {
    return (
      await this.call("groups.create", { body: groupToWire(input), headers: idempotent() }, opts)
    ).body.data;
  }

  /** Updates a group. */
  async patch(
    groupId: string,
    input: PatchGroupInput,
    opts?: CallOptions,
  ): Promise<{ message: string }> {
    return (
      await this.call(
        "groups.patch",
        { params: { group_id: groupId }, body: groupToWire(input) },
        opts,
      )
    ).body.data;
  }

  /** Deletes a group. */
  async delete(groupId: string, opts?: CallOptions): Promise<{ message: string }> {
    return (await this.call("groups.delete", { params: { group_id: groupId } }, opts)).body.data;
  }

  /** Legacy `rbac/get_user_group`: groups by name; an unknown name is a `BadRequestError` (400), as in the reference. */
  async getByNames(names: string[], opts?: CallOptions): Promise<LegacyGroups> {
    return (await this.call("rbac.getUserGroup", { body: { group_names: names } }, opts)).body
      .reply;
  }
}
