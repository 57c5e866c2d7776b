/**
 * ScopeDefinition: a named scope (SBAC) that keys, users and groups can point at. Name,
 * description and areas update in place; every entity pointing at it follows. Areas are compared
 * in canonical form, so the server's defaults never show up as a diff. `adopt` takes over an
 * existing definition by id.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  canonicalScope,
  scopeFromRead,
  ScopeAreasWrite,
  type ScopeDefinition as WireDef,
} from "../../sdk/contract";
import {
  defined,
  failuresFrom,
  isUnknown,
  outputOnlyKeys,
  stable,
  withoutEngineKeys,
  type ProviderDeps,
} from "../common";

export const ScopeDefinitionInputs = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .max(128, "must be at most 128 characters")
      .describe("Unique name. Updated in place."),
    description: z
      .string()
      .max(1024, "must be at most 1024 characters")
      .optional()
      .describe("Free text. Updated in place."),
    areas: ScopeAreasWrite.refine((a) => Object.values(a).some((v) => v !== undefined), {
      message: "must set at least one area: assets, cases_issues, endpoints or datasets_rows",
    }).describe(
      "Areas in the reference's write shape (`assets`, `cases_issues`, `endpoints.endpoint_groups`, `endpoints.endpoint_tags`, `datasets_rows`), each with a `mode`. Updated in place.",
    ),
    adopt: z.string().min(1).optional().describe("Take over an existing scope definition by id."),
  })
  .strict();
export type ScopeDefinitionInputs = z.output<typeof ScopeDefinitionInputs>;

/** ScopeDefinition outputs, declared once. */
export const ScopeDefinitionOutputs = z.object({
  scopeId: z.string().describe("The definition's id: give it to an ApiKey's `scope`."),
  name: z.string().describe("The live name."),
  description: z.string().nullable().describe("The live description."),
  areas: z.unknown().describe("The areas as declared."),
});
export const SCOPE_DEFINITION_OUTPUT_ONLY = outputOnlyKeys(
  ScopeDefinitionOutputs,
  ScopeDefinitionInputs,
);

export interface ScopeDefinitionState {
  scopeId: string;
  name: string;
  description: string | null;
  areas: unknown;
  /** Canonical live areas. */
  canonicalAreas: unknown;
  adopt?: string;
}

function stateOf(d: WireDef, news: ScopeDefinitionInputs): ScopeDefinitionState {
  return defined({
    scopeId: d.scope_id,
    name: d.name,
    description: d.description,
    areas: news.areas,
    canonicalAreas: scopeFromRead(d.areas),
    adopt: news.adopt,
  }) as ScopeDefinitionState;
}

export function scopeDefinitionProvider(deps: ProviderDeps): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds, rawNews) {
      const news = withoutEngineKeys(rawNews, SCOPE_DEFINITION_OUTPUT_ONLY);
      const r = ScopeDefinitionInputs.safeParse(news);
      if (!r.success) return { inputs: news, failures: failuresFrom(r.error, news) };
      return { inputs: defined({ ...r.data }) };
    },
    async diff(_id, olds: ScopeDefinitionState, news: ScopeDefinitionInputs) {
      const replaces: string[] = [];
      if ((olds.adopt ?? null) !== (news.adopt ?? null)) replaces.push("adopt");
      const changes =
        replaces.length > 0 ||
        olds.name !== news.name ||
        (olds.description ?? null) !== (news.description ?? null) ||
        isUnknown(news.areas) ||
        stable(canonicalScope(news.areas)) !== stable(olds.canonicalAreas);
      return { changes, replaces };
    },
    async create(news: ScopeDefinitionInputs) {
      const api = deps.api();
      if (news.adopt) {
        const d = await api.getScopeDefinition(news.adopt);
        if (!d) throw new Error(`adopt: scope definition ${news.adopt} does not exist`);
        const u = await api.updateScopeDefinition(news.adopt, {
          name: news.name,
          description: news.description ?? null,
          areas: news.areas,
        });
        return { id: u.scope_id, outs: stateOf(u, news) };
      }
      const d = await api.createScopeDefinition({
        name: news.name,
        description: news.description ?? null,
        areas: news.areas,
      });
      return { id: d.scope_id, outs: stateOf(d, news) };
    },
    async read(id, props: ScopeDefinitionState) {
      const d = await deps.api().getScopeDefinition(id);
      if (!d) return {};
      const live = scopeFromRead(d.areas);
      const outs = stateOf(d, {
        name: props.name,
        description: props.description ?? undefined,
        areas: props.areas as ScopeDefinitionInputs["areas"],
        adopt: props.adopt,
      });
      const areasInput = stable(live) === stable(props.canonicalAreas) ? props.areas : live;
      return {
        id,
        props: { ...outs, areas: areasInput },
        inputs: defined({
          name: d.name,
          description: d.description ?? undefined,
          areas: areasInput,
          adopt: props.adopt,
        }),
      };
    },
    async update(id, _olds: ScopeDefinitionState, news: ScopeDefinitionInputs) {
      const d = await deps.api().updateScopeDefinition(id, {
        name: news.name,
        description: news.description ?? null,
        areas: news.areas,
      });
      return { outs: stateOf(d, news) };
    },
    async delete(id, props: ScopeDefinitionState) {
      if ((await deps.api().deleteScopeDefinition(id)) === "retired") {
        deps.warn(
          `keyplane: scope definition '${props.name}' is still used by keys in their overlap; the server deletes it once they expire`,
        );
      }
    },
  };
}
