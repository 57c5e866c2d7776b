/**
 * `last_used` without a database write per request: successful authentications are noted in
 * memory and flushed in one transaction every few seconds (and on shutdown).
 */
import type { Store } from "../store/store";

export class LastUsedTracker {
  private pending = new Map<number, number>();
  private readonly seen = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly store: Store) {}

  note(keyId: number, ts: number): void {
    const prev = this.pending.get(keyId);
    if (prev === undefined || ts > prev) this.pending.set(keyId, ts);
    const s = this.seen.get(keyId);
    if (s === undefined || ts > s) this.seen.set(keyId, ts);
    if (this.seen.size > 200_000) this.seen.clear();
  }

  /** The freshest last-used time this replica knows, merged with the stored one. */
  merge(keyId: number, stored: number | null): number | null {
    const s = this.seen.get(keyId);
    if (s === undefined) return stored;
    return stored === null || s > stored ? s : stored;
  }

  start(intervalMs = 2000): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.entries()];
    this.pending = new Map();
    await this.store.touchLastUsed(batch);
    // Stored now (or something newer is): the database answers for these keys, so `seen` keeps
    // only what it does not have yet, instead of one entry per key ever used (bench/RESULTS.md).
    for (const [id, ts] of batch) if (this.seen.get(id) === ts) this.seen.delete(id);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush().catch(() => undefined);
  }
}
