/**
 * Role: a custom role with a permission level per component. A name change replaces it (the
 * name is how keys and bindings refer to roles); description and components update in place.
 * `adopt` takes over an existing custom role by id.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ComponentPermissions, type Role as WireRole } from "../../sdk/contract";
import {
  defined,
  failuresFrom,
  outputOnlyKeys,
  stable,
  withoutEngineKeys,
  type ProviderDeps,
} from "../common";

export const RoleInputs = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .max(128, "must be at most 128 characters")
      .describe("Display name, unique. A change replaces the role."),
    description: z
      .string()
      .max(1024, "must be at most 1024 characters")
      .optional()
      .describe("Free text. Updated in place."),
    components: ComponentPermissions.refine(
      (c) => Object.values(c).some((l) => l && l !== "none"),
      {
        message: "must grant at least one component a level of `view` or `view_edit`",
      },
    ).describe(
      'Level per component (`none`, `view`, `view_edit`), e.g. `{ public_api: "view" }`. Updated in place.',
    ),
    adopt: z.string().min(1).optional().describe("Take over an existing custom role by id."),
  })
  .strict();
export type RoleInputs = z.output<typeof RoleInputs>;

/** Role outputs, declared once. */
export const RoleOutputs = z.object({
  roleId: z.string().describe("The role's id."),
  name: z.string().describe("The display name."),
  description: z.string().nullable().describe("The live description."),
  components: z.record(z.string(), z.string()).describe("The live levels per component."),
});
export const ROLE_OUTPUT_ONLY = outputOnlyKeys(RoleOutputs, RoleInputs);

export interface RoleState {
  roleId: string;
  name: string;
  description: string | null;
  components: Record<string, string>;
  adopt?: string;
}

const canon = (c: Record<string, string | undefined>) =>
  Object.fromEntries(
    Object.entries(c)
      .filter(([, l]) => l && l !== "none")
      .sort(([a], [b]) => a.localeCompare(b)),
  );

function stateOf(r: WireRole, adopt?: string): RoleState {
  return defined({
    roleId: r.role_id,
    name: r.pretty_name,
    description: r.description,
    components: canon((r.components ?? {}) as Record<string, string>),
    adopt,
  }) as RoleState;
}

export function roleProvider(deps: ProviderDeps): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds, rawNews) {
      const news = withoutEngineKeys(rawNews, ROLE_OUTPUT_ONLY);
      const r = RoleInputs.safeParse(news);
      if (!r.success) return { inputs: news, failures: failuresFrom(r.error, news) };
      return {
        inputs: defined({
          ...r.data,
          components: canon(r.data.components as Record<string, string>),
        }),
      };
    },
    async diff(_id, olds: RoleState, news: RoleInputs) {
      const replaces: string[] = [];
      if (olds.name !== news.name) replaces.push("name");
      if ((olds.adopt ?? null) !== (news.adopt ?? null)) replaces.push("adopt");
      const changes =
        replaces.length > 0 ||
        (olds.description ?? null) !== (news.description ?? null) ||
        stable(canon(olds.components)) !== stable(canon(news.components as Record<string, string>));
      return { changes, replaces };
    },
    async create(news: RoleInputs) {
      const api = deps.api();
      const body = {
        name: news.name,
        description: news.description ?? null,
        components: news.components as Record<string, string>,
      };
      if (news.adopt) {
        const r = await api.getRole(news.adopt);
        if (!r) throw new Error(`adopt: role ${news.adopt} does not exist`);
        if (!r.is_custom)
          throw new Error(
            `adopt: role '${r.pretty_name}' is predefined; only custom roles can be managed`,
          );
        const u = await api.updateRole(news.adopt, body);
        return { id: u.role_id, outs: stateOf(u, news.adopt) };
      }
      const r = await api.createRole(body);
      return { id: r.role_id, outs: stateOf(r) };
    },
    async read(id, props: RoleState) {
      const r = await deps.api().getRole(id);
      if (!r) return {};
      const outs = stateOf(r, props.adopt);
      return {
        id,
        props: outs,
        inputs: defined({
          name: outs.name,
          description: outs.description ?? undefined,
          components: outs.components,
          adopt: props.adopt,
        }),
      };
    },
    async update(id, _olds: RoleState, news: RoleInputs) {
      const r = await deps.api().updateRole(id, {
        description: news.description ?? null,
        components: news.components as Record<string, string>,
      });
      return { outs: stateOf(r, news.adopt) };
    },
    async delete(id, props: RoleState) {
      if ((await deps.api().deleteRole(id)) === "retired") {
        deps.warn(
          `keyplane: role '${props.name}' is still held by keys in their overlap; the server deletes it once they expire`,
        );
      }
    },
  };
}
