/**
 * Nonces of Advanced requests, per key, for replay protection: the queries. The batching of
 * concurrent requests into one INSERT lives in nonceBatcher.ts. A nonce is stored as a 16-byte
 * digest (migration 10): nonces are 16 to 128 characters, and a small fixed-size key keeps the
 * B-tree that every insert lands on a random page of small.
 */
import { hash } from "node:crypto";
import type { Driver, Param } from "./driver";

export interface NonceUse {
  keyId: number;
  nonce: string;
  seenAt: number;
}

/** The identity of a nonce use in the set {@link NonceStore.insert} returns. */
export const nonceId = (keyId: number, nonce: string) => `${keyId}:${nonce}`;

/**
 * What the table keeps of a nonce: the first 16 bytes of its sha256 (UTF-8). Two nonces of one
 * key collide with probability 2^-128 per pair: never, in practice. Migration 10 computes the
 * same in SQL (on SQLite through the function the driver registers under this name).
 */
export function nonceDigest(nonce: string): Buffer {
  return hash("sha256", nonce, "buffer").subarray(0, 16);
}

export class NonceStore {
  constructor(private readonly driver: Driver) {}

  /** Inserts the uses in one statement; returns the {@link nonceId}s that were new. */
  async insert(batch: NonceUse[]): Promise<Set<string>> {
    const values = batch.map(() => "(?, ?, ?)").join(", ");
    const params: Param[] = [];
    const byDigest = new Map<string, string>();
    for (const b of batch) {
      const digest = nonceDigest(b.nonce);
      params.push(b.keyId, digest, b.seenAt);
      byDigest.set(`${b.keyId}:${digest.toString("hex")}`, nonceId(b.keyId, b.nonce));
    }
    const rows = await this.driver.all<{ key_id: number | string; digest: Buffer }>(
      `INSERT INTO nonces (key_id, digest, seen_at) VALUES ${values} ON CONFLICT DO NOTHING RETURNING key_id, digest`,
      params,
    );
    const fresh = new Set<string>();
    for (const r of rows) {
      const id = byDigest.get(`${Number(r.key_id)}:${r.digest.toString("hex")}`);
      if (id !== undefined) fresh.add(id);
    }
    return fresh;
  }

  async purge(before: number): Promise<number> {
    return (await this.driver.run("DELETE FROM nonces WHERE seen_at < ?", [before])).changes;
  }
}
