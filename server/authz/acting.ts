/**
 * Acting on principals. Granting is checked by the ceiling in grants.ts; this module checks the
 * other direction: editing, revoking, deleting, retiring or shortening a key, removing a binding,
 * editing or deleting a user or a group, or setting its scope, needs at least the privileges of
 * the principal acted on (its components, an administrator role, and with SBAC on its scope), as
 * role edits already do. Otherwise a lower key could disable a higher one.
 *
 * It also keeps the tenant administrable: no call may remove the last active key or user that
 * holds an administrator role, since nothing can create a new one afterwards.
 */
import { canonicalScope, type CanonicalScope, type ComponentPermissions } from "../../sdk/contract";
import type { CallCtx } from "../http/context";
import { ApiError } from "../errors";
import type { BindingRecord, PrincipalType } from "../store/store";
import { ADMIN_ROLE_IDS, exceeding } from "./roles";
import { scopeExceeds } from "./scope";

interface Privileges {
  permissions: ComponentPermissions;
  admin: boolean;
  scope: CanonicalScope | null;
}

/** What a principal holds: its roles (a user's and a group's include their groups'), and its scope. */
export async function privilegesOf(
  c: CallCtx,
  type: PrincipalType,
  id: string,
): Promise<Privileges | undefined> {
  const { store, cache } = c.svc;
  if (type === "api-key") {
    const k = /^[1-9][0-9]{0,14}$/.test(id) ? await cache.key(Number(id)) : null;
    // A revoked key holds nothing any more (it never authenticates again): anyone may clear it away.
    return k && k.status !== "revoked"
      ? { permissions: k.permissions, admin: k.admin, scope: k.scope }
      : undefined;
  }
  if (!(await store.principalExists(type, id))) return undefined;
  const groups =
    type === "user" ? await store.groupIdsOfUser(id) : await store.groupsWithParents([id]);
  const roleIds = new Set(type === "user" ? await store.roleIdsOf("user", id) : []);
  for (const g of groups) for (const r of await store.roleIdsOf("user-group", g)) roleIds.add(r);
  const eff = await cache.permissionsOf([...roleIds]);
  const s = await store.getEntityScope(type, id);
  return { permissions: eff.permissions, admin: eff.admin, scope: s?.areas ?? null };
}

const label = (type: PrincipalType, id: string) =>
  type === "api-key" ? `API key ${id}` : type === "user" ? `user ${id}` : `user group ${id}`;

/**
 * Refuses (403 PRIVILEGE_ESCALATION) when the caller holds less than the principal it acts on.
 * A principal that does not exist passes: the handler answers for it as it always did.
 */
export async function assertCanActOn(
  c: CallCtx,
  type: PrincipalType,
  id: string,
  what: string,
): Promise<void> {
  const p = c.principal;
  if (p.admin) return;
  if (type === "api-key" && id === String(p.keyId)) return; // a key may always act on itself
  const target = await privilegesOf(c, type, id);
  if (!target) return;
  const lack = exceeding(target.permissions, p.permissions).map(
    (o) => `${o.component} (${o.want} > your ${o.have})`,
  );
  if (target.admin) lack.push("an administrator role");
  if (target.scope && (await c.svc.cache.getSettings()).sbac_enabled) {
    const wider = scopeExceeds(target.scope, p.scope ?? canonicalScope(undefined));
    if (wider.length) lack.push(`a scope wider than yours in ${wider.join(", ")}`);
  }
  if (lack.length) {
    throw new ApiError(
      "PRIVILEGE_ESCALATION",
      `${what} needs at least the privileges of ${label(type, id)}, which holds more than you: ${lack.join(", ")}`,
      {
        detail: lack.join(", "),
      },
    );
  }
}

// ---------------------------------------------------------------- the last administrator

/** The facts that decide who holds an administrator role. */
interface AdminWorld {
  /** Bindings of administrator roles. */
  bindings: BindingRecord[];
  /** Keys that can still authenticate (active, not expired, not retiring). */
  liveKeys: Set<number>;
  /** Members and nested groups of the groups involved. */
  members: Map<string, string[]>;
  children: Map<string, string[]>;
}

