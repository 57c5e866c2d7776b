/**
 * `client.apiKeys`: generate, list and iterate, get, edit, delete, revoke, examples, validate.
 */
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import type { ApiKey as ApiKeySchema, ExamplesReply, KeyStatus, SecurityLevel } from "../contract";
import { InvalidArgumentError } from "../errors";
import type { CallOptions } from "../transport";
import {
  compact,
  scopeAreasToWire,
  snakeCase,
  toEpochMs,
  toEpochMsOrNull,
  type KeyScopeInput,
  type TimeInput,
} from "../wire";
import { CallGroup, pageSizeOf, type IterateOptions, type Page, type PageRange } from "./base";

/** An API key as lists and gets return it (wire shape; never the secret). */
export type ApiKey = z.output<typeof ApiKeySchema>;

/** `generate` input. */
export interface GenerateKeyInput {
  /** Roles by display name (e.g. `"Viewer"`) or id. The caller must hold what it grants. */
  roles: string[];
  /** `standard` (the key travels in `Authorization`) or `advanced` (each request is signed). */
  securityLevel: SecurityLevel;
  /** When the key stops working. Omitted: the tenant's default lifetime; `null`: never (if the tenant allows). */
  expiration?: TimeInput | null;
  /** Free text shown in the API Keys table. */
  comment?: string | null;
  /** The key's scope: `{ scopeDefinitionId }` or inline areas. */
  scope?: KeyScopeInput;
  /**
   * Sent as `Idempotency-Key`: the server answers a repeat within 24 h with the same key instead of
   * minting another. Omitted: the client makes a random UUID, which lets it retry safely. `null`:
   * send none, and never retry this call.
   */
  idempotencyKey?: string | null;
}

/** The reply to `generate`. */
export interface GenerateKeyResult {
  /** The key id (sent as `x-xdr-auth-id`). */
  id: number;
  /** The key. Returned by this call only: store it now. */
  key: string;
  /** The `Idempotency-Key` the call carried, or null. */
  idempotencyKey: string | null;
  /** True when the server answered from an earlier request with the same idempotency key. */
  replayed: boolean;
  /**
   * The new key as {@link ApiKeysApi.get} returns it, when the server sends it (a keyplane
   * extension): absent from a replayed answer and from servers without the extension, where
   * `get(id)` reads it.
   */
  record?: ApiKey;
}

/** The reply to `edit`. */
export interface EditKeyResult {
  /** The server's confirmation. */
  message: string;
  /**
   * The edited key as {@link ApiKeysApi.get} returns it, when the server sends it (`api_key` on
   * the wire, a keyplane extension, as on {@link GenerateKeyResult.record}); absent from servers
   * without the extension, where `get(id)` reads it.
   */
  record?: ApiKey;
}

/** A filter of `list` (AND-combined). Field names are camelCase; `operator` defaults where one is natural. */
export type KeyFilterInput =
  | { field: "id"; operator?: "in"; value: number[] }
  | { field: "expiration" | "creationTime"; operator: "gte" | "lte"; value: TimeInput }
  /** `lte` T: not used since T (never-used keys included; add `creationTime` `lte` T for keys unused that long); `gte` T: used since T. */
  | { field: "lastUsed"; operator: "gte" | "lte"; value: TimeInput }
  | { field: "roles"; operator?: "contains"; value: string | string[] }
  | { field: "securityLevel"; operator?: "in" | "eq"; value: SecurityLevel | SecurityLevel[] }
  | { field: "comment"; operator?: "contains"; value: string }
  | { field: "createdBy"; operator?: "in" | "eq"; value: string | string[] }
  | { field: "status"; operator?: "in" | "eq"; value: KeyStatus | KeyStatus[] };

/** Fields `list` sorts by. */
export type KeySortField =
  "id" | "creationTime" | "expiration" | "securityLevel" | "comment" | "roles" | "lastUsed";

/** Sort order of `list`. */
export interface KeySort {
  /** The field. */
  field: KeySortField;
  /** `asc` (default) or `desc`. */
  order?: "asc" | "desc";
}

