/**
 * User groups: members, nesting (a member of a nested group belongs to its parents, at any
 * depth), a direct role and IdP group names. Reads of a list and its details are plain reads,
 * not a transaction (on SQLite a transaction takes the write lock): they may be a write apart,
 * as any paged API's are.
 */
import { directRoles, setDirectRole, type DirectRole } from "./bindings";
import type { Driver, Param } from "./driver";
import { bump } from "./revision";
import { countOf, nameKey, num, PAGING, placeholders, str } from "./sql";

export interface GroupRecord {
  groupId: string;
  groupName: string;
  description: string | null;
  groupType: string;
  idpGroups: string[];
  createdBy: string | null;
  createdTs: number;
  updatedTs: number | null;
}

/** A group as listed: with its direct role, its members and the groups nested in it. */
export interface GroupDetails extends GroupRecord {
  role: DirectRole | null;
  users: string[];
  nestedGroups: GroupRef[];
}

export interface GroupRef {
  groupId: string;
  groupName: string;
}

/** How a user or group write sets the principal's direct role. */
export interface DirectRoleWrite {
  roleId: string | null;
  bindingId: string;
  by: string | null;
}

interface GroupRow {
  group_id: string;
  group_name: string;
  description: string | null;
  group_type: string;
  idp_groups: string | null;
  created_by: string | null;
  created_ts: number | string;
  updated_ts: number | string | null;
}

function fromRow(r: GroupRow): GroupRecord {
  return {
    groupId: String(r.group_id),
    groupName: String(r.group_name),
    description: str(r.description),
    groupType: String(r.group_type),
    idpGroups: JSON.parse(String(r.idp_groups ?? "[]")),
    createdBy: str(r.created_by),
    createdTs: Number(r.created_ts),
    updatedTs: num(r.updated_ts),
  };
}

/** The groups each of the given users is a direct member of, by name. */
export async function groupsOfUsers(d: Driver, emails: string[]): Promise<Map<string, GroupRef[]>> {
  const out = new Map<string, GroupRef[]>();
  if (emails.length === 0) return out;
  const rows = await d.all<{ email: string; group_id: string; group_name: string }>(
    `SELECT m.email, g.group_id, g.group_name FROM group_members m JOIN user_groups g ON g.group_id = m.group_id
     WHERE m.email IN (${placeholders(emails.length)}) ORDER BY g.name_key`,
    emails,
  );
  for (const r of rows) {
    const list = out.get(String(r.email)) ?? [];
    list.push({ groupId: String(r.group_id), groupName: String(r.group_name) });
    out.set(String(r.email), list);
  }
  return out;
}

async function groupDetails(d: Driver, groups: GroupRecord[]): Promise<GroupDetails[]> {
  const ids = groups.map((g) => g.groupId);
  const roles = await directRoles(d, "user-group", ids);
  const members = new Map<string, string[]>();
  const nested = new Map<string, GroupRef[]>();
  if (ids.length) {
    for (const r of await d.all<{ group_id: string; email: string }>(
      `SELECT group_id, email FROM group_members WHERE group_id IN (${placeholders(ids.length)}) ORDER BY email`,
      ids,
    )) {
      const l = members.get(String(r.group_id)) ?? [];
      l.push(String(r.email));
      members.set(String(r.group_id), l);
    }
    for (const r of await d.all<{ group_id: string; child_id: string; group_name: string }>(
      `SELECT n.group_id, g.group_id AS child_id, g.group_name FROM group_nesting n JOIN user_groups g ON g.group_id = n.child_group_id
       WHERE n.group_id IN (${placeholders(ids.length)}) ORDER BY g.name_key`,
      ids,
    )) {
      const l = nested.get(String(r.group_id)) ?? [];
      l.push({ groupId: String(r.child_id), groupName: String(r.group_name) });
      nested.set(String(r.group_id), l);
    }
  }
  return groups.map((g) => ({
    ...g,
    role: roles.get(g.groupId) ?? null,
    users: members.get(g.groupId) ?? [],
    nestedGroups: nested.get(g.groupId) ?? [],
  }));
}

async function addMembers(d: Driver, groupId: string, users: string[], nestedIds: string[]) {
  for (const u of users)
    await d.run("INSERT INTO group_members (group_id, email) VALUES (?, ?)", [groupId, u]);
  for (const n of nestedIds)
    await d.run("INSERT INTO group_nesting (group_id, child_group_id) VALUES (?, ?)", [groupId, n]);
}

type Edge = { group_id: string; child_group_id: string };

export class GroupStore {
  constructor(private readonly driver: Driver) {}

  async list(offset: number, limit: number, names?: string[]) {
    const d = this.driver;
    const w = names ? `WHERE name_key IN (${placeholders(names.length)})` : "";
    const p: Param[] = names ? names.map(nameKey) : [];
    const rows =
      names && names.length === 0
        ? []
        : await d.all<GroupRow>(`SELECT * FROM user_groups ${w} ORDER BY name_key ${PAGING}`, [
            ...p,
            limit,
            offset,
          ]);
    const total = await countOf(d, "SELECT COUNT(*) AS c FROM user_groups");
    return { rows: await groupDetails(d, rows.map(fromRow)), total };
  }

  async get(groupId: string): Promise<GroupDetails | undefined> {
    const r = await this.driver.get<GroupRow>("SELECT * FROM user_groups WHERE group_id = ?", [
      groupId,
    ]);
    if (!r) return undefined;
    return (await groupDetails(this.driver, [fromRow(r)]))[0];
  }

