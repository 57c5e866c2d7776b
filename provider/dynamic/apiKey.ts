/**
 * The ApiKey resource class of TypeScript programs (the dynamic provider): its inputs and
 * outputs as Pulumi types, and a constructor that hands the engine the serialized provider shell.
 * Kept apart from the resource logic (provider/resources/apiKey/), which the native plugin runs
 * without loading @pulumi/pulumi.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ScopeAreasWrite } from "../../sdk/contract";
import { outputPlaceholders } from "../common";
import { API_KEY_OUTPUT_ONLY } from "../resources/apiKey";
import { providerShell } from "../shell";

export { ADOPTED_KEY_VALUE } from "../resources/apiKey";

/** Inputs of the ApiKey resource. */
export interface ApiKeyArgs {
  securityLevel?: pulumi.Input<"standard" | "advanced">;
  roles: pulumi.Input<pulumi.Input<string>[]>;
  comment?: pulumi.Input<string>;
  expiration?: pulumi.Input<string | number>;
  expiresIn?: pulumi.Input<string>;
  rotateBefore?: pulumi.Input<string>;
  overlap?: pulumi.Input<string>;
  scope?: pulumi.Input<string | ScopeAreasWrite>;
  rotationTriggers?: pulumi.Input<unknown>;
  verifyAfterCreate?: pulumi.Input<boolean>;
  adopt?: pulumi.Input<number>;
  sealTo?: pulumi.Input<string | pulumi.Input<string>[]>;
}

/**
 * An API key. `key` is a Pulumi secret, shown once by the server and kept only encrypted in state.
 *
 * ```ts
 * const ci = new keyplane.ApiKey("ci", { roles: ["Viewer"], securityLevel: "advanced", expiresIn: "90d", rotateBefore: "7d", overlap: "24h" });
 * export const ciKey = ci.key; // secret
 * ```
 */
export class ApiKey extends pulumi.dynamic.Resource {
  /** The key id (`x-xdr-auth-id`). */
  declare readonly keyId: pulumi.Output<number>;
  /** The key value: a secret. For an adopted key, a note that it is unknown. */
  declare readonly key: pulumi.Output<string>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly expiresAt: pulumi.Output<string | null>;
  declare readonly createdBy: pulumi.Output<string | null>;
  /** `active`, `expired` or `revoked`. */
  declare readonly status: pulumi.Output<string>;
  /** Display names of the roles the key holds. */
  declare readonly roles: pulumi.Output<string[]>;
  declare readonly comment: pulumi.Output<string | null>;
  declare readonly securityLevel: pulumi.Output<"standard" | "advanced">;
  declare readonly lastUsed: pulumi.Output<string | null>;
  /** The scope definition the key points at, if any. */
  declare readonly scopeId: pulumi.Output<string | null>;
  /** With `sealTo`: the key, age-encrypted to those recipients (ASCII armor). */
  declare readonly sealedKey: pulumi.Output<string | undefined>;

  constructor(name: string, args: ApiKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShell("apiKey"),
      name,
      { ...args, ...outputPlaceholders(API_KEY_OUTPUT_ONLY) },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["key"] }),
      "keyplane",
      "ApiKey",
    );
  }
}
