/**
 * Shared checks for handlers that grant something: resolving role references, the privilege
 * ceiling (nobody grants, through a key, a binding, a group, a user or a role edit, more than
 * they hold themselves), the same for scopes when SBAC is on, expirations against the tenant
 * settings, and scope inputs.
 */
import {
  canonicalScope,
  type CanonicalScope,
  type ComponentPermissions,
  type ScopeAreasWrite,
  type Settings,
} from "../../sdk/contract";
import type { CallCtx } from "../http/context";
import { ApiError, invalid } from "../errors";
import type { RoleRecord, ScopeAssignment } from "../store/store";
import { ADMIN_ROLE_IDS, exceeding, unionPermissions } from "./roles";
import { scopeExceeds } from "./scope";

/** Refuses Account Admin for a user, by any route (as the reference's set_user_role does). */
export function assertAssignable(
  role: { roleId: string },
  principalType: string,
  field: string,
): void {
  if (role.roleId === "account_admin" && principalType === "user")
    throw invalid(field, "Can not update users to Account Admin role.");
}

/** Resolves role references (display names or ids); an unknown one is a 400 naming its index. */
export async function resolveRoles(
  c: CallCtx,
  refs: string[],
  field: string,
): Promise<RoleRecord[]> {
  const out: RoleRecord[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < refs.length; i++) {
    const r = await resolveRole(c, refs[i]!, `${field}.${i}`);
    if (!seen.has(r.roleId)) out.push(r);
    seen.add(r.roleId);
  }
  return out;
}

/** Resolves one role reference (a display name or an id) given in `field`; unknown is a 400 naming the field. */
export async function resolveRole(c: CallCtx, ref: string, field: string): Promise<RoleRecord> {
  const r = await c.svc.store.findRole(ref);
  if (!r) {
    throw new ApiError(
      "UNKNOWN_ROLE",
      `${field}: unknown role '${ref}' (GET /platform/iam/v1/role lists the roles)`,
      {
        fields: [{ path: field, reason: `unknown role '${ref}'` }],
      },
    );
  }
  return r;
}

/**
 * Refuses when `granted` exceeds what the caller holds (403 PRIVILEGE_ESCALATION, naming the
 * components). `grantsAdmin`: what is granted includes an administrator role. That role is a
 * privilege of its own beyond its components: SBAC never narrows its holder, so a key that is not
 * an administrator (whose scope, with SBAC on, does narrow it) may never hand it out, even when
 * it holds every component at `view_edit` through custom roles.
 */
export function assertWithinCeiling(
  c: CallCtx,
  granted: ComponentPermissions,
  what: string,
  grantsAdmin = false,
): void {
  const over = exceeding(granted, c.principal.permissions).map(
    (o) => `${o.component} (${o.want} > your ${o.have})`,
  );
  if (grantsAdmin && !c.principal.admin)
    over.push("an administrator role (SBAC does not narrow its holder; you hold none)");
  if (over.length) {
    const list = over.join(", ");
    throw new ApiError("PRIVILEGE_ESCALATION", `${what} would grant more than you hold: ${list}`, {
      detail: list,
    });
  }
}

/** Whether any of these roles is an administrator role. */
export const includesAdminRole = (roles: Array<{ roleId: string }>): boolean =>
  roles.some((r) => ADMIN_ROLE_IDS.has(r.roleId));

export function assertCanGrantRoles(c: CallCtx, roles: RoleRecord[], what: string): void {
  assertWithinCeiling(c, unionPermissions(roles), what, includesAdminRole(roles));
}

/**
 * Refuses when making someone a member of `groupIds` would give them more than the caller holds:
 * members get the roles of their groups and of every group those are nested in.
 */
export async function assertCanGrantGroups(
  c: CallCtx,
  groupIds: string[],
  what: string,
): Promise<void> {
  if (groupIds.length === 0) return;
  const roleIds = new Set<string>();
  for (const g of await c.svc.store.groupsWithParents(groupIds))
    for (const r of await c.svc.store.roleIdsOf("user-group", g)) roleIds.add(r);
  const eff = await c.svc.cache.permissionsOf([...roleIds]);
  assertWithinCeiling(c, eff.permissions, what, eff.admin);
}

