/** `client.audit`: the management audit log (`POST /public_api/v1/audits/management_logs`). */
import type { AuditEntry } from "../contract";
import { InvalidArgumentError } from "../errors";
import type { CallOptions } from "../transport";
import { compact, toEpochMs, type TimeInput } from "../wire";
import { CallGroup, type IterateOptions, type Page, type PageRange } from "./base";

/** Re-exported from the contract (zod output types). */
export type { AuditEntry };

/** A filter of the audit log (AND-combined). */
export type AuditFilterInput =
  | { field: "email" | "type" | "subType" | "result"; operator?: "in"; value: string | string[] }
  | { field: "timestamp"; operator: "gte" | "lte"; value: TimeInput };

/** Sort order of the audit log. */
export interface AuditSort {
  /** The field. */
  field: "type" | "subType" | "result" | "timestamp" | "email";
  /** `asc` (default) or `desc`. */
  order?: "asc" | "desc";
}

/** `managementLogs` input. The server returns at most 100 entries per page. */
export interface AuditQuery extends PageRange {
  /** Filters, AND-combined. */
  filters?: AuditFilterInput[];
  /** Sort order. */
  sort?: AuditSort;
}

/** `iterate` input. */
export interface AuditIterateQuery extends IterateOptions {
  /** Filters, AND-combined. */
  filters?: AuditFilterInput[];
  /** Sort order. */
  sort?: AuditSort;
}

/** A page of the audit log. */
export interface AuditPage extends Page<AuditEntry> {
  /** Entries on this page (wire `result_count`). */
  resultCount: number;
}

const FILTER_FIELD: Record<string, string> = {
  email: "email",
  type: "type",
  subType: "sub_type",
  result: "result",
  timestamp: "timestamp",
};
const SORT_FIELD: Record<string, string> = {
  email: "email",
  type: "type",
  subType: "sub-type",
  result: "result",
  timestamp: "timestamp",
};

function auditRequest(q: {
  filters?: AuditFilterInput[];
  sort?: AuditSort;
  searchFrom?: number;
  searchTo?: number;
}): Record<string, unknown> {
  return compact({
    filters: q.filters?.map((f, i) => {
      const field = FILTER_FIELD[f.field];
      if (!field)
        throw new InvalidArgumentError(`filters.${i}.field`, `unknown field ${String(f.field)}`);
      if (f.field === "timestamp")
        return { field, operator: f.operator, value: toEpochMs(f.value, `filters.${i}.value`) };
      return { field, operator: f.operator ?? "in", value: f.value };
    }),
    sort: q.sort
      ? { field: SORT_FIELD[q.sort.field] ?? q.sort.field, keyword: q.sort.order ?? "asc" }
      : undefined,
    search_from: q.searchFrom,
    search_to: q.searchTo,
  });
}

/** The management audit log. */
export class AuditApi extends CallGroup {
  /** One page of audit entries. */
  async managementLogs(query: AuditQuery = {}, opts?: CallOptions): Promise<AuditPage> {
    const r = (await this.call("audit.managementLogs", { body: auditRequest(query) }, opts)).body
      .reply;
    return { items: r.data, totalCount: r.total_count, resultCount: r.result_count };
  }

  /** Same as {@link AuditApi.managementLogs}. */
  list(query: AuditQuery = {}, opts?: CallOptions): Promise<AuditPage> {
    return this.managementLogs(query, opts);
  }

  /** Every matching entry, walking all pages (at most 100 per request). */
  async *iterate(
    query: AuditIterateQuery = {},
    opts?: CallOptions,
  ): AsyncGenerator<AuditEntry, void, undefined> {
    const size = Math.max(1, Math.min(100, Math.floor(query.pageSize ?? 100)));
    for (let from = 0; ;) {
      const page = await this.managementLogs(
        { filters: query.filters, sort: query.sort, searchFrom: from, searchTo: from + size },
        opts,
      );
      yield* page.items;
      from += page.items.length;
      if (page.items.length < size || from >= page.totalCount) return;
    }
  }
}
