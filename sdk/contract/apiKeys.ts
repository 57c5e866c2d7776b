/**
 * API keys: generate, list, delete (the reference's `public_api` calls), get and edit (the
 * reference's `platform/iam` calls), plus our extensions: revoke, examples, scope at generate, the
 * key's row in the generate and edit replies.
 */
import { z } from "zod";
import {
  EpochMs,
  MessageData,
  NumericId,
  Paging,
  SecurityLevel,
  dataEnvelope,
  replyEnvelope,
  sortOf,
} from "./common";
import { ScopeAreasWrite } from "./scopes";

/** The longest comment a key may carry. */
export const MAX_COMMENT = 1024;

export const RoleRefList = z
  .array(z.string().trim().min(1, "must not be empty").max(256, "must be at most 256 characters"), {
    error: "must be a list of role names",
  })
  .min(1, "must name at least one role")
  .max(32, "must name at most 32 roles")
  .describe("Roles by display name (e.g. `Viewer`); role ids are accepted too.");

export const Comment = z
  .string({ error: "must be a string" })
  .max(MAX_COMMENT, `must be at most ${MAX_COMMENT} characters`)
  .nullish()
  .describe("Free text shown in the API Keys table.");

/** A key's scope at generate (extension): a named scope definition, or inline areas. */
export const KeyScopeInput = z
  .preprocess(
    (v, ctx) => {
      // Without this, `{scope_definition_id, assets}` matched the areas branch and the definition was dropped.
      if (
        v &&
        typeof v === "object" &&
        !Array.isArray(v) &&
        "scope_definition_id" in v &&
        Object.keys(v).length > 1
      ) {
        ctx.addIssue({
          code: "custom",
          path: ["scope_definition_id"],
          message: "give either a scope definition or areas, not both",
          input: v,
        });
        return z.NEVER;
      }
      return v;
    },
    z.union([
      z.object({ scope_definition_id: z.string().min(1, "must not be empty") }).strict(),
      ScopeAreasWrite,
    ]),
  )
  .describe(
    "The key's scope: `{scope_definition_id}` or areas in the reference's write shape (extension).",
  );

/** `POST /public_api/v1/api_keys/generate` request_data. */
export const GenerateKeyRequest = z.object({
  roles: RoleRefList,
  security_level: SecurityLevel,
  expiration: EpochMs.nullish().describe(
    "When the key stops working, epoch ms. Omitted: the tenant's default lifetime (none by default).",
  ),
  comment: Comment,
  scope: KeyScopeInput.optional(),
});
export type GenerateKeyRequest = z.input<typeof GenerateKeyRequest>;

/** Key status: `expired` is derived from the clock; `revoked` keys stay listed but never authenticate. */
export const KeyStatus = z.enum(["active", "expired", "revoked"]);
export type KeyStatus = z.infer<typeof KeyStatus>;

/** One key as lists and gets return it. Never the secret. */
export const ApiKey = z
  .object({
    id: z.coerce.number().int(),
    creation_time: z.coerce.number(),
    created_by: z.string().nullable(),
    user_name: z.string().nullable(),
    roles: z
      .array(z.string())
      .describe(
        "Display names of the roles the key holds itself (role bindings made elsewhere are not listed).",
      ),
    security_level: z.string(),
    comment: z.string().nullable(),
    expiration: z.coerce
      .number()
      .nullable()
      .describe("Epoch ms, or null when the key never expires."),
    last_used: z.coerce
      .number()
      .nullable()
      .optional()
      .describe("Last successful authentication, epoch ms (extension; updated within seconds)."),
    status: KeyStatus.optional().describe("`active`, `expired` or `revoked` (extension)."),
    scope_definition_id: z
      .string()
      .nullable()
      .optional()
      .describe("The named scope the key points at (extension)."),
    has_scope: z.boolean().optional().describe("Whether the key has a scope (extension)."),
    retiring: z
      .boolean()
      .optional()
      .describe("In its overlap after a rotation: deleted when it expires (extension)."),
  })
  .loose();
export type ApiKey = z.infer<typeof ApiKey>;

/**
 * The generate reply: the key id and the key itself, shown this once, and (extension) the new key
 * as `get_api_keys` lists it, so that a client need not read it back.
 */
export const GenerateKeyReply = replyEnvelope(
  z.object({
    id: z.coerce.number().int().describe("The key id, sent as `x-xdr-auth-id`."),
    key: z.string().describe("The key. It is returned here only: store it now."),
    api_key: ApiKey.optional().describe(
      "The new key as `get_api_keys` lists it, never the secret (extension). Absent from the answer to a repeated `Idempotency-Key` (read the key instead: it may have changed since) and from servers without this extension.",
    ),
  }),
);