/** `list` input. */
export interface ListKeysInput extends PageRange {
  /** Filters, AND-combined. */
  filters?: KeyFilterInput[];
  /** Sort order (default: by id). */
  sort?: KeySort;
}

/** `iterate` input. */
export interface IterateKeysInput extends IterateOptions {
  /** Filters, AND-combined. */
  filters?: KeyFilterInput[];
  /** Sort order (default: by id). Keep it stable while iterating. */
  sort?: KeySort;
}

/** A page of keys, with both counts of the reply. */
export interface KeyPage extends Page<ApiKey> {
  /** Keys matching the filters (wire `FILTER_COUNT`). */
  filterCount: number;
  /** All keys, expired and revoked included (wire `TOTAL_COUNT`). */
  totalCount: number;
}

/** `edit` input: any subset. */
export interface EditKeyInput {
  /** Replaces the key's own roles. */
  roles?: string[];
  /** New comment; `null` clears it. */
  comment?: string | null;
  /** New expiration; `null` removes it (if the tenant allows keys that never expire). */
  expiration?: TimeInput | null;
}

/** The "View Examples" snippets of a key (the key itself is a placeholder). */
export type KeyExamples = z.output<typeof ExamplesReply>["reply"];

const DEFAULT_OPERATOR: Record<string, string> = {
  id: "in",
  roles: "contains",
  comment: "contains",
  securityLevel: "in",
  createdBy: "in",
  status: "in",
};

function filterToWire(f: KeyFilterInput, i: number): Record<string, unknown> {
  const operator = f.operator ?? DEFAULT_OPERATOR[f.field];
  if (!operator)
    throw new InvalidArgumentError(`filters.${i}.operator`, `is required for field ${f.field}`);
  const value =
    f.field === "expiration" || f.field === "creationTime" || f.field === "lastUsed"
      ? toEpochMs(f.value, `filters.${i}.value`)
      : f.value;
  return { field: snakeCase(f.field), operator, value };
}

/** @internal Wire `filters` and `sort` of `get_api_keys`. */
export function listKeysRequest(i: {
  filters?: KeyFilterInput[];
  sort?: KeySort;
}): Record<string, unknown> {
  return compact({
    filters: i.filters?.map(filterToWire),
    sort: i.sort ? { field: snakeCase(i.sort.field), keyword: i.sort.order ?? "asc" } : undefined,
  });
}

function idList(ids: number | number[], argument: string): number[] {
  const list = Array.isArray(ids) ? ids : [ids];
  if (list.length === 0) throw new InvalidArgumentError(argument, "must name at least one key id");
  return list;
}

/** API keys. */
export class ApiKeysApi extends CallGroup {
  /**
   * Generates a key (`POST /public_api/v1/api_keys/generate`). Retried on transport errors,
   * 429 and 502/503/504 only under an idempotency key, so a lost reply never mints two keys.
   */
  async generate(input: GenerateKeyInput, opts?: CallOptions): Promise<GenerateKeyResult> {
    const idempotencyKey = input.idempotencyKey === undefined ? randomUUID() : input.idempotencyKey;
    const res = await this.call(
      "apiKeys.generate",
      {
        body: compact({
          roles: input.roles,
          security_level: input.securityLevel,
          expiration: toEpochMsOrNull(input.expiration, "expiration"),
          comment: input.comment,
          scope: input.scope === undefined ? undefined : keyScopeToWire(input.scope),
        }),
        headers: idempotencyKey === null ? undefined : { "idempotency-key": idempotencyKey },
      },
      opts,
    );
    return {
      id: res.body.reply.id,
      key: res.body.reply.key,
      idempotencyKey,
      replayed: res.headers["idempotent-replayed"] === "true",
      ...(res.body.reply.api_key ? { record: res.body.reply.api_key } : {}),
    };
  }

  /** One page of keys with filters and sort (`get_api_keys`), and both counts. */
  async list(input: ListKeysInput = {}, opts?: CallOptions): Promise<KeyPage> {
    const res = await this.call(
      "apiKeys.list",
      {
        body: {
          ...listKeysRequest(input),
          ...compact({ search_from: input.searchFrom, search_to: input.searchTo }),
        },
      },
      opts,
    );
    const r = res.body.reply;
    return { items: r.data, filterCount: r.filter_count, totalCount: r.total_count };
  }

