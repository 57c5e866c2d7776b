/**
 * `keyplane/policy`: keyplane's guardrails as a Pulumi policy pack.
 *
 * The package ships a ready pack directory, `policy-pack/` (its `PulumiPolicy.yaml` says
 * `runtime: node`, which `scripts/ensure-pulumi`'s analyzer launcher serves): point
 * `pulumi preview --policy-pack node_modules/keyplane/policy-pack` at it. To build your own pack,
 * import the policies from here:
 *
 * ```ts
 * import { PolicyPack } from "@pulumi/policy";
 * import { keyplanePolicyPackArgs } from "keyplane/policy";
 * new PolicyPack("my-guardrails", keyplanePolicyPackArgs());
 * ```
 */
import type { PolicyPackArgs } from "@pulumi/policy";
import { keyplanePolicies, type KeyplanePoliciesOptions } from "./policies";

export {
  ADMIN_ROLES,
  keyplanePolicies,
  POLICY_NAMES,
  roleKey,
  type KeyplanePoliciesOptions,
  type PolicyName,
} from "./policies";
export { keyplaneType } from "./keySpec";

/** The arguments of keyplane's pack (its policies and their default enforcement levels). */
export function keyplanePolicyPackArgs(
  opts: Partial<KeyplanePoliciesOptions> = {},
): PolicyPackArgs {
  return {
    description:
      "keyplane guardrails: lifetimes, expirations, rotation, Advanced keys for administrator roles, forbidden roles, comments, overlap, scopes",
    policies: keyplanePolicies({ now: opts.now ?? (() => Date.now()) }),
  };
}
