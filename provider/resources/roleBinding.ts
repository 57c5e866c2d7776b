/**
 * RoleBinding: binds a role to a user, a user group or an API key, as its own object on the
 * server (owned by this resource alone, so it never fights the roles an ApiKey holds). Any
 * change replaces the binding. Drift: a binding deleted out of band drops out of state.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  defined,
  failuresFrom,
  outputOnlyKeys,
  withoutEngineKeys,
  type ProviderDeps,
} from "../common";

const WIRE_TYPE = { user: "user", group: "user-group", apiKey: "api-key" } as const;

export const RoleBindingInputs = z
  .object({
    principal: z
      .object({
        type: z
          .enum(["user", "group", "apiKey"], { error: "must be `user`, `group` or `apiKey`" })
          .describe("`user` (id: email), `group` (id: group id) or `apiKey` (id: key id)."),
        id: z
          .union([z.string().trim().min(1, "must not be empty"), z.number().int().positive()])
          .describe("The principal's id."),
      })
      .strict()
      .describe("Who gets the role. A change replaces the binding."),
    role: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .describe("Role display name or id. A change replaces the binding."),
  })
  .strict();
export type RoleBindingInputs = z.output<typeof RoleBindingInputs>;

/** RoleBinding outputs, declared once. */
export const RoleBindingOutputs = z.object({
  bindingId: z.string().describe("The binding's id."),
  principal: z
    .object({ type: z.enum(["user", "group", "apiKey"]), id: z.string() })
    .describe("`{ type, id }` as bound."),
  role: z.string().describe("The role as given."),
  roleId: z.string().describe("The role's id."),
});
export const ROLE_BINDING_OUTPUT_ONLY = outputOnlyKeys(RoleBindingOutputs, RoleBindingInputs);

export interface RoleBindingState {
  bindingId: string;
  principal: { type: "user" | "group" | "apiKey"; id: string };
  role: string;
  roleId: string;
  roleName: string;
}

export function roleBindingProvider(deps: ProviderDeps): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds, rawNews) {
      const news = withoutEngineKeys(rawNews, ROLE_BINDING_OUTPUT_ONLY);
      const r = RoleBindingInputs.safeParse(news);
      if (!r.success) return { inputs: news, failures: failuresFrom(r.error, news) };
      return {
        inputs: {
          ...r.data,
          principal: { type: r.data.principal.type, id: String(r.data.principal.id) },
        },
      };
    },
    async diff(_id, olds: RoleBindingState, news: RoleBindingInputs) {
      const replaces: string[] = [];
      if (
        olds.principal?.type !== news.principal.type ||
        String(olds.principal?.id) !== String(news.principal.id)
      )
        replaces.push("principal");
      const sameRole =
        news.role.toLowerCase() === olds.role?.toLowerCase() ||
        news.role === olds.roleId ||
        news.role.toLowerCase() === olds.roleName?.toLowerCase();
      if (!sameRole) replaces.push("role");
      return { changes: replaces.length > 0, replaces };
    },
    async create(news: RoleBindingInputs) {
      const b = await deps.api().createBinding({
        principalType: WIRE_TYPE[news.principal.type],
        principalId: String(news.principal.id),
        role: news.role,
      });
      const outs: RoleBindingState = {
        bindingId: b.binding_id,
        principal: { type: news.principal.type, id: String(news.principal.id) },
        role: news.role,
        roleId: b.role_id,
        roleName: b.role_name,
      };
      return { id: b.binding_id, outs };
    },
    async read(id, props: RoleBindingState) {
      const b = await deps.api().getBinding(id);
      if (!b) return {};
      const type = (Object.entries(WIRE_TYPE).find(([, w]) => w === b.principal_type)?.[0] ??
        "user") as RoleBindingState["principal"]["type"];
      const outs = defined({
        ...props,
        bindingId: b.binding_id,
        principal: { type, id: b.principal_id },
        roleId: b.role_id,
        roleName: b.role_name,
      });
      return { id, props: outs, inputs: { principal: outs.principal, role: props.role } };
    },
    async delete(id) {
      await deps.api().deleteBinding(id);
    },
  };
}
