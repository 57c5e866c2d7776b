/**
 * The RoleBinding resource class of TypeScript programs (the dynamic provider); its logic is in
 * provider/resources/roleBinding.ts, which the native plugin runs without loading @pulumi/pulumi.
 */
import * as pulumi from "@pulumi/pulumi";
import { outputPlaceholders } from "../common";
import { ROLE_BINDING_OUTPUT_ONLY } from "../resources/roleBinding";
import { providerShell } from "../shell";

export interface RoleBindingArgs {
  principal: pulumi.Input<{
    type: pulumi.Input<"user" | "group" | "apiKey">;
    id: pulumi.Input<string | number>;
  }>;
  role: pulumi.Input<string>;
}

/** A role bound to a user, group or API key. */
export class RoleBinding extends pulumi.dynamic.Resource {
  declare readonly bindingId: pulumi.Output<string>;
  declare readonly principal: pulumi.Output<{ type: string; id: string }>;
  declare readonly role: pulumi.Output<string>;
  declare readonly roleId: pulumi.Output<string>;

  constructor(name: string, args: RoleBindingArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShell("roleBinding"),
      name,
      { ...args, ...outputPlaceholders(ROLE_BINDING_OUTPUT_ONLY) },
      opts,
      "keyplane",
      "RoleBinding",
    );
  }
}
