/** Durations as people write them: `90d`, `12h`, `30m`, `45s`, `2w`, and combinations like `1d12h`. */

const UNITS: Record<string, number> = {
  w: 604_800_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};
const DURATION_RE = /^(?:(\d+)(w|d|h|ms|m|s))+$/;

/** Milliseconds of a duration string, or undefined when it is not one. */
export function parseDuration(s: string): number | undefined {
  const t = s.trim();
  if (!DURATION_RE.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(/(\d+)(w|d|h|ms|m|s)/g)) total += Number(m[1]) * UNITS[m[2]!]!;
  return total > 0 ? total : undefined;
}

/** "5 d", "12 h", "30 min", "40 s": the largest whole unit, for messages and tables. */
export function humanDuration(ms: number): string {
  const a = Math.abs(ms);
  if (a >= 86_400_000) return `${Math.floor(a / 86_400_000)} d`;
  if (a >= 3_600_000) return `${Math.floor(a / 3_600_000)} h`;
  if (a >= 60_000) return `${Math.floor(a / 60_000)} min`;
  return `${Math.floor(a / 1000)} s`;
}

/** "in 5 d" / "expired 2 d ago" / "never". */
export function relativeExpiry(expiration: number | null, now: number): string {
  if (expiration === null) return "never";
  return expiration > now
    ? `in ${humanDuration(expiration - now)}`
    : `expired ${humanDuration(now - expiration)} ago`;
}

/** Epoch ms of an ISO-8601 string, epoch ms number, numeric string or Date; undefined when it is none of those. */
export function parseInstant(v: unknown): number | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.getTime();
  if (typeof v === "number")
    return Number.isFinite(v) && Number.isInteger(v) && v >= 0 ? v : undefined;
  if (typeof v === "string") {
    const t = v.trim();
    if (/^\d{10,16}$/.test(t)) return Number(t);
    // Only full ISO-8601 dates (a bare "5" or "tomorrow" must not parse).
    if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(t)) return undefined;
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}
