import * as pulumi from "@pulumi/pulumi";
import * as keyplane from "keyplane";

/** One team, as the stack config lists it. */
interface Team {
  /** Short name, used in resource names. */
  name: string;
  /** What the team's role may do, per component. */
  access: Record<string, "view" | "view_edit">;
  /** The team's CI key: Standard or Advanced. */
  level?: "standard" | "advanced";
  /** Key lifetime (default 90d) and rotation window (default 14d). */
  expiresIn?: string;
  rotateBefore?: string;
  /** Lets the team's key verify other keys (for a team that runs a gateway). */
  verifier?: boolean;
}

const teams = new pulumi.Config().requireObject<Team[]>("teams");

export const keys: Record<string, { keyId: pulumi.Output<number>; role: pulumi.Output<string> }> =
  {};
export const secrets: Record<string, pulumi.Output<string>> = {};

for (const team of teams) {
  const role = new keyplane.Role(`${team.name}-role`, {
    name: `${team.name} team`,
    description: `What the ${team.name} team's automation may do`,
    components: team.access,
  });
  const key = new keyplane.ApiKey(`${team.name}-ci`, {
    securityLevel: team.level ?? "standard",
    roles: [role.name],
    comment: `${team.name} CI`,
    expiresIn: team.expiresIn ?? "90d",
    rotateBefore: team.rotateBefore ?? "14d",
    overlap: "24h",
  });
  if (team.verifier) {
    new keyplane.RoleBinding(`${team.name}-verifier`, {
      principal: { type: "apiKey", id: key.keyId },
      role: "Key Verifier",
    });
  }
  keys[team.name] = { keyId: key.keyId, role: role.name };
  secrets[team.name] = key.key;
}
