/**
 * The key reads and deletes the resources make, coalesced (coalesce.ts): concurrent `getKey(id)`
 * calls become one `get_api_keys` filtered by `id in` (the rows are what `get` returns, keys
 * revoked or expired included; a key that does not exist, or that the caller may not see under
 * SBAC, is left out, as `get` answers 404 for it), and concurrent deletes one `delete` of their
 * ids. One set per client, so that every provider object over the same client (the dynamic
 * provider makes one per call) shares it.
 */
import { MAX_PAGE, type ApiKey } from "../sdk/contract";
import type { KeyplaneClient } from "../sdk";
import { KeyplaneApiError, NotFoundError } from "../sdk";
import { coalesce } from "./coalesce";

export interface KeyBatches {
  getKey(id: number): Promise<ApiKey | null>;
  deleteKey(id: number): Promise<void>;
}

const perClient = new WeakMap<KeyplaneClient, KeyBatches>();

/** A batch refused with a 4xx other than 429 may have been refused for one of its ids: try each alone. */
const oneMayBeTheCause = (e: unknown): boolean =>
  e instanceof KeyplaneApiError && e.status >= 400 && e.status < 500 && e.status !== 429;

/**
 * Ids that `GET api-key/{id}` takes too (a positive integer of at most 15 digits); anything else
 * goes alone and fails as it did (the list takes larger ids, and would answer null for them).
 */
const isKeyId = (id: number): boolean => Number.isInteger(id) && id > 0 && id < 1e15;

export function keyBatches(client: KeyplaneClient): KeyBatches {
  const known = perClient.get(client);
  if (known) return known;
  const made: KeyBatches = {
    getKey: coalesce<number, ApiKey | null>({
      one: async (id) => {
        try {
          return await client.apiKeys.get(id);
        } catch (e) {
          if (e instanceof NotFoundError) return null;
          throw e;
        }
      },
      many: async (ids) => {
        const page = await client.apiKeys.list({
          filters: [{ field: "id", value: ids }],
          searchFrom: 0,
          searchTo: ids.length,
        });
        const rows = new Map<number, ApiKey | null>(ids.map((id) => [id, null]));
        for (const k of page.items) if (rows.has(k.id)) rows.set(k.id, k);
        return rows;
      },
      max: MAX_PAGE,
      batchable: isKeyId,
      retryAlone: oneMayBeTheCause,
    }),
    deleteKey: coalesce<number, void>({
      one: async (id) => {
        await client.apiKeys.delete([id]);
      },
      many: async (ids) => {
        await client.apiKeys.delete(ids);
        return new Map(ids.map((id) => [id, undefined]));
      },
      max: MAX_PAGE,
      batchable: isKeyId,
      retryAlone: oneMayBeTheCause,
    }),
  };
  perClient.set(client, made);
  return made;
}
