/**
 * The Role resource class of TypeScript programs (the dynamic provider); its logic is in
 * provider/resources/role.ts, which the native plugin runs without loading @pulumi/pulumi.
 */
import * as pulumi from "@pulumi/pulumi";
import { outputPlaceholders } from "../common";
import { ROLE_OUTPUT_ONLY } from "../resources/role";
import { providerShell } from "../shell";

export interface RoleArgs {
  name: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  components: pulumi.Input<Record<string, pulumi.Input<"none" | "view" | "view_edit">>>;
  adopt?: pulumi.Input<string>;
}

/** A custom role. Use its `name` in an ApiKey's `roles` or a RoleBinding's `role`. */
export class Role extends pulumi.dynamic.Resource {
  declare readonly roleId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string | null>;
  declare readonly components: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: RoleArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShell("role"),
      name,
      { ...args, ...outputPlaceholders(ROLE_OUTPUT_ONLY) },
      opts,
      "keyplane",
      "Role",
    );
  }
}
