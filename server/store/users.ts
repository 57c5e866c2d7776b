/** Users: profile fields, a direct role and direct group membership. */
import { directRoles, setDirectRole, type DirectRole } from "./bindings";
import type { Driver, Param } from "./driver";
import { groupsOfUsers, type DirectRoleWrite, type GroupRef } from "./groups";
import { bump } from "./revision";
import { countOf, num, type Page, PAGING, placeholders, str } from "./sql";

export interface UserRecord {
  email: string;
  firstName: string | null;
  lastName: string | null;
  phoneNumber: string | null;
  status: string;
  isHidden: boolean;
  userType: string;
  lastLoggedIn: number | null;
  createdTs: number;
  updatedTs: number | null;
}

/** A user as listed: with the direct role and the groups the user is a direct member of. */
export interface UserDetails extends UserRecord {
  role: DirectRole | null;
  groups: GroupRef[];
}

interface UserRow {
  email: string;
  first_name: string | null;
  last_name: string | null;
  phone_number: string | null;
  status: string;
  is_hidden: number | string;
  user_type: string;
  last_logged_in: number | string | null;
  created_ts: number | string;
  updated_ts: number | string | null;
}

function fromRow(r: UserRow): UserRecord {
  return {
    email: String(r.email),
    firstName: str(r.first_name),
    lastName: str(r.last_name),
    phoneNumber: str(r.phone_number),
    status: String(r.status),
    isHidden: Number(r.is_hidden) === 1,
    userType: String(r.user_type),
    lastLoggedIn: num(r.last_logged_in),
    createdTs: Number(r.created_ts),
    updatedTs: num(r.updated_ts),
  };
}

async function addToGroups(d: Driver, email: string, groupIds: string[]) {
  for (const g of groupIds)
    await d.run("INSERT INTO group_members (group_id, email) VALUES (?, ?)", [g, email]);
}

/**
 * Reads of a list and its details are plain reads, not a transaction (on SQLite a transaction
 * takes the write lock): they may be a write apart, as any paged API's are.
 */
export class UserStore {
  constructor(private readonly driver: Driver) {}

  async list(offset: number, limit: number): Promise<Page<UserDetails>> {
    const d = this.driver;
    const rows = await d.all<UserRow>(`SELECT * FROM users ORDER BY email ${PAGING}`, [
      limit,
      offset,
    ]);
    const total = await countOf(d, "SELECT COUNT(*) AS c FROM users");
    const users = rows.map(fromRow);
    const emails = users.map((u) => u.email);
    const roles = await directRoles(d, "user", emails);
    const groups = await groupsOfUsers(d, emails);
    return {
      rows: users.map((u) => ({
        ...u,
        role: roles.get(u.email) ?? null,
        groups: groups.get(u.email) ?? [],
      })),
      total,
    };
  }

  async get(email: string): Promise<UserDetails | undefined> {
    const d = this.driver;
    const r = await d.get<UserRow>("SELECT * FROM users WHERE email = ?", [email]);
    if (!r) return undefined;
    const u = fromRow(r);
    const roles = await directRoles(d, "user", [email]);
    const groups = await groupsOfUsers(d, [email]);
    return { ...u, role: roles.get(email) ?? null, groups: groups.get(email) ?? [] };
  }

  async create(u: UserRecord, direct: DirectRoleWrite, groupIds: string[]): Promise<void> {
    await this.driver.tx(async (d) => {
      await d.run(
        `INSERT INTO users (email, first_name, last_name, phone_number, status, is_hidden, user_type, last_logged_in, created_ts, updated_ts)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL)`,
        [
          u.email,
          u.firstName,
          u.lastName,
          u.phoneNumber,
          u.status,
          u.isHidden ? 1 : 0,
          u.userType,
          u.createdTs,
        ],
      );
      const { roleId, bindingId, by } = direct;
      await setDirectRole(d, "user", u.email, roleId, bindingId, by, u.createdTs);
      await addToGroups(d, u.email, groupIds);
      await bump(d);
    });
  }

  async patch(
    email: string,
    p: {
      firstName?: string | null;
      lastName?: string | null;
      phoneNumber?: string | null;
      status?: string;
      isHidden?: boolean;
      direct?: DirectRoleWrite;
      groupIds?: string[];
      now: number;
    },
  ): Promise<boolean> {
    return this.driver.tx(async (d) => {
      const sets: string[] = ["updated_ts = ?"];
      const params: Param[] = [p.now];
      if (p.firstName !== undefined) (sets.push("first_name = ?"), params.push(p.firstName));
      if (p.lastName !== undefined) (sets.push("last_name = ?"), params.push(p.lastName));
      if (p.phoneNumber !== undefined) (sets.push("phone_number = ?"), params.push(p.phoneNumber));
      if (p.status !== undefined) (sets.push("status = ?"), params.push(p.status));
      if (p.isHidden !== undefined) (sets.push("is_hidden = ?"), params.push(p.isHidden ? 1 : 0));
      const r = await d.run(`UPDATE users SET ${sets.join(", ")} WHERE email = ?`, [
        ...params,
        email,
      ]);
      if (r.changes === 0) return false;
      if (p.direct) {
        const { roleId, bindingId, by } = p.direct;
        await setDirectRole(d, "user", email, roleId, bindingId, by, p.now);
      }
      if (p.groupIds) {
        await d.run("DELETE FROM group_members WHERE email = ?", [email]);
        await addToGroups(d, email, p.groupIds);
      }
      await bump(d);
      return true;
    });
  }

  async delete(email: string): Promise<boolean> {
    return this.driver.tx(async (d) => {
      const r = await d.run("DELETE FROM users WHERE email = ?", [email]);
      if (r.changes === 0) return false;
      await d.run("DELETE FROM role_bindings WHERE principal_type = 'user' AND principal_id = ?", [
        email,
      ]);
      await d.run("DELETE FROM entity_scopes WHERE entity_type = 'user' AND entity_id = ?", [
        email,
      ]);
      await bump(d);
      return true;
    });
  }

  async existing(emails: string[]): Promise<Set<string>> {
    if (emails.length === 0) return new Set();
    const rows = await this.driver.all<Pick<UserRow, "email">>(
      `SELECT email FROM users WHERE email IN (${placeholders(emails.length)})`,
      emails,
    );
    return new Set(rows.map((r) => String(r.email)));
  }
}
