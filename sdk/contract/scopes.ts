/**
 * Scope-based access control (SBAC): the areas and modes of the reference, named scope
 * definitions (an extension) and entity scopes for users, user groups and API keys.
 *
 * Writes use names and ids (`names`, `asset_group_ids`); reads return objects (`tags`,
 * `asset_groups`), as the reference does. {@link canonicalScope} fills every area that a write
 * leaves out with the server's default, so that a client comparing what it wrote with what it
 * reads back never sees a difference the server made up (no perpetual diffs).
 */
import { z } from "zod";
import { MessageData, dataEnvelope } from "./common";

/** Modes, as in the reference. `any` is valid only for endpoint groups and endpoint tags. */
export const SCOPE_MODES = ["no_scope", "see_all", "scope", "any"] as const;
export type ScopeMode = (typeof SCOPE_MODES)[number];

const modeFor = (allowed: readonly ScopeMode[], area: string) =>
  z.enum(allowed as [ScopeMode, ...ScopeMode[]], {
    error: (iss) =>
      `mode '${String(iss.input)}' is not valid for ${area}; use one of: ${allowed.join(", ")}`,
  });

const NameList = z
  .array(z.string().trim().min(1, "must not be empty").max(256, "must be at most 256 characters"))
  .max(1000, "must list at most 1000 names");

/** `assets`: asset groups by id. */
export const AssetsAreaWrite = z
  .object({
    mode: modeFor(["no_scope", "see_all", "scope"], "assets").describe(
      "`no_scope`, `see_all` or `scope` (only the listed asset groups).",
    ),
    asset_group_ids: z
      .array(z.coerce.number().int().positive())
      .max(1000)
      .nullish()
      .describe("Asset group ids, with mode `scope` (null: none)."),
  })
  .describe("Asset groups the principal may see.");

/** `cases_issues`: tags, with the include-empty flag. */
export const CasesIssuesAreaWrite = z
  .object({
    mode: modeFor(["no_scope", "see_all", "scope"], "cases_issues"),
    names: NameList.nullish().describe("Case and issue tags, with mode `scope` (null: none)."),
    include_cases_issues_empty_entities: z
      .boolean()
      .nullish()
      .describe("With mode `scope`: also see cases and issues that carry no tag."),
  })
  .describe("Cases and issues the principal may see, by tag.");

/** `endpoints.endpoint_groups` and `endpoints.endpoint_tags`. */
export const EndpointScopeWrite = (area: string) =>
  z.object({
    mode: modeFor(["no_scope", "see_all", "scope", "any"], area).describe(
      "`no_scope`, `see_all`, `scope` (only the listed names) or `any` (anything that carries at least one).",
    ),
    names: NameList.nullish(),
  });

export const EndpointsAreaWrite = z
  .object({
    endpoint_groups: EndpointScopeWrite("endpoints.endpoint_groups").nullish(),
    endpoint_tags: EndpointScopeWrite("endpoints.endpoint_tags").nullish(),
  })
  .describe("Endpoints the principal may see, by endpoint group and endpoint tag.");

export const DatasetFilter = z.object({
  dataset: z.string().trim().min(1, "must not be empty").max(256),
  filter: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(4096)
    .describe("An XQL row filter, returned to the downstream service by verify."),
});

/** `datasets_rows`: per-dataset row filters and the default for datasets not listed. */
export const DatasetsRowsAreaWrite = z
  .object({
    default_filter_mode: modeFor(
      ["no_scope", "see_all"],
      "datasets_rows.default_filter_mode",
    ).describe("For datasets not in `filters`: `no_scope` or `see_all`."),
    filters: z
      .array(DatasetFilter)
      .max(1000)
      .superRefine((fs, ctx) => {
        // Only the first filter of a dataset would ever be checked: one filter per dataset.
        const seen = new Set<string>();
        fs.forEach((f, i) => {
          if (seen.has(f.dataset))
            ctx.addIssue({
              code: "custom",
              path: [i, "dataset"],
              message: `names dataset '${f.dataset}' a second time; give one filter per dataset`,
            });
          seen.add(f.dataset);
        });
      })
      .nullish(),
  })
  .describe("Row filters per dataset.");

