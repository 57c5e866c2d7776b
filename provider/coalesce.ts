/**
 * Coalescing of concurrent one-item calls into batch calls. The engine sends the Reads of a
 * refresh and the Deletes of a destroy concurrently, one resource each; the server can answer many
 * ids in one request (`get_api_keys` with `id in`, `delete` with `id in`), and in a plugin process
 * that runs cold code each request costs far more CPU than the rows it carries.
 *
 * No call waits for company: a call made while no request of its kind is in flight goes out at
 * once, alone (the single-item request, exactly as without coalescing). Calls made while one is
 * in flight queue, and go out together, as one batch, as soon as it settles. So a lone call costs
 * what it did, and a burst of N costs about two requests instead of N.
 *
 * Every caller gets its own outcome. When a batch request fails with an error that one of its
 * members may have caused (see `retryAlone`), each member is tried again alone, so it gets the
 * error (or the answer) it would have had without coalescing; other failures (the server
 * unreachable, a 5xx after the SDK's own retries) fail every member with that error.
 */

export interface CoalesceOptions<K, V> {
  /** The single-item request: a lone call, and each member of a batch that must be tried alone. */
  one(key: K): Promise<V>;
  /** The batch request, for two or more distinct keys: the answer for each of them. */
  many(keys: K[]): Promise<Map<K, V>>;
  /** The most keys one batch request carries. */
  max: number;
  /** Whether this key may go into a batch (others always go alone, as before). */
  batchable(key: K): boolean;
  /** Whether a failed batch's members should be tried alone (the error may be one member's). */
  retryAlone(error: unknown): boolean;
}

interface Waiter<K, V> {
  key: K;
  resolve(v: V): void;
  reject(e: unknown): void;
}

/** A function with the single-item call's signature that coalesces concurrent calls (see the top of the file). */
export function coalesce<K, V>(o: CoalesceOptions<K, V>): (key: K) => Promise<V> {
  if (!(o.max >= 2)) throw new Error("coalesce: max must be at least 2");
  let queue: Array<Waiter<K, V>> = [];
  let busy = false;

  // Through a promise, so that a `one` that throws rather than rejects still reaches its caller.
  const alone = async (key: K): Promise<V> => o.one(key);
  const settleAlone = (w: Waiter<K, V>) => alone(w.key).then(w.resolve, w.reject);

  async function send(batch: Array<Waiter<K, V>>): Promise<void> {
    const keys = [...new Set(batch.map((w) => w.key))];
    if (keys.length === 1) {
      // One key (maybe asked for by several callers): the single-item request answers all of them.
      try {
        const v = await alone(keys[0]);
        for (const w of batch) w.resolve(v);
      } catch (e) {
        for (const w of batch) w.reject(e);
      }
      return;
    }
    let answers: Map<K, V>;
    try {
      answers = await o.many(keys);
    } catch (e) {
      if (!o.retryAlone(e)) {
        for (const w of batch) w.reject(e);
        return;
      }
      await Promise.all(batch.map(settleAlone));
      return;
    }
    for (const w of batch) {
      if (answers.has(w.key)) w.resolve(answers.get(w.key) as V);
      // A batch answer that leaves a key out is a bug of `many`; never leave its caller hanging.
      else w.reject(new Error(`coalesced request: no answer for ${String(w.key)}`));
    }
  }

  function pump(): void {
    if (busy || queue.length === 0) return;
    busy = true;
    const batch = queue.slice(0, o.max);
    queue = queue.slice(o.max);
    void send(batch)
      .catch((e: unknown) => {
        // `many` or a check threw past the handling above: every member still hears of it.
        for (const w of batch) w.reject(e);
      })
      .finally(() => {
        busy = false;
        pump();
      });
  }

  return (key: K) =>
    new Promise<V>((resolve, reject) => {
      if (!o.batchable(key)) {
        alone(key).then(resolve, reject);
        return;
      }
      queue.push({ key, resolve, reject });
      pump();
    });
}
