/**
 * docs/resources.md, generated from the resources' zod schemas (every input's `.describe()` text)
 * plus what each resource outputs, replaces, updates and reports as drift. `keyplane docs
 * resources` prints it; a test fails when the committed copy is stale.
 */
import type { z } from "zod";
import { ApiKeyInputs, ApiKeyOutputs } from "./resources/apiKey";
import { RoleInputs, RoleOutputs } from "./resources/role";
import { RoleBindingInputs, RoleBindingOutputs } from "./resources/roleBinding";
import { ScopeDefinitionInputs, ScopeDefinitionOutputs } from "./resources/scopeDefinition";

interface ResourceDoc {
  name: string;
  token: string;
  summary: string;
  inputs: z.ZodObject;
  required: string[];
  outputs: z.ZodObject;
  replaces: string;
  updates: string;
  drift: string;
  example: string;
}

const RESOURCES: ResourceDoc[] = [
  {
    name: "ApiKey",
    token: "pulumi-nodejs:dynamic/keyplane:ApiKey",
    summary:
      "An API key: its security level, roles, comment, expiration and scope. The key value is a Pulumi secret.",
    inputs: ApiKeyInputs as unknown as z.ZodObject,
    required: ["roles"],
    outputs: ApiKeyOutputs,
    replaces:
      "`securityLevel`, `rotationTriggers`, `adopt`, `sealTo`; an expired key; a key inside `rotateBefore` of its expiry. Replacement is create-before-delete; with `overlap` the old key keeps working until now + overlap and the server deletes it then.",
    updates:
      "`roles`, `comment`, `expiration` / `expiresIn` (a changed `expiresIn` moves the expiration to now + the new value), `scope`, and the provider-only settings `rotateBefore`, `overlap`, `verifyAfterCreate`.",
    drift:
      "Deleted or revoked out of band: dropped from state, the next `up` mints a new key. Roles, comment, expiration or scope changed by hand: a refreshed preview shows an update and `up --refresh` restores the declaration. Expired: a refreshed preview (and plain `up`) plans a replacement. `keyplane drift` reports each of these, and keys expiring within a window.",
    example: `new keyplane.ApiKey("ci", {
  securityLevel: "advanced",
  roles: ["Viewer"],
  comment: "CI pipeline",
  expiresIn: "90d",
  rotateBefore: "7d",
  overlap: "24h",
  scope: emea.scopeId,
});`,
  },
  {
    name: "RoleBinding",
    token: "pulumi-nodejs:dynamic/keyplane:RoleBinding",
    summary:
      "A role bound to a user, a user group or an API key, as its own object: it never fights the roles an ApiKey holds itself.",
    inputs: RoleBindingInputs as unknown as z.ZodObject,
    required: ["principal", "role"],
    outputs: RoleBindingOutputs,
    replaces: "Any change (`principal`, `role`).",
    updates: "Nothing: bindings are immutable.",
    drift: "Deleted out of band: dropped from state, the next `up` recreates it.",
    example: `new keyplane.RoleBinding("gateway-verifier", { principal: { type: "apiKey", id: gateway.keyId }, role: "Key Verifier" });`,
  },
  {
    name: "ScopeDefinition",
    token: "pulumi-nodejs:dynamic/keyplane:ScopeDefinition",
    summary:
      "A named scope (SBAC) that keys, users and groups point at. Areas are compared in canonical form, so server defaults never show as a diff.",
    inputs: ScopeDefinitionInputs as unknown as z.ZodObject,
    required: ["name", "areas"],
    outputs: ScopeDefinitionOutputs,
    replaces: "`adopt`.",
    updates: "`name`, `description`, `areas`: every entity pointing at it follows.",
    drift:
      "Deleted out of band: dropped from state, recreated by the next `up`. Changed by hand: a refreshed preview shows an update that `up --refresh` reverts. Deleted while retiring keys (in their overlap) still use it: retired, and deleted by the server when they expire.",
    example: `new keyplane.ScopeDefinition("emea", {
  name: "EMEA only",
  areas: { endpoints: { endpoint_groups: { mode: "scope", names: ["emea-servers"] } }, cases_issues: { mode: "scope", names: ["EMEA"] } },
});`,
  },
  {
    name: "Role",
    token: "pulumi-nodejs:dynamic/keyplane:Role",
    summary:
      "A custom role with a permission level per component. Use its `name` in an ApiKey's `roles` or a RoleBinding's `role`.",
    inputs: RoleInputs as unknown as z.ZodObject,
    required: ["name", "components"],
    outputs: RoleOutputs,
    replaces: "`name` (keys and bindings refer to roles by name), `adopt`.",
    updates: "`description`, `components`.",
    drift:
      "Deleted out of band: dropped from state, recreated by the next `up`. Components or description changed by hand: shown by a refreshed preview, reverted by `up --refresh`. Deleted while retiring keys still hold it: retired (its name is free at once) and deleted by the server when they expire.",
    example: `new keyplane.Role("responder", { name: "On-call Responder", components: { cases_issues: "view_edit", response: "view_edit", endpoints: "view" } });`,
  },
];

