/**
 * The predefined roles (read-only, shipped with the server) and permission arithmetic.
 * docs/roles.md lists each role's permissions per component; a test keeps it in step.
 */
import {
  COMPONENT_NAMES,
  levelAtLeast,
  LEVELS,
  type ComponentName,
  type ComponentPermissions,
  type Level,
} from "../../sdk/contract";
import type { RoleRecord } from "../store/store";

const all = (level: Level): ComponentPermissions =>
  Object.fromEntries(COMPONENT_NAMES.map((c) => [c, level]));

const PRODUCT: ComponentName[] = [
  "cases_issues",
  "endpoints",
  "assets",
  "datasets",
  "response",
  "rules",
  "dashboards",
];
const some = (entries: Array<[ComponentName[], Level]>): ComponentPermissions => {
  const out: ComponentPermissions = {};
  for (const [cs, l] of entries) for (const c of cs) out[c] = l;
  return out;
};

/** Role ids whose holders are administrators: SBAC does not narrow them (as in the reference). */
export const ADMIN_ROLE_IDS = new Set(["instance_administrator", "account_admin"]);

export const PREDEFINED_ROLES: Array<
  Pick<RoleRecord, "roleId" | "prettyName" | "description" | "components">
> = [
  {
    roleId: "instance_administrator",
    prettyName: "Instance Administrator",
    description:
      "Full access to everything in the tenant, including API keys, access management and settings.",
    components: all("view_edit"),
  },
  {
    roleId: "account_admin",
    prettyName: "Account Admin",
    description: "Full access, across the account's tenants.",
    components: all("view_edit"),
  },
  {
    roleId: "security_admin",
    prettyName: "Security Admin",
    description:
      "Runs security operations and manages API keys; reads access management and settings.",
    components: {
      ...some([[PRODUCT, "view_edit"]]),
      public_api: "view_edit",
      access_management: "view",
      server_settings: "view",
      notifications: "view_edit",
      audit: "view",
      verify: "view",
    },
  },
  {
    roleId: "investigator",
    prettyName: "Investigator",
    description: "Investigates cases and issues; reads endpoints, assets, datasets and dashboards.",
    components: {
      cases_issues: "view_edit",
      endpoints: "view",
      assets: "view",
      datasets: "view",
      rules: "view",
      dashboards: "view",
      notifications: "view",
    },
  },
  {
    roleId: "privileged_responder",
    prettyName: "Privileged Responder",
    description: "Investigates and responds: runs response actions on endpoints.",
    components: {
      cases_issues: "view_edit",
      endpoints: "view_edit",
      response: "view_edit",
      assets: "view",
      datasets: "view",
      rules: "view",
      dashboards: "view",
      notifications: "view",
    },
  },
  {
    roleId: "viewer",
    prettyName: "Viewer",
    description: "Reads the product's data; no management rights.",
    components: some([[PRODUCT, "view"]]),
  },
  {
    roleId: "key_verifier",
    prettyName: "Key Verifier",
    description:
      "For downstream services: may call auth/verify to check the keys their callers present.",
    components: { verify: "view" },
  },
];

/** The union (highest level per component) of several roles' permissions. */
export function unionPermissions(
  roles: Array<{ components: ComponentPermissions }>,
): ComponentPermissions {
  const out: ComponentPermissions = {};
  for (const r of roles) {
    for (const [c, l] of Object.entries(r.components) as Array<[ComponentName, Level]>) {
      if (LEVELS.indexOf(l) > LEVELS.indexOf(out[c] ?? "none")) out[c] = l;
    }
  }
  for (const c of Object.keys(out) as ComponentName[]) if (out[c] === "none") delete out[c];
  return out;
}

/** Components where `want` exceeds `have` (empty when `have` covers `want`). */
export function exceeding(
  want: ComponentPermissions,
  have: ComponentPermissions,
): Array<{ component: ComponentName; want: Level; have: Level }> {
  const out: Array<{ component: ComponentName; want: Level; have: Level }> = [];
  for (const [c, l] of Object.entries(want) as Array<[ComponentName, Level]>) {
    if (!levelAtLeast(have[c], l)) out.push({ component: c, want: l, have: have[c] ?? "none" });
  }
  return out;
}

/** Canonical form: components in the fixed order, `none` left out. */
export function canonicalPermissions(p: ComponentPermissions): ComponentPermissions {
  const out: ComponentPermissions = {};
  for (const c of COMPONENT_NAMES) if (p[c] && p[c] !== "none") out[c] = p[c];
  return out;
}
