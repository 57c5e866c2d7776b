/**
 * The ScopeDefinition resource class of TypeScript programs (the dynamic provider); its logic is in
 * provider/resources/scopeDefinition.ts, which the native plugin runs without loading @pulumi/pulumi.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ScopeAreasWrite } from "../../sdk/contract";
import { outputPlaceholders } from "../common";
import { SCOPE_DEFINITION_OUTPUT_ONLY } from "../resources/scopeDefinition";
import { providerShell } from "../shell";

export interface ScopeDefinitionArgs {
  name: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  areas: pulumi.Input<ScopeAreasWrite>;
  adopt?: pulumi.Input<string>;
}

/** A named scope definition. */
export class ScopeDefinition extends pulumi.dynamic.Resource {
  declare readonly scopeId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string | null>;
  declare readonly areas: pulumi.Output<ScopeAreasWrite>;

  constructor(name: string, args: ScopeDefinitionArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShell("scopeDefinition"),
      name,
      { ...args, ...outputPlaceholders(SCOPE_DEFINITION_OUTPUT_ONLY) },
      opts,
      "keyplane",
      "ScopeDefinition",
    );
  }
}