function typeOf(s: z.ZodType): string {
  const def = (
    s as unknown as {
      def: {
        type: string;
        innerType?: z.ZodType;
        element?: z.ZodType;
        entries?: Record<string, string>;
        options?: z.ZodType[];
      };
    }
  ).def;
  switch (def.type) {
    case "optional":
    case "default":
    case "nullable":
      return typeOf(def.innerType!);
    case "array":
      return `${typeOf(def.element!)}[]`;
    case "enum":
      return Object.values(def.entries ?? {})
        .map((v) => `"${v}"`)
        .join(" \\| ");
    case "union":
      return (def.options ?? []).map(typeOf).join(" \\| ");
    case "pipe":
      return typeOf((def as unknown as { in: z.ZodType }).in);
    case "record":
      return "object";
    case "unknown":
      return "any";
    default:
      return def.type;
  }
}

function defaultOf(s: z.ZodType): string {
  const def = (s as unknown as { def: { type: string; defaultValue?: unknown } }).def;
  return def.type === "default" ? `\`${JSON.stringify(def.defaultValue)}\`` : "";
}

/** The resources reference, as markdown. */
export function resourcesMarkdown(): string {
  const out: string[] = [
    "# Resources reference",
    "",
    "Generated from the resources' zod schemas by `keyplane docs resources`; a test keeps this file current.",
    "",
    "```ts",
    'import * as keyplane from "keyplane";',
    "```",
    "",
    "Provider credentials: stack config `keyplane:endpoint`, `keyplane:apiKeyId`, `keyplane:apiKey` (secret) and `keyplane:securityLevel`, or the environment variables `KEYPLANE_ENDPOINT`, `KEYPLANE_API_KEY_ID`, `KEYPLANE_API_KEY`, `KEYPLANE_SECURITY_LEVEL` (the environment wins). They are read at call time and never stored in the serialized provider.",
    "",
    "`pulumi import` does not work with dynamic providers: each resource takes `adopt` instead, to take over an existing object.",
    "",
    "The native plugin `pulumi-resource-keyplane` (for YAML, Python and other programs, and `pulumi import`) has the same resources as `keyplane:index:ApiKey`, `keyplane:index:RoleBinding`, `keyplane:index:ScopeDefinition` and `keyplane:index:Role`, with the same inputs and outputs (its schema.json is generated from the same zod schemas); in Python the inputs are snake_case (`security_level`, `expires_in`, …).",
    "",
  ];
  for (const r of RESOURCES) {
    out.push(
      `## ${r.name}`,
      "",
      r.summary,
      "",
      `Type token: \`${r.token}\``,
      "",
      "```ts",
      r.example,
      "```",
      "",
      "### Inputs",
      "",
      "| input | type | required | default | description |",
      "| --- | --- | --- | --- | --- |",
    );
    for (const [name, field] of Object.entries(r.inputs.shape)) {
      const f = field as z.ZodType;
      out.push(
        `| \`${name}\` | ${typeOf(f)} | ${r.required.includes(name) ? "yes" : "no"} | ${defaultOf(f)} | ${(f.description ?? "").replace(/\|/g, "\\|")} |`,
      );
    }
    out.push("", "### Outputs", "", "| output | description |", "| --- | --- |");
    for (const [n, f] of Object.entries(r.outputs.shape))
      out.push(`| \`${n}\` | ${(f as z.ZodType).description ?? ""} |`);
    out.push(
      "",
      `**Replaces on:** ${r.replaces}`,
      "",
      `**Updates in place:** ${r.updates}`,
      "",
      `**Drift:** ${r.drift}`,
      "",
    );
  }
  return `${out.join("\n")}\n`;
}