  async existing(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.driver.all<Pick<GroupRow, "group_id">>(
      `SELECT group_id FROM user_groups WHERE group_id IN (${placeholders(ids.length)})`,
      ids,
    );
    return new Set(rows.map((r) => String(r.group_id)));
  }

  async create(
    g: GroupRecord,
    direct: DirectRoleWrite,
    users: string[],
    nestedIds: string[],
  ): Promise<void> {
    await this.driver.tx(async (d) => {
      await d.run(
        `INSERT INTO user_groups (group_id, group_name, name_key, description, group_type, idp_groups, created_by, created_ts, updated_ts)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
        [
          g.groupId,
          g.groupName,
          nameKey(g.groupName),
          g.description,
          g.groupType,
          JSON.stringify(g.idpGroups),
          g.createdBy,
          g.createdTs,
        ],
      );
      const { roleId, bindingId, by } = direct;
      await setDirectRole(d, "user-group", g.groupId, roleId, bindingId, by, g.createdTs);
      await addMembers(d, g.groupId, users, nestedIds);
      await bump(d);
    });
  }

  async patch(
    groupId: string,
    p: {
      groupName?: string;
      description?: string | null;
      idpGroups?: string[];
      direct?: DirectRoleWrite;
      users?: string[];
      nestedIds?: string[];
      now: number;
    },
  ): Promise<boolean> {
    return this.driver.tx(async (d) => {
      const sets: string[] = ["updated_ts = ?"];
      const params: Param[] = [p.now];
      if (p.groupName !== undefined)
        (sets.push("group_name = ?", "name_key = ?"),
          params.push(p.groupName, nameKey(p.groupName)));
      if (p.description !== undefined) (sets.push("description = ?"), params.push(p.description));
      if (p.idpGroups !== undefined)
        (sets.push("idp_groups = ?"), params.push(JSON.stringify(p.idpGroups)));
      const r = await d.run(`UPDATE user_groups SET ${sets.join(", ")} WHERE group_id = ?`, [
        ...params,
        groupId,
      ]);
      if (r.changes === 0) return false;
      if (p.direct) {
        const { roleId, bindingId, by } = p.direct;
        await setDirectRole(d, "user-group", groupId, roleId, bindingId, by, p.now);
      }
      if (p.users) {
        await d.run("DELETE FROM group_members WHERE group_id = ?", [groupId]);
        await addMembers(d, groupId, p.users, []);
      }
      if (p.nestedIds) {
        await d.run("DELETE FROM group_nesting WHERE group_id = ?", [groupId]);
        await addMembers(d, groupId, [], p.nestedIds);
      }
      await bump(d);
      return true;
    });
  }

  async delete(groupId: string): Promise<boolean> {
    return this.driver.tx(async (d) => {
      await d.run("DELETE FROM group_nesting WHERE group_id = ? OR child_group_id = ?", [
        groupId,
        groupId,
      ]);
      await d.run("DELETE FROM group_members WHERE group_id = ?", [groupId]);
      const r = await d.run("DELETE FROM user_groups WHERE group_id = ?", [groupId]);
      if (r.changes === 0) return false;
      await d.run(
        "DELETE FROM role_bindings WHERE principal_type = 'user-group' AND principal_id = ?",
        [groupId],
      );
      await d.run("DELETE FROM entity_scopes WHERE entity_type = 'user-group' AND entity_id = ?", [
        groupId,
      ]);
      await bump(d);
      return true;
    });
  }

  /** The groups a user belongs to, directly or through nesting (a member of a nested group belongs to its parent). */
  async idsOfUser(email: string): Promise<string[]> {
    const direct = (
      await this.driver.all<{ group_id: string }>(
        "SELECT group_id FROM group_members WHERE email = ?",
        [email],
      )
    ).map((r) => String(r.group_id));
    return this.withParents(direct);
  }

  /** The given groups and every group they are nested in, transitively (their members belong to all of them). */
  async withParents(direct: string[]): Promise<string[]> {
    const edges = await this.driver.all<Edge>("SELECT group_id, child_group_id FROM group_nesting");
    const parents = new Map<string, string[]>();
    for (const e of edges) {
      const l = parents.get(String(e.child_group_id)) ?? [];
      l.push(String(e.group_id));
      parents.set(String(e.child_group_id), l);
    }
    const seen = new Set<string>(direct);
    const queue = [...direct];
    while (queue.length) {
      const g = queue.shift()!;
      for (const p of parents.get(g) ?? []) if (!seen.has(p)) (seen.add(p), queue.push(p));
    }
    return [...seen];
  }

  /** Would nesting `childIds` under `groupId` make a cycle? */
  async nestingCycle(groupId: string, childIds: string[]): Promise<boolean> {
    const edges = await this.driver.all<Edge>(
      "SELECT group_id, child_group_id FROM group_nesting WHERE group_id <> ?",
      [groupId],
    );
    const children = new Map<string, string[]>();
    for (const e of edges) {
      const l = children.get(String(e.group_id)) ?? [];
      l.push(String(e.child_group_id));
      children.set(String(e.group_id), l);
    }
    const seen = new Set<string>();
    const stack = [...childIds];
    while (stack.length) {
      const g = stack.pop()!;
      if (g === groupId) return true;
      if (seen.has(g)) continue;
      seen.add(g);
      stack.push(...(children.get(g) ?? []));
    }
    return false;
  }
}