/** The scope areas in the reference's write shape. */
export const ScopeAreasWrite = z
  .object({
    assets: AssetsAreaWrite.nullish(),
    cases_issues: CasesIssuesAreaWrite.nullish(),
    endpoints: EndpointsAreaWrite.nullish(),
    datasets_rows: DatasetsRowsAreaWrite.nullish(),
  })
  .superRefine((s, ctx) => {
    const needNames = (
      mode: string | undefined,
      list: unknown[] | null | undefined,
      path: (string | number)[],
      field: string,
    ) => {
      if (mode === "scope" && (!list || list.length === 0)) {
        ctx.addIssue({
          code: "custom",
          path,
          message: `mode 'scope' needs at least one entry in ${field}`,
        });
      }
      if (mode !== "scope" && list && list.length > 0) {
        ctx.addIssue({
          code: "custom",
          path,
          message: `${field} is only allowed with mode 'scope' (mode is '${mode}')`,
        });
      }
    };
    needNames(
      s.assets?.mode,
      s.assets?.asset_group_ids,
      ["assets", "asset_group_ids"],
      "asset_group_ids",
    );
    needNames(s.cases_issues?.mode, s.cases_issues?.names, ["cases_issues", "names"], "names");
    needNames(
      s.endpoints?.endpoint_groups?.mode,
      s.endpoints?.endpoint_groups?.names,
      ["endpoints", "endpoint_groups", "names"],
      "names",
    );
    needNames(
      s.endpoints?.endpoint_tags?.mode,
      s.endpoints?.endpoint_tags?.names,
      ["endpoints", "endpoint_tags", "names"],
      "names",
    );
    if (s.cases_issues?.include_cases_issues_empty_entities && s.cases_issues.mode !== "scope") {
      ctx.addIssue({
        code: "custom",
        path: ["cases_issues", "include_cases_issues_empty_entities"],
        message: "is only meaningful with mode 'scope'",
      });
    }
  })
  .describe(
    'Scope areas in the reference\'s write shape. A write replaces the whole scope: an area left out, or sent as `null` (the official Go SDK sends every area, `null` for unset ones), means `no_scope` (no access to it), never "unchanged".',
  );
export type ScopeAreasWrite = z.input<typeof ScopeAreasWrite>;

/** The canonical (fully spelled-out, sorted) form of a scope. */
export interface CanonicalScope {
  assets: { mode: ScopeMode; asset_group_ids: number[] };
  cases_issues: { mode: ScopeMode; names: string[]; include_cases_issues_empty_entities: boolean };
  endpoints: {
    endpoint_groups: { mode: ScopeMode; names: string[] };
    endpoint_tags: { mode: ScopeMode; names: string[] };
  };
  datasets_rows: {
    default_filter_mode: ScopeMode;
    filters: Array<{ dataset: string; filter: string }>;
  };
}