/** A change a call is about to make, as far as administrators are concerned. */
export interface AdminChange {
  dropKeys?: number[];
  dropUsers?: string[];
  dropGroups?: string[];
  dropBindings?: (b: BindingRecord) => boolean;
  /** New member lists of a group. */
  setGroup?: { groupId: string; users?: string[]; nested?: string[] };
  /** New group list of a user. */
  setUserGroups?: { email: string; groups: string[] };
}

async function loadAdminWorld(c: CallCtx): Promise<AdminWorld> {
  const { store } = c.svc;
  const bindings: BindingRecord[] = [];
  for (const roleId of ADMIN_ROLE_IDS)
    bindings.push(...(await store.listBindings({ roleId }, 0, 100_000)).rows);
  const liveKeys = new Set<number>();
  const members = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  const queue: string[] = [];
  for (const b of bindings) {
    if (b.principalType === "api-key") {
      const k = await store.getKey(Number(b.principalId));
      if (
        k &&
        k.status === "active" &&
        !k.retiring &&
        (k.expiration === null || k.expiration > c.now)
      )
        liveKeys.add(k.id);
    } else if (b.principalType === "user-group") queue.push(b.principalId);
  }
  while (queue.length) {
    const gid = queue.shift()!;
    if (members.has(gid)) continue;
    const g = await store.getGroup(gid);
    members.set(gid, g?.users ?? []);
    children.set(gid, g?.nestedGroups.map((n) => n.groupId) ?? []);
    queue.push(...(children.get(gid) ?? []));
  }
  return { bindings, liveKeys, members, children };
}

/** Keys and users holding an administrator role in `w` after `ch`. */
function adminHolders(w: AdminWorld, ch: AdminChange): { keys: number[]; users: string[] } {
  const goneKeys = new Set(ch.dropKeys ?? []);
  const goneUsers = new Set(ch.dropUsers ?? []);
  const goneGroups = new Set(ch.dropGroups ?? []);
  const members = new Map(w.members);
  const children = new Map(w.children);
  if (ch.setGroup) {
    if (ch.setGroup.users) members.set(ch.setGroup.groupId, ch.setGroup.users);
    if (ch.setGroup.nested) children.set(ch.setGroup.groupId, ch.setGroup.nested);
  }
  if (ch.setUserGroups) {
    const { email, groups } = ch.setUserGroups;
    for (const [g, us] of members)
      if (!groups.includes(g))
        members.set(
          g,
          us.filter((u) => u !== email),
        );
  }
  const keys: number[] = [];
  const users = new Set<string>();
  const walk = (gid: string, seen: Set<string>) => {
    if (goneGroups.has(gid) || seen.has(gid)) return;
    seen.add(gid);
    for (const u of members.get(gid) ?? []) users.add(u);
    for (const n of children.get(gid) ?? []) walk(n, seen);
  };
  for (const b of w.bindings) {
    if (ch.dropBindings?.(b)) continue;
    if (b.principalType === "api-key") {
      const id = Number(b.principalId);
      if (w.liveKeys.has(id) && !goneKeys.has(id)) keys.push(id);
    } else if (b.principalType === "user") users.add(b.principalId);
    else walk(b.principalId, new Set());
  }
  return { keys, users: [...users].filter((u) => !goneUsers.has(u)) };
}

/**
 * Refuses (409 CONFLICT) a change that would leave no active key and no user holding an
 * administrator role, when one holds it now.
 */
export async function assertAdminRemains(c: CallCtx, ch: AdminChange, what: string): Promise<void> {
  const w = await loadAdminWorld(c);
  const before = adminHolders(w, {});
  if (before.keys.length + before.users.length === 0) return;
  const after = adminHolders(w, ch);
  if (after.keys.length + after.users.length === 0) {
    throw new ApiError(
      "CONFLICT",
      `${what} would leave the tenant with no active API key or user holding an administrator role; grant one to another key or user first`,
    );
  }
}
