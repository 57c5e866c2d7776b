/**
 * An HDR-style latency histogram: integer microseconds in log-linear buckets (128 sub-buckets per
 * power of two, so every recorded value is kept within 1/64 ≈ 1.6 % of its true value), fixed
 * memory whatever the number of samples, mergeable, percentiles read from the cumulative counts.
 */
const SUB_BITS = 7;
const SUB = 1 << SUB_BITS; // 128
const HALF = SUB >> 1; // 64
const MAX_SHIFT = 40; // values up to ~2^47 µs: far beyond any timeout

export class Histogram {
  readonly counts = new Float64Array(SUB + MAX_SHIFT * HALF);
  total = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;
  sum = 0;

  private static index(v: number): number {
    if (v < SUB) return v;
    const shift = Math.floor(Math.log2(v)) - (SUB_BITS - 1); // v >> shift lies in [64, 128)
    let top = Math.floor(v / 2 ** shift);
    if (top >= SUB) top = SUB - 1; // floating-point edge
    return SUB + (shift - 1) * HALF + (top - HALF);
  }

  /** The highest value that falls into bucket `i` (percentiles report the upper edge, as HdrHistogram does). */
  private static highest(i: number): number {
    if (i < SUB) return i;
    const shift = Math.floor((i - SUB) / HALF) + 1;
    const top = ((i - SUB) % HALF) + HALF;
    return (top + 1) * 2 ** shift - 1;
  }

  /** Records one value, in microseconds. */
  record(us: number): void {
    const v = Math.max(0, Math.round(us));
    const i = Math.min(this.counts.length - 1, Histogram.index(v));
    this.counts[i]! += 1;
    this.total++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  merge(o: Histogram): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += o.counts[i]!;
    this.total += o.total;
    this.sum += o.sum;
    this.min = Math.min(this.min, o.min);
    this.max = Math.max(this.max, o.max);
  }

  /** The value at percentile `p` (0-100), in microseconds. */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(Histogram.highest(i), this.max);
    }
    return this.max;
  }

  mean(): number {
    return this.total === 0 ? 0 : this.sum / this.total;
  }

  /** A compact, JSON-safe summary in milliseconds. */
  summary(): LatencySummary {
    const ms = (us: number) => Math.round(us) / 1000;
    return {
      count: this.total,
      mean: ms(this.mean()),
      p50: ms(this.percentile(50)),
      p90: ms(this.percentile(90)),
      p99: ms(this.percentile(99)),
      p999: ms(this.percentile(99.9)),
      max: ms(this.max),
    };
  }
}

/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}