const uniqSorted = <T extends string | number>(xs: T[] | null | undefined): T[] =>
  [...new Set(xs ?? [])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * The canonical form of a scope written in the reference's write shape: every area present,
 * an absent area as `no_scope`, lists deduplicated and sorted, flags spelled out. The server
 * stores and returns this form; the provider diffs in it.
 */
export function canonicalScope(s: ScopeAreasWrite | undefined | null): CanonicalScope {
  const eg = s?.endpoints?.endpoint_groups;
  const et = s?.endpoints?.endpoint_tags;
  const filters = [...(s?.datasets_rows?.filters ?? [])]
    .map((f) => ({ dataset: f.dataset.trim(), filter: f.filter.trim() }))
    .sort((a, b) =>
      a.dataset < b.dataset ? -1 : a.dataset > b.dataset ? 1 : a.filter < b.filter ? -1 : 1,
    );
  const ciMode = s?.cases_issues?.mode ?? "no_scope";
  return {
    assets: {
      mode: s?.assets?.mode ?? "no_scope",
      asset_group_ids: uniqSorted(s?.assets?.asset_group_ids?.map(Number)),
    },
    cases_issues: {
      mode: ciMode,
      names: uniqSorted(s?.cases_issues?.names?.map((n) => n.trim())),
      include_cases_issues_empty_entities:
        ciMode === "scope" && !!s?.cases_issues?.include_cases_issues_empty_entities,
    },
    endpoints: {
      endpoint_groups: {
        mode: eg?.mode ?? "no_scope",
        names: uniqSorted(eg?.names?.map((n) => n.trim())),
      },
      endpoint_tags: {
        mode: et?.mode ?? "no_scope",
        names: uniqSorted(et?.names?.map((n) => n.trim())),
      },
    },
    datasets_rows: {
      default_filter_mode: s?.datasets_rows?.default_filter_mode ?? "no_scope",
      filters,
    },
  };
}

/** The read shape of a scope, as `GET /platform/iam/v1/scope/...` returns it. */
export const ScopeAreasRead = z.object({
  assets: z.object({
    mode: z.string(),
    asset_groups: z.array(
      z.object({ asset_group_id: z.number(), asset_group_name: z.string().nullable() }),
    ),
  }),
  cases_issues: z.object({
    mode: z.string(),
    tags: z.array(z.object({ tag_id: z.string().nullable(), tag_name: z.string() })),
    include_cases_issues_empty_entities: z.boolean().optional(),
  }),
  endpoints: z.object({
    endpoint_groups: z.object({
      mode: z.string(),
      tags: z.array(z.object({ tag_id: z.string().nullable(), tag_name: z.string() })),
    }),
    endpoint_tags: z.object({
      mode: z.string(),
      tags: z.array(z.object({ tag_id: z.string().nullable(), tag_name: z.string() })),
    }),
  }),
  datasets_rows: z.object({
    default_filter_mode: z.string(),
    filters: z.array(z.object({ dataset: z.string(), filter: z.string() })),
  }),
});
export type ScopeAreasRead = z.infer<typeof ScopeAreasRead>;

/** Turns the canonical form into the reference's read shape. */
export function scopeToRead(c: CanonicalScope): ScopeAreasRead {
  const tags = (names: string[], prefix: string) =>
    names.map((n) => ({ tag_id: `${prefix}:${n}`, tag_name: n }));
  return {
    assets: {
      mode: c.assets.mode,
      asset_groups: c.assets.asset_group_ids.map((id) => ({
        asset_group_id: id,
        asset_group_name: null,
      })),
    },
    cases_issues: {
      mode: c.cases_issues.mode,
      tags: tags(c.cases_issues.names, "DOM"),
      include_cases_issues_empty_entities: c.cases_issues.include_cases_issues_empty_entities,
    },
    endpoints: {
      endpoint_groups: {
        mode: c.endpoints.endpoint_groups.mode,
        tags: tags(c.endpoints.endpoint_groups.names, "EG"),
      },
      endpoint_tags: {
        mode: c.endpoints.endpoint_tags.mode,
        tags: tags(c.endpoints.endpoint_tags.names, "ET"),
      },
    },
    datasets_rows: {
      default_filter_mode: c.datasets_rows.default_filter_mode,
      filters: c.datasets_rows.filters,
    },
  };
}

/** Turns the read shape back into the canonical write form (what a client diffs against). */
export function scopeFromRead(r: ScopeAreasRead): CanonicalScope {
  return canonicalScope({
    assets: {
      mode: r.assets.mode as never,
      asset_group_ids: r.assets.asset_groups.map((g) => g.asset_group_id),
    },
    cases_issues: {
      mode: r.cases_issues.mode as never,
      names: r.cases_issues.tags.map((t) => t.tag_name),
      include_cases_issues_empty_entities: r.cases_issues.include_cases_issues_empty_entities,
    },
    endpoints: {
      endpoint_groups: {
        mode: r.endpoints.endpoint_groups.mode as never,
        names: r.endpoints.endpoint_groups.tags.map((t) => t.tag_name),
      },
      endpoint_tags: {
        mode: r.endpoints.endpoint_tags.mode as never,
        names: r.endpoints.endpoint_tags.tags.map((t) => t.tag_name),
      },
    },
    datasets_rows: {
      default_filter_mode: r.datasets_rows.default_filter_mode as never,
      filters: r.datasets_rows.filters,
    },
  });
}

/** Named scope definitions (extension): create. */
export const ScopeDefinitionCreate = z.object({
  name: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(128, "must be at most 128 characters")
    .describe("Unique name of the scope definition."),
  description: z
    .string()
    .max(1024, "must be at most 1024 characters")
    .nullish()
    .describe("Free text."),
  areas: ScopeAreasWrite.refine(
    (a) => Object.values(a).some((v) => v !== undefined && v !== null),
    {
      message: "must set at least one area (assets, cases_issues, endpoints or datasets_rows)",
    },
  ).describe("The scope, in the reference's write shape."),
});
export type ScopeDefinitionCreate = z.input<typeof ScopeDefinitionCreate>;

/** Named scope definitions: update (every field optional). */
export const ScopeDefinitionUpdate = ScopeDefinitionCreate.partial();
export type ScopeDefinitionUpdate = z.input<typeof ScopeDefinitionUpdate>;

/** A named scope definition as the server returns it. `areas` is canonical. */
export const ScopeDefinition = z.object({
  scope_id: z.string().describe("Immutable id of the scope definition."),
  name: z.string(),
  description: z.string().nullable(),
  areas: ScopeAreasRead,
  created_by: z.string(),
  created_ts: z.number(),
  updated_ts: z.number().nullable(),
});
export type ScopeDefinition = z.infer<typeof ScopeDefinition>;

export const ScopeDefinitionReply = dataEnvelope(ScopeDefinition);
export const ScopeDefinitionListReply = dataEnvelope(z.array(ScopeDefinition));
export const ScopeDefinitionCreated = dataEnvelope(MessageData.extend({ scope_id: z.string() }));

/** Entity types whose scope can be set, as path segments. */
export const EntityType = z.enum(["user", "user-group", "api-key"], {
  error: (iss) => `entity type '${String(iss.input)}' is not one of: user, user-group, api-key`,
});
export type EntityType = z.infer<typeof EntityType>;

/**
 * `PUT /platform/iam/v1/scope/{entity_type}/{entity_id}`: the areas in write shape, or (our
 * extension) `scope_definition_id` to point at a named definition, or `clear: true` to remove the
 * entity's scope.
 */
export const EntityScopeWrite = ScopeAreasWrite.and(
  z.object({
    scope_definition_id: z
      .string()
      .min(1)
      .nullish()
      .describe("Point at a named scope definition instead of inline areas."),
    clear: z.boolean().optional().describe("Remove the entity's scope."),
  }),
);
export type EntityScopeWrite = z.input<typeof EntityScopeWrite>;

/** The reply of `GET /platform/iam/v1/scope/{entity_type}/{entity_id}`. */
export const EntityScope = ScopeAreasRead.extend({
  scope_definition_id: z
    .string()
    .nullable()
    .optional()
    .describe("The named definition this entity points at, if any."),
  scope_definition_name: z.string().nullable().optional(),
  has_scope: z
    .boolean()
    .optional()
    .describe("False when the entity has no scope at all (then every area reads `no_scope`)."),
});
export type EntityScope = z.infer<typeof EntityScope>;
export const EntityScopeReply = dataEnvelope(EntityScope);

/** Resource attributes a downstream service passes to verify, to check scope. */
export const ResourceScope = z
  .object({
    asset_group_ids: z.array(z.coerce.number().int()).optional(),
    cases_issues_tags: z
      .array(z.string())
      .optional()
      .describe("Tags on the case or issue; an empty list means untagged."),
    endpoint_groups: z.array(z.string()).optional(),
    endpoint_tags: z.array(z.string()).optional(),
    dataset: z.string().optional(),
  })
  .describe("Scope attributes of the resource being accessed; only the areas given are checked.");
export type ResourceScope = z.infer<typeof ResourceScope>;
