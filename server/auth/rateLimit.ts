/**
 * Failure rate limiting: per key id and per client address, a window starts at the first failed
 * authentication and lasts `windowMs`; once it holds the limit, that subject gets 429 until the
 * window ends.
 *
 * The counts are shared by every replica through the database: each failure adds one to the
 * subject's row and learns the window and total, so an attacker who spreads attempts over N
 * replicas gets one window, not N. The check on each request reads only this replica's copy
 * (no query on the hot path); a replica learns of a block at its first failure of that subject,
 * so spreading attempts buys at most one extra failure per replica.
 *
 * Memory is bounded and each failure costs O(1): subjects sit in a Map in the order their window
 * started (a new window re-inserts), so the windows that are over are at the front; each failure
 * drops a few of those, and when the map is full the oldest subject goes. (A sweep over every
 * subject on each failure, once there were 100,000 of them, made every failure cost tens of ms.)
 *
 * What a block means is the authenticator's business (authenticate.ts): a blocked source is
 * refused outright; a blocked key id still lets its correct key in.
 */
import type { Clock } from "../clock";

export interface RateLimitOptions {
  /** Failures allowed per window, per client address. */
  perAddress: number;
  /** Failures allowed per window, per key id. */
  perKeyId: number;
  windowMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = {
  perAddress: 30,
  perKeyId: 20,
  windowMs: 60_000,
};

/** Where the replicas add up their failures (the store). */
export interface SharedFailureCounts {
  /** Adds one failure of `subject`; returns its window's start and count over all replicas. */
  countAuthFailure(
    subject: string,
    now: number,
    windowMs: number,
  ): Promise<{ start: number; n: number }>;
}

type Kind = "address" | "keyId";

export class FailureLimiter {
  private readonly counts = new Map<string, { start: number; n: number }>();
  /** Called when the shared count cannot be updated (the local count still applies). */
  onSharedError: (e: unknown) => void = () => undefined;

  constructor(
    private readonly opts: RateLimitOptions,
    private readonly clock: Clock,
    private readonly shared?: SharedFailureCounts,
    /** Most subjects remembered at once (the oldest go first). */
    private readonly maxSubjects = 100_000,
  ) {}

  /** How many subjects this replica remembers (for tests and metrics). */
  get size(): number {
    return this.counts.size;
  }

  private entry(k: string, now: number): { start: number; n: number } | undefined {
    const e = this.counts.get(k);
    if (e && now - e.start >= this.opts.windowMs) {
      this.counts.delete(k);
      return undefined;
    }
    return e;
  }

  /** Seconds until `k` may try again, or 0 when it is not limited. */
  blockedFor(kind: Kind, k: string): number {
    const now = this.clock.now();
    const e = this.entry(`${kind}:${k}`, now);
    const max = kind === "address" ? this.opts.perAddress : this.opts.perKeyId;
    if (!e || e.n < max) return 0;
    return Math.max(1, Math.ceil((e.start + this.opts.windowMs - now) / 1000));
  }

  /** Counts a failure of `k`, here and in the shared counts; never rejects. */
  async fail(kind: Kind, k: string): Promise<void> {
    const key = `${kind}:${k}`;
    const now = this.clock.now();
    this.prune(now);
    let e = this.entry(key, now);
    if (!e) {
      if (this.counts.size >= this.maxSubjects)
        this.counts.delete(this.counts.keys().next().value!);
      e = { start: now, n: 0 };
      this.counts.set(key, e);
    }
    e.n++;
    if (!this.shared) return;
    try {
      // The database's window is the service's: another replica may have started it earlier.
      const w = await this.shared.countAuthFailure(key, now, this.opts.windowMs);
      e.start = w.start;
      e.n = Math.max(e.n, w.n);
    } catch (err) {
      this.onSharedError(err);
    }
  }

  /** Drops up to a few subjects whose window is over, from the front (the oldest windows). */
  private prune(now: number): void {
    for (let i = 0; i < 4; i++) {
      const first = this.counts.entries().next();
      if (first.done || now - first.value[1].start < this.opts.windowMs) return;
      this.counts.delete(first.value[0]);
    }
  }
}
