/**
 * Nonces of Advanced requests, per key, for replay protection: the queries. The batching of
 * concurrent requests into one INSERT lives in nonceBatcher.ts.
 */
import type { Driver } from "./driver";

export interface NonceUse {
  keyId: number;
  nonce: string;
  seenAt: number;
}

/** The identity of a nonce use in the set {@link NonceStore.insert} returns. */
export const nonceId = (keyId: number, nonce: string) => `${keyId}:${nonce}`;

export class NonceStore {
  constructor(private readonly driver: Driver) {}

  /** Inserts the uses in one statement; returns the {@link nonceId}s that were new. */
  async insert(batch: NonceUse[]): Promise<Set<string>> {
    const values = batch.map(() => "(?, ?, ?)").join(", ");
    const params = batch.flatMap((b) => [b.keyId, b.nonce, b.seenAt]);
    const rows = await this.driver.all<{ key_id: number | string; nonce: string }>(
      `INSERT INTO nonces (key_id, nonce, seen_at) VALUES ${values} ON CONFLICT DO NOTHING RETURNING key_id, nonce`,
      params,
    );
    return new Set(rows.map((r) => nonceId(Number(r.key_id), r.nonce)));
  }

  async purge(before: number): Promise<number> {
    return (await this.driver.run("DELETE FROM nonces WHERE seen_at < ?", [before])).changes;
  }
}