/** The most key ids one request may list, across all its `id in` filters (the store binds each as a parameter). */
export const MAX_IDS = 10_000;
/** The most values a string-list filter may carry. */
const MAX_VALUES = 1000;
const StringOrList = z.union([
  z.string().transform((s) => [s]),
  z.array(z.string()).max(MAX_VALUES, `must list at most ${MAX_VALUES} values`),
]);

const idCount = (filters: Array<{ field: string; value?: unknown }> | undefined) =>
  (filters ?? []).reduce(
    (n, f) => n + (f.field === "id" && Array.isArray(f.value) ? f.value.length : 0),
    0,
  );
/** The most values of every list filter together: each is a bound parameter, and both stores must run the query (SQLite binds at most 32,766). */
export const MAX_FILTER_VALUES = 10_000;
const valueCount = (filters: Array<{ field: string; value?: unknown }> | undefined) =>
  (filters ?? []).reduce((n, f) => n + (Array.isArray(f.value) ? f.value.length : 1), 0);
const atMostIds = (
  r: { filters?: Array<{ field: string; value?: unknown }> },
  ctx: z.RefinementCtx,
) => {
  if (idCount(r.filters) > MAX_IDS)
    ctx.addIssue({
      code: "custom",
      path: ["filters"],
      message: `must list at most ${MAX_IDS} key ids in all`,
    });
  else if (valueCount(r.filters) > MAX_FILTER_VALUES)
    ctx.addIssue({
      code: "custom",
      path: ["filters"],
      message: `must list at most ${MAX_FILTER_VALUES} values in all`,
    });
};

const IdIn = z.object({
  field: z.literal("id"),
  operator: z.literal("in", { error: "operator for `id` must be `in`" }),
  value: z
    .array(NumericId, { error: "must be a list of key ids" })
    .max(MAX_IDS, `must list at most ${MAX_IDS} ids`),
});

/** Filters of `get_api_keys`: the reference's `id in`, `expiration gte/lte`, `roles contains`, and ours. */
export const KeyFilter = z.discriminatedUnion(
  "field",
  [
    IdIn,
    z.object({
      field: z.literal("expiration"),
      operator: z.enum(["gte", "lte"], {
        error: "operator for `expiration` must be `gte` or `lte`",
      }),
      value: EpochMs,
    }),
    z.object({
      field: z.literal("creation_time"),
      operator: z.enum(["gte", "lte"], {
        error: "operator for `creation_time` must be `gte` or `lte`",
      }),
      value: EpochMs,
    }),
    z.object({
      field: z.literal("roles"),
      operator: z.literal("contains", { error: "operator for `roles` must be `contains`" }),
      value: StringOrList,
    }),
    z.object({
      field: z.literal("security_level"),
      operator: z.enum(["in", "eq"], {
        error: "operator for `security_level` must be `in` or `eq`",
      }),
      value: StringOrList.pipe(z.array(SecurityLevel)),
    }),
    z.object({
      field: z.literal("comment"),
      operator: z.literal("contains", { error: "operator for `comment` must be `contains`" }),
      value: z.string().max(MAX_COMMENT),
    }),
    z.object({
      field: z.literal("created_by"),
      operator: z.enum(["in", "eq"], { error: "operator for `created_by` must be `in` or `eq`" }),
      value: StringOrList,
    }),
    z
      .object({
        field: z.literal("last_used"),
        operator: z.enum(["gte", "lte"], {
          error: "operator for `last_used` must be `gte` or `lte`",
        }),
        value: EpochMs,
      })
      .describe(
        "`lte`: unused since then (a key never used counts as unused); `gte`: used since then. `last_used` is written within seconds of a use (extension).",
      ),
    z.object({
      field: z.literal("status"),
      operator: z.enum(["in", "eq"], { error: "operator for `status` must be `in` or `eq`" }),
      value: StringOrList.pipe(z.array(KeyStatus)),
    }),
  ],
  {
    error: (iss) =>
      iss.code === "invalid_union" && iss.path?.length === 0
        ? "filter `field` must be one of: id, expiration, creation_time, roles, security_level, comment, created_by, last_used, status"
        : undefined,
  },
);
export type KeyFilter = z.output<typeof KeyFilter>;

export const KEY_SORT_FIELDS = [
  "id",
  "creation_time",
  "expiration",
  "security_level",
  "comment",
  "roles",
  "last_used",
] as const;

/** `POST /public_api/v1/api_keys/get_api_keys` request_data. */
export const ListKeysRequest = Paging.extend({
  filters: z
    .array(KeyFilter)
    .max(50, "must have at most 50 filters")
    .optional()
    .describe(`AND-combined; at most ${MAX_IDS} key ids and ${MAX_FILTER_VALUES} values in all.`),
  sort: sortOf([...KEY_SORT_FIELDS]).optional(),
}).superRefine(atMostIds);
export type ListKeysRequest = z.input<typeof ListKeysRequest>;

