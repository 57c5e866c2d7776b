/**
 * Permission components. A role grants each component a level (`none | view | view_edit`).
 * The management components guard keyplane's own API; the product components are what
 * downstream services ask about through `auth/verify`.
 */
import { z } from "zod";
import { Level } from "./common";

export interface ComponentInfo {
  /** Machine key, used in roles and verify requests. */
  name: string;
  /** Display name, as the reference's role pages show it. */
  displayName: string;
  /** Permission-config category. */
  category: string;
  /** What `view` and `view_edit` allow. */
  view: string;
  viewEdit: string;
}

export const COMPONENTS = [
  {
    name: "public_api",
    displayName: "Public API",
    category: "Configurations",
    view: "list and read API keys, their examples",
    viewEdit: "generate, edit, revoke and delete API keys",
  },
  {
    name: "access_management",
    displayName: "Access Management",
    category: "Configurations",
    view: "read users, groups, roles, role bindings, scopes",
    viewEdit:
      "create and change users, groups, custom roles, role bindings, scope definitions and entity scopes",
  },
  {
    name: "server_settings",
    displayName: "Server Settings",
    category: "Configurations",
    view: "read tenant settings",
    viewEdit: "change tenant settings (SBAC, key lifetimes, replay window, webhook)",
  },
  {
    name: "notifications",
    displayName: "Notification Center",
    category: "Configurations",
    view: "list notifications",
    viewEdit: "mark notifications read",
  },
  {
    name: "audit",
    displayName: "Management Audit Logs",
    category: "Configurations",
    view: "read the management audit log",
    viewEdit: "read the management audit log",
  },
  {
    name: "verify",
    displayName: "Key Verification",
    category: "Configurations",
    view: "call auth/verify to check other keys (for downstream services)",
    viewEdit: "call auth/verify to check other keys (for downstream services)",
  },
  {
    name: "cases_issues",
    displayName: "Cases and Issues",
    category: "Investigation & Response",
    view: "see cases and issues",
    viewEdit: "triage and change cases and issues",
  },
  {
    name: "endpoints",
    displayName: "Endpoint Administration",
    category: "Assets",
    view: "see endpoints",
    viewEdit: "manage endpoints",
  },
  {
    name: "assets",
    displayName: "Assets",
    category: "Assets",
    view: "see assets and asset groups",
    viewEdit: "manage assets and asset groups",
  },
  {
    name: "datasets",
    displayName: "Datasets",
    category: "Data Management",
    view: "query datasets",
    viewEdit: "manage datasets",
  },
  {
    name: "response",
    displayName: "Response Actions",
    category: "Investigation & Response",
    view: "see response actions",
    viewEdit: "run response actions (isolate, terminate, remediate)",
  },
  {
    name: "rules",
    displayName: "Detection Rules",
    category: "Detection & Threat Intel",
    view: "see detection rules",
    viewEdit: "create and change detection rules",
  },
  {
    name: "dashboards",
    displayName: "Dashboards & Reports",
    category: "Dashboards & Reports",
    view: "see dashboards and reports",
    viewEdit: "build dashboards and reports",
  },
] as const satisfies readonly ComponentInfo[];

export type ComponentName = (typeof COMPONENTS)[number]["name"];
export const COMPONENT_NAMES = COMPONENTS.map((c) => c.name) as unknown as [
  ComponentName,
  ...ComponentName[],
];
export const Component = z.enum(COMPONENT_NAMES, {
  error: (iss) => `unknown component '${String(iss.input)}'; known: ${COMPONENT_NAMES.join(", ")}`,
});

/** A permission level per component (components left out are `none`). */
export const ComponentPermissions = z
  .partialRecord(Component, Level)
  .describe("Permission level per component; a component left out is `none`.");
export type ComponentPermissions = Partial<Record<ComponentName, Level>>;
