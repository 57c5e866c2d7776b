/**
 * The provider runtime: what the serialized shell (shell.ts) loads at call time, in the
 * dynamic-provider process. It builds each kind's provider over the SDK with the credentials
 * resolved for this call (env first, then the stack config `configure` received).
 */
import type * as pulumi from "@pulumi/pulumi";
import { sdkApi } from "./api";
import type { ProviderDeps } from "./common";
import { clientFor, resolveCredentials, type RawConfig } from "./credentials";
import { apiKeyProvider } from "./resources/apiKey";
import { roleProvider } from "./resources/role";
import { roleBindingProvider } from "./resources/roleBinding";
import { scopeDefinitionProvider } from "./resources/scopeDefinition";
import type { ResourceKind } from "./shell";

const FACTORIES: Record<ResourceKind, (d: ProviderDeps) => pulumi.dynamic.ResourceProvider> = {
  apiKey: apiKeyProvider,
  roleBinding: roleBindingProvider,
  scopeDefinition: scopeDefinitionProvider,
  role: roleProvider,
};

/** Runtime dependencies for the given stack config; credentials are resolved lazily, per call. */
export function runtimeDeps(config: RawConfig): ProviderDeps {
  return {
    now: () => Date.now(),
    api: () => sdkApi(clientFor(resolveCredentials(config))),
    warn: (m) => console.warn(m),
  };
}

/** The provider for one resource kind (called by the shell). */
export function provider(kind: string, config: RawConfig): pulumi.dynamic.ResourceProvider {
  const f = FACTORIES[kind as ResourceKind];
  if (!f)
    throw new Error(
      `keyplane: unknown resource kind '${kind}' (state written by a newer keyplane?)`,
    );
  return f(runtimeDeps(config));
}
