/**
 * Retries: which calls may be sent again (the route table's policy), on which answers, after how
 * long (exponential backoff with full jitter, or the server's Retry-After), and the wait between
 * attempts, which the caller's AbortSignal ends.
 */
import { retryPolicy, ROUTES, type RetryPolicy, type RouteId } from "../contract";
import { KeyplaneAbortError, type CallSite } from "../errors";

/** The retry policy of every route, read from its entry in the route table (`retry` or `idempotency`). */
export const RETRY_POLICY: Record<RouteId, RetryPolicy> = Object.fromEntries(
  ROUTES.map((r) => [r.id, retryPolicy(r)]),
) as Record<RouteId, RetryPolicy>;

/** The answers worth another attempt: rate limited, or a gateway that could not reach the server. */
export const RETRY_STATUSES = new Set([429, 502, 503, 504]);

/** Exponential backoff with full jitter: uniform in [0, min(max, base * 2^attempt)]. */
export function backoff(
  attempt: number,
  cfg: { retryBaseDelayMs: number; retryMaxDelayMs: number },
): number {
  const cap = Math.min(cfg.retryMaxDelayMs, cfg.retryBaseDelayMs * 2 ** attempt);
  return Math.floor(Math.random() * cap);
}

/** Waits `ms` between attempts; the caller's signal ends the wait with KeyplaneAbortError. */
export async function sleep(
  ms: number,
  signal: AbortSignal | undefined,
  id: string,
  at: CallSite,
): Promise<void> {
  if (ms <= 0) return;
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(id, at, signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    if (signal) {
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    }
  });
}

export function abortError(op: string, at: CallSite, signal: AbortSignal): KeyplaneAbortError {
  const reason = signal.reason;
  const why =
    reason instanceof Error ? reason.message : typeof reason === "string" ? reason : undefined;
  return new KeyplaneAbortError(`keyplane ${op}: aborted${why ? ` (${why})` : ""}`, at);
}

/** Seconds (or an HTTP date) in `Retry-After`, as milliseconds. */
export function retryAfterMs(h: string | undefined): number | undefined {
  if (h === undefined || h === "") return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(h)) return Math.round(Number(h) * 1000);
  const t = Date.parse(h);
  return Number.isFinite(t) ? Math.max(0, t - Date.now()) : undefined;
}
