/**
 * Failure rate limiting: fixed windows of failed authentications per key id and per client
 * address. Kept in memory per replica (with N replicas an attacker gets N windows; the 128-char
 * keys make guessing hopeless anyway, the limit is there to stop noise and enumeration).
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

export class FailureLimiter {
  private readonly counts = new Map<string, { start: number; n: number }>();
  constructor(
    private readonly opts: RateLimitOptions,
    private readonly clock: Clock,
  ) {}

  private entry(k: string): { start: number; n: number } | undefined {
    const e = this.counts.get(k);
    if (e && this.clock.now() - e.start >= this.opts.windowMs) {
      this.counts.delete(k);
      return undefined;
    }
    return e;
  }

  /** Seconds until `k` may try again, or 0 when it is not limited. */
  blockedFor(kind: "address" | "keyId", k: string): number {
    const e = this.entry(`${kind}:${k}`);
    const max = kind === "address" ? this.opts.perAddress : this.opts.perKeyId;
    if (!e || e.n < max) return 0;
    return Math.max(1, Math.ceil((e.start + this.opts.windowMs - this.clock.now()) / 1000));
  }

  fail(kind: "address" | "keyId", k: string): void {
    const key = `${kind}:${k}`;
    const e = this.entry(key);
    if (e) e.n++;
    else this.counts.set(key, { start: this.clock.now(), n: 1 });
    if (this.counts.size > 100_000) this.sweep();
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [k, e] of this.counts) if (now - e.start >= this.opts.windowMs) this.counts.delete(k);
  }
}
