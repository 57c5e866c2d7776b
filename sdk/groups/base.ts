import { randomUUID } from "node:crypto";
/**
 * What every group of calls shares: a private handle on the client's transport (so that neither
 * `util.inspect` nor `JSON.stringify` of a group reaches the credential) and the page types.
 */
import type { RouteId } from "../contract";
import type { CallOptions, CallRequest, CallResult, Transport } from "../transport";

/** One page of a list call. */
export interface Page<T> {
  /** The items of this page. */
  items: T[];
  /** How many items exist in all (`metadata.total_count`, or the reply's total). */
  totalCount: number;
}

/** A page window: `searchFrom` (inclusive, default 0) and `searchTo` (exclusive). */
export interface PageRange {
  /** Index of the first item (wire `search_from`). */
  searchFrom?: number;
  /** Index after the last item (wire `search_to`); the server caps a page at 1000 items. */
  searchTo?: number;
}

/** Options of the `iterate()` calls. */
export interface IterateOptions {
  /** Items per request (default 100, at most 1000). */
  pageSize?: number;
}

/** @internal The base of the call groups. */
export abstract class CallGroup {
  readonly #transport: Transport;

  /** @internal */
  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** @internal Calls a route through the client's transport. */
  protected call<I extends RouteId>(
    id: I,
    req?: CallRequest,
    opts?: CallOptions,
  ): Promise<CallResult<I>> {
    return this.#transport.call(id, req, opts);
  }
}

/** @internal `platform` list total: `metadata.total_count`, else the page length. */
export function totalOf(body: { data: unknown[]; metadata?: { total_count?: number } }): number {
  return body.metadata?.total_count ?? body.data.length;
}

/** @internal Page size for iteration, within 1..1000. */
export function pageSizeOf(o: IterateOptions | undefined): number {
  const n = o?.pageSize ?? 100;
  return Math.max(1, Math.min(1000, Number.isFinite(n) ? Math.floor(n) : 100));
}

/**
 * A fresh `Idempotency-Key` header for a create: the server answers a repeat of the same request
 * under the same key with the first reply, so a create whose reply was lost is retried safely.
 */
export function idempotent(): Record<string, string> {
  return { "idempotency-key": randomUUID() };
}
