/**
 * Console sessions and sign-in challenges: the web console's own aggregate, kept apart from the
 * key store (it shares only the driver). A session row holds the SHA-256 of the cookie's random
 * id, never the id itself, so a copy of the database does not let anyone take over a session.
 * Every method is one statement, so replicas sharing a PostgreSQL database agree at once.
 */
import type { Driver } from "./driver";

export interface SessionRecord {
  keyId: number;
  csrfToken: string;
  createdAt: number;
  lastSeen: number;
  /** The absolute end: no activity extends it. */
  expiresAt: number;
}

interface SessionRow {
  key_id: number | string;
  csrf_token: string;
  created_at: number | string;
  last_seen: number | string;
  expires_at: number | string;
}

const toRecord = (r: SessionRow): SessionRecord => ({
  keyId: Number(r.key_id),
  csrfToken: r.csrf_token,
  createdAt: Number(r.created_at),
  lastSeen: Number(r.last_seen),
  expiresAt: Number(r.expires_at),
});

export class SessionStore {
  constructor(private readonly driver: Driver) {}

  async create(idHash: string, s: SessionRecord): Promise<void> {
    await this.driver.run(
      "INSERT INTO console_sessions (id_hash, key_id, csrf_token, created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
      [idHash, s.keyId, s.csrfToken, s.createdAt, s.lastSeen, s.expiresAt],
    );
  }

  async get(idHash: string): Promise<SessionRecord | undefined> {
    const r = await this.driver.get<SessionRow>(
      "SELECT key_id, csrf_token, created_at, last_seen, expires_at FROM console_sessions WHERE id_hash = ?",
      [idHash],
    );
    return r ? toRecord(r) : undefined;
  }

  /** Moves the idle clock; only when `lastSeen` moved by more than a few seconds, to spare writes. */
  async touch(idHash: string, now: number): Promise<void> {
    await this.driver.run(
      "UPDATE console_sessions SET last_seen = ? WHERE id_hash = ? AND last_seen < ?",
      [now, idHash, now - 5_000],
    );
  }

  async delete(idHash: string): Promise<boolean> {
    return (
      (await this.driver.run("DELETE FROM console_sessions WHERE id_hash = ?", [idHash])).changes >
      0
    );
  }

  /** Drops sessions past their absolute end or idle longer than `idleMs`. */
  async purge(now: number, idleMs: number): Promise<number> {
    return (
      await this.driver.run(
        "DELETE FROM console_sessions WHERE expires_at <= ? OR last_seen <= ?",
        [now, now - idleMs],
      )
    ).changes;
  }

  async issueChallenge(nonce: string, now: number): Promise<void> {
    await this.driver.run("INSERT INTO console_challenges (nonce, issued_at) VALUES (?, ?)", [
      nonce,
      now,
    ]);
  }

  /** Takes a challenge once: true when it was issued after `notBefore` and not taken yet. */
  async takeChallenge(nonce: string, notBefore: number): Promise<boolean> {
    const r = await this.driver.run(
      "DELETE FROM console_challenges WHERE nonce = ? AND issued_at > ?",
      [nonce, notBefore],
    );
    return r.changes > 0;
  }

  async purgeChallenges(before: number): Promise<number> {
    return (await this.driver.run("DELETE FROM console_challenges WHERE issued_at <= ?", [before]))
      .changes;
  }
}
