/**
 * The four resource kinds as the native plugin sees them: token, zod inputs and outputs,
 * required inputs, the provider factory (the same code the dynamic provider runs), and how a
 * kind's state is split between the schema's outputs and the bookkeeping the provider needs.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { ProviderDeps } from "../common";
import { ApiKeyInputs, ApiKeyOutputs, apiKeyProvider } from "../resources/apiKey";
import { RoleInputs, RoleOutputs, roleProvider } from "../resources/role";
import {
  RoleBindingInputs,
  RoleBindingOutputs,
  roleBindingProvider,
} from "../resources/roleBinding";
import {
  ScopeDefinitionInputs,
  ScopeDefinitionOutputs,
  scopeDefinitionProvider,
} from "../resources/scopeDefinition";

export interface PluginKind {
  /** Schema name, e.g. `ApiKey`; the token is `keyplane:index:<name>`. */
  name: string;
  summary: string;
  inputs: z.ZodObject;
  outputs: z.ZodObject;
  required: string[];
  /** Outputs holding secrets. */
  secretOutputs: string[];
  provider(deps: ProviderDeps): pulumi.dynamic.ResourceProvider;
}

export const KINDS: PluginKind[] = [
  {
    name: "ApiKey",
    summary:
      "An API key: its security level, roles, comment, expiration and scope. The key value is a secret.",
    inputs: ApiKeyInputs as unknown as z.ZodObject,
    outputs: ApiKeyOutputs,
    required: ["roles"],
    secretOutputs: ["key"],
    provider: apiKeyProvider,
  },
  {
    name: "RoleBinding",
    summary: "A role bound to a user, a user group or an API key, as its own object.",
    inputs: RoleBindingInputs,
    outputs: RoleBindingOutputs,
    required: ["principal", "role"],
    secretOutputs: [],
    provider: roleBindingProvider,
  },
  {
    name: "ScopeDefinition",
    summary: "A named scope (SBAC) that keys, users and groups point at.",
    inputs: ScopeDefinitionInputs,
    outputs: ScopeDefinitionOutputs,
    required: ["name", "areas"],
    secretOutputs: [],
    provider: scopeDefinitionProvider,
  },
  {
    name: "Role",
    summary: "A custom role with a permission level per component.",
    inputs: RoleInputs,
    outputs: RoleOutputs,
    required: ["name", "components"],
    secretOutputs: [],
    provider: roleProvider,
  },
];

export const tokenOf = (k: PluginKind) => `keyplane:index:${k.name}`;

export function kindOfUrn(urn: string): PluginKind {
  // urn:pulumi:<stack>::<project>::<qualified type>::<name>; the last type segment is ours.
  const type = urn.split("::")[2]?.split("$").pop() ?? "";
  const k = KINDS.find((x) => tokenOf(x) === type);
  if (!k) throw new Error(`keyplane: unknown resource type '${type}'`);
  return k;
}

/** Where the bookkeeping lives in the plugin's state: an internal key, which plans never show. */
export const BOOKKEEPING = "__keyplane";

/** Provider state → the outputs the engine stores: the schema's outputs plus one internal bookkeeping property. */
export function toOutputs(k: PluginKind, state: Record<string, unknown>): Record<string, unknown> {
  const outs: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(state)) {
    if (v === undefined) continue;
    if (name in k.outputs.shape) outs[name] = v;
    else rest[name] = v;
  }
  outs[BOOKKEEPING] = rest;
  return outs;
}

/** The inverse of toOutputs. */
export function fromOutputs(outs: Record<string, unknown>): Record<string, unknown> {
  const { [BOOKKEEPING]: rest, ...pub } = outs;
  return { ...((rest as Record<string, unknown> | undefined) ?? {}), ...pub };
}
