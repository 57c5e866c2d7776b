/**
 * Idempotency records: the encrypted reply to a create made under an `Idempotency-Key`, per
 * (actor, key), replayed to a retry inside the window. Key creation claims its record inside
 * its own transaction (see {@link claimIdempotency}), so a concurrent twin waits and replays.
 */
import type { Driver } from "./driver";

interface IdempotencyRow {
  actor_key_id: number | string;
  idem_key: string;
  request_hash: string;
  reply_enc: string;
}

export interface IdempotentReply {
  actorKeyId: number;
  key: string;
  replyEnc: string;
}

/** What a create made under an idempotency key brings to the key's transaction. */
export interface IdempotencyClaim {
  actorKeyId: number;
  key: string;
  requestHash: string;
  notBefore: number;
  encryptReply: (id: number) => string;
}

const DROP_STALE =
  "DELETE FROM idempotency WHERE actor_key_id = ? AND idem_key = ? AND created_at < ?";
const SET_REPLY = "UPDATE idempotency SET reply_enc = ? WHERE actor_key_id = ? AND idem_key = ?";

/**
 * Claims (actor, key) inside the creating transaction `d`, before the key exists: a concurrent
 * twin blocks here (PostgreSQL) or waits for the lock (SQLite), then fails the unique check and
 * replays the stored reply.
 */
export async function claimIdempotency(
  d: Driver,
  i: IdempotencyClaim,
  createdAt: number,
): Promise<void> {
  // A record older than the idempotency window no longer counts.
  await d.run(DROP_STALE, [i.actorKeyId, i.key, i.notBefore]);
  await d.run(
    "INSERT INTO idempotency (actor_key_id, idem_key, request_hash, reply_enc, created_at) VALUES (?, ?, ?, '', ?)",
    [i.actorKeyId, i.key, i.requestHash, createdAt],
  );
}

/** Fills the claimed record with the reply, once the new key's id is known. */
export async function fillIdempotentReply(d: Driver, i: IdempotencyClaim, id: number) {
  await d.run(SET_REPLY, [i.encryptReply(id), i.actorKeyId, i.key]);
}

export class IdempotencyStore {
  constructor(private readonly driver: Driver) {}

  /** The idempotency record for (actor, key), if younger than `notBefore`. */
  async get(
    actorKeyId: number,
    key: string,
    notBefore: number,
  ): Promise<{ requestHash: string; replyEnc: string } | undefined> {
    const r = await this.driver.get<IdempotencyRow>(
      "SELECT request_hash, reply_enc FROM idempotency WHERE actor_key_id = ? AND idem_key = ? AND created_at >= ?",
      [actorKeyId, key, notBefore],
    );
    return r ? { requestHash: String(r.request_hash), replyEnc: String(r.reply_enc) } : undefined;
  }

  /** Remembers the reply to a create made under an idempotency key (a twin that got there first wins). */
  async saveReply(r: {
    actorKeyId: number;
    key: string;
    requestHash: string;
    replyEnc: string;
    createdAt: number;
    notBefore: number;
  }): Promise<void> {
    await this.driver.tx(async (d) => {
      await d.run(DROP_STALE, [r.actorKeyId, r.key, r.notBefore]);
      await d.run(
        "INSERT INTO idempotency (actor_key_id, idem_key, request_hash, reply_enc, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [r.actorKeyId, r.key, r.requestHash, r.replyEnc, r.createdAt],
      );
    });
  }

  /** Drops idempotency records older than `before` (and any stale one under the same key first). */
  async purge(before: number): Promise<number> {
    return (await this.driver.run("DELETE FROM idempotency WHERE created_at < ?", [before]))
      .changes;
  }

  /** Idempotency replies, for re-encryption under a new master key. */
  async allReplies(): Promise<IdempotentReply[]> {
    const rows = await this.driver.all<IdempotencyRow>(
      "SELECT actor_key_id, idem_key, reply_enc FROM idempotency",
    );
    return rows.map((r) => ({
      actorKeyId: Number(r.actor_key_id),
      key: String(r.idem_key),
      replyEnc: String(r.reply_enc),
    }));
  }

  async replaceReplies(entries: IdempotentReply[]): Promise<void> {
    await this.driver.tx(async (d) => {
      for (const e of entries) await d.run(SET_REPLY, [e.replyEnc, e.actorKeyId, e.key]);
    });
  }
}
