/**
 * The Pulumi package schema of the native plugin (`schema.json`), generated from the same zod
 * schemas as the dynamic resources: every description is a zod `.describe()` text. GetSchema
 * serves the committed schema.json; a test fails when it differs from what this generates.
 */
import type { z } from "zod";
import { KINDS, tokenOf, type PluginKind } from "./kinds";

type Spec = Record<string, unknown>;

interface Def {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  entries?: Record<string, string>;
  options?: z.ZodType[];
  shape?: Record<string, z.ZodType>;
  in?: z.ZodType;
  valueType?: z.ZodType;
  checks?: Array<{ _zod?: { def?: { check?: string; format?: string } } }>;
}
const defOf = (s: z.ZodType) => (s as unknown as { def: Def }).def;

/** Named object types, filled while the resources are converted. */
type Types = Record<string, Spec>;

function isInt(s: z.ZodType): boolean {
  const d = defOf(s);
  return (d.checks ?? []).some(
    (c) => c._zod?.def?.format === "safeint" || c._zod?.def?.check === "number_format",
  );
}

function typeSpec(s: z.ZodType, typeName: string, types: Types): Spec {
  const d = defOf(s);
  switch (d.type) {
    case "optional":
    case "default":
    case "nullable":
      return typeSpec(d.innerType!, typeName, types);
    case "pipe":
      return typeSpec(d.in!, typeName, types);
    case "string":
      return { type: "string" };
    case "number":
      return { type: isInt(s) ? "integer" : "number" };
    case "boolean":
      return { type: "boolean" };
    case "enum":
      return { type: "string" };
    case "array":
      return { type: "array", items: typeSpec(d.element!, typeName, types) };
    case "record":
      return { type: "object", additionalProperties: typeSpec(d.valueType!, typeName, types) };
    case "union": {
      const opts = (d.options ?? []).map((o) => typeSpec(o, typeName, types));
      const allPrimitive = opts.every(
        (o) => typeof o.type === "string" && o.type !== "object" && o.type !== "array",
      );
      if (!allPrimitive) return { $ref: "pulumi.json#/Any" };
      // One primitive a program can always give: a string (the provider parses the rest).
      return opts.some((o) => o.type === "string") ? { type: "string" } : opts[0]!;
    }
    case "object": {
      const token = `keyplane:index:${typeName}`;
      const { properties, required } = propertiesOf(d.shape!, typeName, types);
      types[token] = { type: "object", properties, ...(required.length ? { required } : {}) };
      return { $ref: `#/types/${token}` };
    }
    default:
      return { $ref: "pulumi.json#/Any" };
  }
}

function isOptional(s: z.ZodType): boolean {
  const t = defOf(s).type;
  return t === "optional" || t === "default";
}

function propertiesOf(
  shape: Record<string, z.ZodType>,
  owner: string,
  types: Types,
  secret: string[] = [],
) {
  const properties: Record<string, Spec> = {};
  const required: string[] = [];
  for (const [name, field] of Object.entries(shape)) {
    const pascal = name
      .split("_")
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join("");
    const spec = typeSpec(field, `${owner}${pascal}`, types);
    properties[name] = {
      ...spec,
      ...(field.description ? { description: field.description } : {}),
      ...(secret.includes(name) ? { secret: true } : {}),
    };
    if (!isOptional(field)) required.push(name);
  }
  return { properties, required };
}

function resourceSpec(k: PluginKind, types: Types): Spec {
  const inputs = propertiesOf(k.inputs.shape as Record<string, z.ZodType>, k.name, types);
  const outputs = propertiesOf(
    k.outputs.shape as Record<string, z.ZodType>,
    k.name,
    types,
    k.secretOutputs,
  );
  // The outputs of a nullable output are optional in the SDKs.
  const requiredOutputs = Object.entries(k.outputs.shape as Record<string, z.ZodType>)
    .filter(([, f]) => defOf(f).type !== "nullable" && !isOptional(f))
    .map(([n]) => n);
  return {
    description: k.summary,
    inputProperties: inputs.properties,
    requiredInputs: k.required,
    properties: outputs.properties,
    required: requiredOutputs,
  };
}

const CONFIG: Record<string, Spec> = {
  endpoint: {
    type: "string",
    description: "The keyplane server's URL. The environment variable KEYPLANE_ENDPOINT wins.",
  },
  apiKeyId: {
    type: "string",
    description: "The id of the key the provider authenticates with. KEYPLANE_API_KEY_ID wins.",
  },
  apiKey: {
    type: "string",
    secret: true,
    description: "The key the provider authenticates with (a secret). KEYPLANE_API_KEY wins.",
  },
  securityLevel: {
    type: "string",
    description:
      "`standard` or `advanced`, the provider key's security level. KEYPLANE_SECURITY_LEVEL wins.",
  },
};

/** The package schema, for a given plugin version. */
export function packageSchema(version: string): Spec {
  const types: Types = {};
  const resources: Record<string, Spec> = {};
  for (const k of KINDS) resources[tokenOf(k)] = resourceSpec(k, types);
  return {
    name: "keyplane",
    displayName: "keyplane",
    version,
    description:
      "API keys as code: keys, roles, role bindings and scope definitions on a keyplane (Cortex API keys API compatible) server.",
    license: "Apache-2.0",
    config: { variables: CONFIG },
    provider: { description: "The keyplane provider.", inputProperties: CONFIG },
    types: Object.fromEntries(Object.entries(types).sort(([a], [b]) => a.localeCompare(b))),
    resources,
    language: {
      python: {
        packageName: "pulumi_keyplane",
        requires: { pulumi: ">=3.0.0,<4.0.0" },
        pyproject: { enabled: true },
        respectSchemaVersion: true,
      },
      nodejs: { packageName: "@keyplane/pulumi", respectSchemaVersion: true },
    },
  };
}

/** schema.json's text: what is committed at the package root. */
export function schemaJson(version: string): string {
  return `${JSON.stringify(packageSchema(version), null, 2)}\n`;
}
