/**
 * What a handler receives and returns, typed from the route table: the body, query and reply of
 * `Ctx<"apiKeys.generate">` are the zod types of that entry in `ROUTES`. Also the per-request
 * state the pipeline's steps hand on to each other ({@link RequestState}).
 */
import type { FastifyRequest } from "fastify";
import type { z } from "zod";
import type { ROUTES, RouteDef, RouteId } from "../../sdk/contract";
import type { KeyPrincipal } from "../auth/cache";
import type { Services } from "../services";

type AnyRoute = (typeof ROUTES)[number];
/** The route table's entry with id `K`. */
export type RouteOf<K extends RouteId> = Extract<AnyRoute, { readonly id: K }>;
/** The validated `request_data` of route `K` (undefined when it takes none). */
export type BodyOf<K extends RouteId> = K extends RouteId ? BodyOfOne<K> : never;
type BodyOfOne<K extends RouteId> =
  RouteOf<K> extends { readonly request: infer S extends z.ZodType } ? z.output<S> : undefined;
/** The validated query string of route `K` (empty when it takes none). */
export type QueryOf<K extends RouteId> = K extends RouteId ? QueryOfOne<K> : never;
type QueryOfOne<K extends RouteId> =
  RouteOf<K> extends { readonly query: infer S extends z.ZodType }
    ? z.output<S>
    : Record<string, never>;
/** What route `K` may answer: its contract reply, as the schema takes it in. */
export type ReplyOf<K extends RouteId> = z.input<RouteOf<K>["reply"]>;

/** An Idempotency-Key request, scoped to its route and its caller (see ./idempotency.ts). */
export interface IdempotencyRequest {
  /** The stored record's key: `<route id>:<header>`, so a key reused on another route never replays its reply. */
  key: string;
  /** sha256 of the request's `request_data`, in stable JSON. */
  hash: string;
  /** Seals a reply body for the store (bound to the caller and the key). */
  seal(body: unknown): string;
  /** Set by a handler that stored the record itself, in the same transaction as its write. */
  recorded: boolean;
}

/** What every handler receives, whatever its route (what helpers shared by routes take). */
export interface CallCtx {
  req: FastifyRequest;
  route: RouteDef;
  params: Record<string, string>;
  /** The caller, without any key material. */
  principal: KeyPrincipal;
  now: number;
  requestId: string;
  /** Set when the route honours Idempotency-Key and the request carries one. */
  idempotency: IdempotencyRequest | undefined;
  svc: Services;
}

/** What the handler of route `K` receives: also its validated body and query, typed from its entry. */
export interface Ctx<K extends RouteId = RouteId> extends CallCtx {
  /** Validated `request_data`. */
  body: BodyOf<K>;
  /** Validated query string. */
  query: QueryOf<K>;
}

/** A handler's answer: the enveloped body, with an optional status and headers. */
export interface Answer<B = unknown> {
  status?: number;
  body: B;
  headers?: Record<string, string>;
  /** A write that created or deleted exactly these keys and changed nothing else (see invalidate.ts). */
  keysWritten?: readonly number[];
}

export type Handler<K extends RouteId = RouteId> = (c: Ctx<K>) => Promise<Answer<ReplyOf<K>>>;
/** One handler per route id, each typed from its own entry. */
export type Handlers = { [K in RouteId]?: Handler<K> };

/** What the pipeline's steps record on a request for the ones after them. */
export interface RequestState {
  route: RouteDef;
  /** The clock when the request came in. */
  now: number;
  principal?: KeyPrincipal;
  body?: unknown;
  query?: unknown;
  idempotency?: IdempotencyRequest;
  /** The handler ran (whatever its outcome). */
  handled?: boolean;
  /** The handler's answer named the only keys its write created or deleted (see invalidate.ts). */
  keysWritten?: readonly number[];
  /** The request was answered from an earlier one (the handler did not run). */
  replayed?: boolean;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the pipeline on every request that matched a route (see ./pipeline order in app.ts). */
    kp: RequestState | null;
  }
  interface FastifyContextConfig {
    /** The route table entry this Fastify route serves. */
    route?: RouteDef;
  }
}
