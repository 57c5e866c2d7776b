/**
 * Role bindings (extension): one row per (principal, role). Principals are users, user groups and
 * API keys. Every row has one owner: the API key that holds it through its `roles`, the user's or
 * group's direct role, or a binding made through this API (what the `RoleBinding` resource manages).
 */
import { z } from "zod";
import { dataEnvelope } from "./common";

export const PrincipalType = z.enum(["user", "user-group", "api-key"], {
  error: (iss) => `principal_type '${String(iss.input)}' is not one of: user, user-group, api-key`,
});
export type PrincipalType = z.infer<typeof PrincipalType>;

/** Who owns a binding row. Only `binding` rows can be deleted through the role-binding API. */
export const BindingOwner = z.enum(["api-key", "user", "user-group", "binding"]);

export const RoleBinding = z.object({
  binding_id: z.string(),
  principal_type: PrincipalType,
  principal_id: z.string().describe("User email, group id, or API key id (as a string)."),
  role_id: z.string(),
  role_name: z.string(),
  owner: BindingOwner.describe(
    "`binding` for rows made through this API; others belong to a key's roles or a user's or group's direct role.",
  ),
  created_by: z.string().nullable(),
  created_ts: z.number(),
});
export type RoleBinding = z.infer<typeof RoleBinding>;

/** `POST /platform/iam/v1/role-binding` request_data. */
export const CreateBindingRequest = z.object({
  principal_type: PrincipalType,
  principal_id: z.coerce.string().trim().min(1, "must not be empty").max(320),
  role: z.string().trim().min(1, "must not be empty").describe("Role id or display name."),
});
export type CreateBindingRequest = z.input<typeof CreateBindingRequest>;

export const BindingReply = dataEnvelope(RoleBinding);
export const BindingListReply = dataEnvelope(z.array(RoleBinding));
export const BindingDeletedReply = dataEnvelope(z.object({ message: z.string() }).loose());
