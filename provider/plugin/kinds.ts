/**
 * The four resource kinds as the native plugin sees them: token, zod inputs and outputs,
 * required inputs, the provider factory (the same code the dynamic provider runs), and how a
 * kind's state is split between the schema's outputs and the bookkeeping the provider needs
 * (bookkeeping.ts does the split).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { ProviderDeps } from "../common";
import { ApiKeyInputs, ApiKeyOutputs, apiKeyProvider, echoesOf } from "../resources/apiKey";
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
  /** What the state's bookkeeping normally is, from the stored inputs and outputs (bookkeeping.ts). */
  implied?(
    inputs: Record<string, unknown>,
    outputs: Record<string, unknown>,
  ): Record<string, unknown>;
}

/**
 * ApiKey's bookkeeping as create and update leave it: the echoes of the inputs the key was made
 * from (which the engine stores as the inputs), the expiry in ms, the roles the input resolved to
 * (the live ones), no inline scope areas, not adopted. Only what differs is stored.
 */
function apiKeyImplied(inputs: Record<string, unknown>, outs: Record<string, unknown>) {
  const expiresAtMs = typeof outs.expiresAt === "string" ? Date.parse(outs.expiresAt) : null;
  return {
    expiresAtMs,
    desiredExpiration: expiresAtMs,
    rolesResolved: outs.roles,
    hasScope: outs.scopeId !== null && outs.scopeId !== undefined,
    scopeAreas: null,
    adopted: false,
    ...echoesOf(inputs),
  };
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
    implied: apiKeyImplied,
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

export { BOOKKEEPING, fromOutputs, toOutputs } from "./bookkeeping";