/** Lower-cases the reply keys real tenants send in upper case, and reads numeric-string counts. */
const normaliseListReply = (v: unknown) => {
  if (!v || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  return {
    data: o.data ?? o.DATA,
    filter_count: o.filter_count ?? o.FILTER_COUNT,
    total_count: o.total_count ?? o.TOTAL_COUNT,
  };
};

/** The `get_api_keys` reply as the server sends it (the reference's upper-case keys); the OpenAPI document shows this. */
export const ListKeysWireReply = replyEnvelope(
  z.object({
    DATA: z.array(ApiKey),
    FILTER_COUNT: z.number().int(),
    TOTAL_COUNT: z.number().int(),
  }),
);

/**
 * The `get_api_keys` reply. The server sends `DATA`, `FILTER_COUNT`, `TOTAL_COUNT` (as real
 * tenants do); this schema accepts either case and counts sent as strings.
 */
export const ListKeysReply = replyEnvelope(
  z.preprocess(
    normaliseListReply,
    z.object({
      data: z.array(ApiKey),
      filter_count: z.coerce.number().int(),
      total_count: z.coerce.number().int(),
    }),
  ),
);

/** `POST /public_api/v1/api_keys/delete` (and `revoke`) request_data: only `id in`. */
export const DeleteKeysRequest = z
  .object({
    filters: z
      .array(IdIn, {
        error:
          'must be a list of filters; only `{field: "id", operator: "in", value: [...]}` is supported',
      })
      .min(1, "must have the `id in` filter")
      .max(50, "must have at most 50 filters")
      .describe(`OR-combined; at most ${MAX_IDS} key ids in all.`),
  })
  .superRefine(atMostIds);
export type DeleteKeysRequest = z.input<typeof DeleteKeysRequest>;

export const UpdateCountReply = replyEnvelope(z.object({ update_count: z.coerce.number().int() }));

/** `GET /platform/iam/v1/api-key/{id}`. */
export const GetKeyReply = dataEnvelope(ApiKey);

/**
 * `PUT /platform/iam/v1/api-key/{id}` request_data. The reference requires `roles` and
 * `security_level`; we accept a partial edit. `expiration` is our extension: null removes it.
 * `security_level` cannot change (a new key is needed); sending the key's own level is accepted.
 */
export const EditKeyRequest = z.object({
  roles: RoleRefList.optional(),
  security_level: SecurityLevel.optional(),
  comment: Comment,
  expiration: EpochMs.nullish(),
});
export type EditKeyRequest = z.input<typeof EditKeyRequest>;
export const EditKeyReply = dataEnvelope(
  MessageData.extend({
    api_key: ApiKey.optional().describe(
      "The key after the edit as `get_api_keys` lists it (extension), so that the caller need not read it back.",
    ),
  }),
);

/**
 * `POST /public_api/v1/api_keys/retire` request_data (extension): end a key's life at
 * `expiration` instead of now (the overlap after a rotation): the sooner of its own expiration and
 * this one applies, and once it passes the server deletes the key. An expiration in the past
 * deletes the key at once.
 */
export const RetireKeyRequest = z.object({
  id: NumericId.describe("The key to retire."),
  expiration: EpochMs.describe("When the key stops working and is deleted, epoch ms."),
});
export type RetireKeyRequest = z.input<typeof RetireKeyRequest>;
export const RetireKeyReply = replyEnvelope(
  z.object({
    id: z.number(),
    status: z.enum(["retiring", "deleted"]),
    expiration: z.number().nullable().describe("When the key goes (null when it is already gone)."),
  }),
);

/** `POST /public_api/v1/api_keys/examples` request_data (extension: the page's "View Examples"). */
export const ExamplesRequest = z.object({ id: NumericId });
export const ExamplesReply = replyEnvelope(
  z.object({
    id: z.number(),
    security_level: z.string(),
    url: z.string(),
    python: z
      .string()
      .describe(
        "A Python 3 script with the key id and URL filled in and the key as a placeholder.",
      ),
    curl: z.string(),
  }),
);

/**
 * `api_keys/validate` (undocumented in the reference). The body is the JSON **string** `"true"`:
 * the official Go SDK decodes it into a Go string and compares it with `"true"` (a JSON boolean
 * fails to decode there), and a client that only tests the reply for truth sees a truthy value
 * either way. A bad key gets the usual 401.
 */
export const ValidateReply = z
  .literal("true")
  .describe('The JSON string "true" (the official Go SDK decodes it as a string).');
