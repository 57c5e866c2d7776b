/**
 * The commonest request bodies, recognised without zod: for a route listed here, a body of the
 * one plain shape below is taken as it is (copied into the value zod would return); any other
 * body, valid or not, goes to the route's zod schema as before, so every refusal and its wording
 * still come from the contract. Each shape is a strict subset of what its schema accepts, and
 * test/server/commonBodies.test.ts checks, over a table of bodies, that the copy equals zod's
 * output wherever a shape takes a body.
 *
 * Why: `get_api_keys` by id is the hot call of a key service's clients, and zod's parse of its
 * body (a discriminated union, a preprocess per id, a refinement over the filters) was ~5 % of
 * the server's CPU per request (bench/RESULTS.md, issue 12, h12c).
 */
import type { RouteId } from "../../sdk/contract";

/** At most this many ids take the plain path (far under the contract's limits, MAX_IDS and MAX_FILTER_VALUES). */
const MAX_PLAIN_IDS = 100;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A key id as NumericId takes a number: a positive safe integer. */
const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

/** Whether `o` has exactly these own keys (JSON.parse makes plain objects, `__proto__` included). */
function hasExactly(o: Record<string, unknown>, keys: readonly string[]): boolean {
  let n = 0;
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k) || !keys.includes(k)) return false;
    n++;
  }
  return n === keys.length;
}

const FILTER_KEYS = ["field", "operator", "value"] as const;

/** `{filters: [{field: "id", operator: "in", value: [ids]}, …]}`, ids as numbers, nothing else. */
function listByIds(rd: unknown): unknown {
  if (!isRecord(rd) || !hasExactly(rd, ["filters"])) return undefined;
  const fs = rd.filters;
  if (!Array.isArray(fs) || fs.length === 0) return undefined;
  let ids = 0;
  const filters: Array<{ field: "id"; operator: "in"; value: number[] }> = [];
  for (const f of fs) {
    if (!isRecord(f) || !hasExactly(f, FILTER_KEYS)) return undefined;
    if (f.field !== "id" || f.operator !== "in" || !Array.isArray(f.value)) return undefined;
    const value = f.value as unknown[];
    ids += value.length;
    if (ids > MAX_PLAIN_IDS || !value.every(isId)) return undefined;
    filters.push({ field: "id", operator: "in", value: [...(value as number[])] });
  }
  return { filters };
}

/** The plain shapes, by route: each returns zod's output for a body it takes, else undefined. */
export const COMMON_BODIES: Partial<Record<RouteId, (requestData: unknown) => unknown>> = {
  "apiKeys.list": listByIds,
};
