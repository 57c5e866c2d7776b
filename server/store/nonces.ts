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

  /**
   * Inserts the uses in one statement; returns, for each use in order, whether it was new. Of
   * two uses of one nonce by one key in the batch, only the first is.
   */
  async insert(batch: NonceUse[]): Promise<boolean[]> {
    const values = batch.map(() => "(?, ?, ?)").join(", ");
    const params: Param[] = [];
    // A use's identity: its key and digest (latin1: one character per byte).
    const ids = batch.map((b) => {
      const digest = nonceDigest(b.nonce);
      params.push(b.keyId, digest, b.seenAt);
      return `${b.keyId}:${digest.toString("latin1")}`;
    });
    const rows = await this.driver.all<{ key_id: number | string; digest: Buffer }>(
      `INSERT INTO nonces (key_id, digest, seen_at) VALUES ${values} ON CONFLICT DO NOTHING RETURNING key_id, digest`,
      params,
    );
    const inserted = new Set(rows.map((r) => `${Number(r.key_id)}:${r.digest.toString("latin1")}`));
    // `delete` hands each inserted row to the first use that asked for it.
    return ids.map((id) => inserted.delete(id));
  }

  async purge(before: number): Promise<number> {
    return (await this.driver.run("DELETE FROM nonces WHERE seen_at < ?", [before])).changes;
  }
}
