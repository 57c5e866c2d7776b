/**
 * Batches nonce checks: calls made in the same turn of the event loop (concurrent Advanced
 * requests) go to the database as one multi-row INSERT: one commit, and on SQLite one WAL write
 * of the touched pages, instead of one per request. Each caller still learns whether its own
 * nonce was new; of two identical nonces in one batch only the first is.
 */
import type { NonceStore, NonceUse } from "./nonces";

interface PendingNonce extends NonceUse {
  resolve: (fresh: boolean) => void;
  reject: (e: unknown) => void;
}

/** Nonces per INSERT: bounds the statement size and the number of cached statement shapes. */
const NONCE_BATCH = 64;

export class NonceBatcher {
  private queue: PendingNonce[] = [];

  constructor(private readonly nonces: NonceStore) {}

  /** Records that `keyId` used `nonce`; true when it is new, false for a replay. */
  record(keyId: number, nonce: string, seenAt: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ keyId, nonce, seenAt, resolve, reject });
      if (this.queue.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const all = this.queue;
    this.queue = [];
    for (let i = 0; i < all.length; i += NONCE_BATCH) {
      const batch = all.slice(i, i + NONCE_BATCH);
      try {
        const fresh = await this.nonces.insert(batch);
        batch.forEach((b, j) => b.resolve(fresh[j]!));
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    }
  }
}
