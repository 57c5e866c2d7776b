/**
 * Calling the API from the reliability suites: an undici caller with its own pool, credentials
 * (Advanced freshly signed), minting keys into the registry, reading every key and the whole
 * audit log page by page, and running calls with bounded concurrency.
 */
import { Pool, type Dispatcher } from "undici";
import { authHeaders } from "../../../sdk/contract";
import { callResult, type Credential } from "../../helpers/server";
import { registry } from "../registry";

export const VALIDATE = "/public_api/v1/api_keys/validate";
export const GENERATE = "/public_api/v1/api_keys/generate";
export const HEALTH = "/public_api/v1/healthcheck";
export interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a reply of any route, parsed JSON
  body: any;
}

/** Headers for a credential (Advanced: freshly signed). */
export function credHeaders(c: Credential): Record<string, string> {
  return authHeaders({ apiKeyId: c.id, apiKey: c.key, securityLevel: c.level });
}

/** A JSON caller over one undici dispatcher (a pool of `connections` sockets). */
export class Api {
  readonly dispatcher: Dispatcher;
  constructor(
    readonly url: string,
    connections = 16,
  ) {
    this.dispatcher = new Pool(url, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 10_000,
      connect: { timeout: 5_000 },
    });
  }

  async call(
    method: string,
    pathname: string,
    o: {
      body?: unknown;
      as?: Credential | null;
      headers?: Record<string, string>;
      timeoutMs?: number;
    } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = {
      ...(o.body !== undefined ? { "content-type": "application/json" } : {}),
      ...(o.as ? credHeaders(o.as) : {}),
      ...(o.headers ?? {}),
    };
    const res = await this.dispatcher.request({
      origin: this.url,
      path: pathname,
      method: method as Dispatcher.HttpMethod,
      headers,
      body:
        o.body === undefined
          ? undefined
          : typeof o.body === "string"
            ? o.body
            : JSON.stringify(o.body),
      headersTimeout: o.timeoutMs ?? 30_000,
      bodyTimeout: o.timeoutMs ?? 30_000,
    });
    return callResult(res.statusCode, await res.body.text(), res.headers);
  }

  /** POST with `{request_data}` as `as`. */
  post(
    pathname: string,
    requestData: unknown,
    as: Credential | null,
    headers?: Record<string, string>,
  ): Promise<Reply> {
    return this.call("POST", pathname, { body: { request_data: requestData }, as, headers });
  }

  async close(): Promise<void> {
    await this.dispatcher.close().catch(() => undefined);
  }
}

/** Throws with the reply when the status is not the one expected. */
export function expectStatus(r: Reply, status: number, what: string): Reply {
  if (r.status !== status)
    throw new Error(`${what}: expected ${status}, got ${r.status} ${r.text.slice(0, 500)}`);
  return r;
}

/** Generates a key as `as` and records it in the registry. */
export async function mint(
  api: Api,
  as: Credential,
  o: {
    roles?: string[];
    level?: "standard" | "advanced";
    expiration?: number;
    comment?: string;
    where: string;
  },
): Promise<Credential> {
  const level = o.level ?? "standard";
  const r = expectStatus(
    await api.post(
      GENERATE,
      {
        roles: o.roles ?? ["Viewer"],
        security_level: level,
        ...(o.expiration !== undefined ? { expiration: o.expiration } : {}),
        ...(o.comment ? { comment: o.comment } : {}),
      },
      as,
    ),
    200,
    `generate (${o.where})`,
  );
  registry.minted(r.body.reply.id, r.body.reply.key, o.where);
  return { id: r.body.reply.id, key: r.body.reply.key, level };
}

/** Every key on the server, through get_api_keys pages of 1000. */
export async function listAllKeys(
  api: Api,
  admin: Credential,
): Promise<
  Array<{
    id: number;
    roles: string[];
    comment: string | null;
    status: string;
    security_level: string;
  }>
> {
  const out: Array<{
    id: number;
    roles: string[];
    comment: string | null;
    status: string;
    security_level: string;
  }> = [];
  for (let from = 0; from < 1_000_000; from += 1000) {
    const r = expectStatus(
      await api.post(
        "/public_api/v1/api_keys/get_api_keys",
        { search_from: from, search_to: from + 1000, sort: { field: "id", keyword: "asc" } },
        admin,
      ),
      200,
      "get_api_keys",
    );
    const rows = (r.body.reply.DATA ?? r.body.reply.data) as typeof out;
    out.push(...rows);
    if (rows.length < 1000) break;
  }
  return out;
}

/** The whole management audit log, over the API, as JSON text. */
export async function auditDump(
  api: Api,
  admin: Credential,
): Promise<{ text: string; count: number }> {
  const parts: string[] = [];
  let count = 0;
  for (let from = 0; from < 2_000_000; from += 1000) {
    const r = expectStatus(
      await api.post(
        "/public_api/v1/audits/management_logs",
        { search_from: from, search_to: from + 1000 },
        admin,
      ),
      200,
      "management_logs",
    );
    const rows = r.body.reply.data as unknown[];
    count += rows.length;
    parts.push(JSON.stringify(rows));
    if (rows.length < 1000) break;
  }
  return { text: parts.join("\n"), count };
}

/**
 * Runs `fn(i)` for i in [0, count) with at most `concurrency` in flight. `stop()` (checked
 * before each start) ends the run early; every started call is awaited.
 */
export async function bounded<T>(
  count: number,
  concurrency: number,
  fn: (i: number) => Promise<T>,
  stop: () => boolean = () => false,
): Promise<Array<T | undefined>> {
  const out: Array<T | undefined> = new Array(count);
  let next = 0;
  const worker = async () => {
    for (;;) {
      if (stop()) return;
      const i = next++;
      if (i >= count) return;
      out[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}