  /** Every page of keys matching the filters, one request per page (offset paging). */
  async *pages(
    input: IterateKeysInput = {},
    opts?: CallOptions,
  ): AsyncGenerator<KeyPage, void, undefined> {
    const size = pageSizeOf(input);
    for (let from = 0; ;) {
      const page = await this.list(
        { filters: input.filters, sort: input.sort, searchFrom: from, searchTo: from + size },
        opts,
      );
      if (page.items.length > 0) yield page;
      from += page.items.length;
      if (page.items.length < size || from >= page.filterCount) return;
    }
  }

  /**
   * Every key matching the filters, walking all pages (`pageSize` per request):
   * `for await (const key of client.apiKeys.iterate({ filters }))`.
   * Keys created or deleted while iterating may be skipped or seen twice (offset paging).
   */
  async *iterate(
    input: IterateKeysInput = {},
    opts?: CallOptions,
  ): AsyncGenerator<ApiKey, void, undefined> {
    for await (const page of this.pages(input, opts)) yield* page.items;
  }

  /** One key (`GET /platform/iam/v1/api-key/{id}`); {@link NotFoundError} when it does not exist. */
  async get(id: number, opts?: CallOptions): Promise<ApiKey> {
    return (await this.call("apiKeys.get", { params: { id } }, opts)).body.data;
  }

  /** Changes a key's roles, comment or expiration (`PUT /platform/iam/v1/api-key/{id}`). */
  async edit(id: number, input: EditKeyInput, opts?: CallOptions): Promise<EditKeyResult> {
    const body = compact({
      roles: input.roles,
      comment: input.comment,
      expiration: toEpochMsOrNull(input.expiration, "expiration"),
    });
    const data = (await this.call("apiKeys.edit", { params: { id }, body }, opts)).body.data;
    return { message: data.message, ...(data.api_key ? { record: data.api_key } : {}) };
  }

  /** Deletes keys by id; returns how many were deleted (0 for ids already gone). */
  async delete(ids: number | number[], opts?: CallOptions): Promise<number> {
    const value = idList(ids, "ids");
    return (
      await this.call(
        "apiKeys.delete",
        { body: { filters: [{ field: "id", operator: "in", value }] } },
        opts,
      )
    ).body.reply.update_count;
  }

  /** Revokes keys by id (they stay listed, status `revoked`); returns how many changed. */
  async revoke(ids: number | number[], opts?: CallOptions): Promise<number> {
    const value = idList(ids, "ids");
    return (
      await this.call(
        "apiKeys.revoke",
        { body: { filters: [{ field: "id", operator: "in", value }] } },
        opts,
      )
    ).body.reply.update_count;
  }

  /**
   * Retires a key: it keeps working until `expiration` (or its own expiration, if sooner), then the
   * server deletes it. For rotation with overlap. An expiration in the past deletes it now.
   */
  async retire(
    id: number,
    expiration: TimeInput,
    opts?: CallOptions,
  ): Promise<{ id: number; status: "retiring" | "deleted"; expiration: number | null }> {
    const body = { id, expiration: toEpochMs(expiration, "expiration") };
    return (await this.call("apiKeys.retire", { body }, opts)).body.reply;
  }

  /** Python 3 and curl snippets for a key (the page's "View Examples"). */
  async examples(id: number, opts?: CallOptions): Promise<KeyExamples> {
    return (await this.call("apiKeys.examples", { body: { id } }, opts)).body.reply;
  }

  /** True when this client's own key authenticates (`api_keys/validate`); a bad key throws {@link UnauthorizedError}. */
  async validate(opts?: CallOptions): Promise<boolean> {
    // The server answers the JSON string "true" (what the official Go SDK expects).
    return (await this.call("apiKeys.validate", {}, opts)).body === "true";
  }
}

function keyScopeToWire(s: KeyScopeInput): unknown {
  if ("scopeDefinitionId" in s && typeof s.scopeDefinitionId === "string")
    return { scope_definition_id: s.scopeDefinitionId };
  return scopeAreasToWire(s as never);
}