const DAY = 86_400_000;
const days = (ms: number) => `${Math.round((ms / DAY) * 10) / 10} days`;

/**
 * The expiration a key gets: `undefined` takes the tenant default, `null` means never (when the
 * tenant allows it), a number must be in the future and within the maximum lifetime.
 */
export function resolveExpiration(
  value: number | null | undefined,
  s: Settings,
  now: number,
  field: string,
  createdAt = now,
): number | null {
  if (value === undefined) {
    return s.default_key_lifetime_ms !== null
      ? now + s.default_key_lifetime_ms
      : s.max_key_lifetime_ms !== null
        ? now + s.max_key_lifetime_ms
        : null;
  }
  if (value === null) {
    if (s.max_key_lifetime_ms !== null)
      throw invalid(
        field,
        `is required: the tenant allows keys to live at most ${days(s.max_key_lifetime_ms)}`,
      );
    return null;
  }
  if (value <= now) {
    throw new ApiError(
      "PAST_EXPIRATION",
      `${field}: ${value} (${new Date(value).toISOString()}) is not in the future`,
      {
        fields: [{ path: field, reason: "must be in the future" }],
      },
    );
  }
  // The lifetime counts from the key's creation: moving an expiration forward again and again
  // must not keep a key alive past it.
  if (s.max_key_lifetime_ms !== null && value > createdAt + s.max_key_lifetime_ms) {
    const from =
      createdAt === now
        ? "from now"
        : `from the key's creation (${new Date(createdAt).toISOString()})`;
    throw new ApiError(
      "EXPIRATION_TOO_FAR",
      `${field}: must be at most ${days(s.max_key_lifetime_ms)} ${from} (the tenant's maximum key lifetime)`,
      {
        fields: [{ path: field, reason: `must be within ${days(s.max_key_lifetime_ms)}` }],
      },
    );
  }
  return value;
}

/**
 * The scope ceiling: a key that is not an administrator may give (to a key it generates, to any
 * entity, or through a scope definition it edits) only a scope within its own; a key without a
 * scope sees no scoped data once SBAC is on, so it may give only scopes that see nothing either.
 * This holds whether SBAC is on or off at that moment: a scope given while it is off takes effect
 * the moment it is switched on (and switching it needs an administrator role), so checking only
 * while it is on let a scoped key widen itself in between. Administrators prepare scopes freely.
 */
export async function assertScopeWithinCeiling(
  c: CallCtx,
  granted: CanonicalScope,
  what: string,
): Promise<void> {
  if (c.principal.admin) return;
  const over = scopeExceeds(granted, c.principal.scope ?? canonicalScope(undefined));
  if (over.length) {
    const mine = c.principal.scope
      ? "your key's scope"
      : "your key's scope (it has none: once SBAC is on it sees no scoped data)";
    throw new ApiError(
      "PRIVILEGE_ESCALATION",
      `${what} would grant more than you hold: a wider scope than ${mine} in ${over.join(", ")}`,
      { detail: over.join(", ") },
    );
  }
}

/**
 * Turns a scope input (a definition reference or inline areas) into what the store keeps,
 * refusing a scope wider than the caller's own ({@link assertScopeWithinCeiling}).
 */
export async function resolveScope(
  c: CallCtx,
  input: { scope_definition_id: string } | ScopeAreasWrite,
  field: string,
): Promise<ScopeAssignment> {
  if ("scope_definition_id" in input && typeof input.scope_definition_id === "string") {
    const def = await c.svc.store.findScopeDefinition(input.scope_definition_id);
    if (!def) {
      throw new ApiError(
        "UNKNOWN_SCOPE",
        `${field}.scope_definition_id: the scope definition '${input.scope_definition_id}' does not exist`,
        {
          fields: [{ path: `${field}.scope_definition_id`, reason: "does not exist" }],
        },
      );
    }
    await assertScopeWithinCeiling(c, def.areas, `${field}: scope definition '${def.name}'`);
    return { scopeDefinitionId: def.scopeId };
  }
  const areas = canonicalScope(input as ScopeAreasWrite);
  await assertScopeWithinCeiling(c, areas, `${field}: this scope`);
  return { areas };
}
