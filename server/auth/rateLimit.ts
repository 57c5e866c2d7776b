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
 */
import type { Clock } from "../clock";

export interface RateLimitOptions {
  /** Failures allowed per window, per client address. */
  perAddress: number;
  /** Failures allowed per window, per key id. */
  perKeyId: number;
  windowMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { perAddress: 30, perKeyId: 20, windowMs: 60_000 };

/** Where the replicas add up their failures (the store). */
export interface SharedFailureCounts {
  /** Adds one failure of `subject`; returns its window's start and count over all replicas. */
  countAuthFailure(subject: string, now: number, windowMs: number): Promise<{ start: number; n: number }>;
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
  ) {}

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
    let e = this.entry(key, now);
    if (!e) {
      e = { start: now, n: 0 };
      this.counts.set(key, e);
    }
    e.n++;
    if (this.counts.size > 100_000) this.sweep(now);
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

  private sweep(now: number): void {
    for (const [k, e] of this.counts) if (now - e.start >= this.opts.windowMs) this.counts.delete(k);
  }
}
