/**
 * Latency histograms on Node's own `perf_hooks.createHistogram()` (an HdrHistogram: fixed memory
 * whatever the number of samples, three significant digits), recording integer microseconds and
 * summarised in milliseconds.
 */
import { createHistogram, type RecordableHistogram } from "node:perf_hooks";

export class Histogram {
  private readonly h: RecordableHistogram = createHistogram();

  /** Records one value, in microseconds (the histogram takes integers of at least 1). */
  record(us: number): void {
    this.h.record(Math.max(1, Math.round(us)));
  }

  merge(o: Histogram): void {
    this.h.add(o.h);
  }

  get total(): number {
    return this.h.count;
  }

  /** The value at percentile `p` (0-100), in microseconds. */
  percentile(p: number): number {
    return this.total === 0 ? 0 : this.h.percentile(p);
  }

  /** A compact, JSON-safe summary in milliseconds. */
  summary(): LatencySummary {
    const ms = (us: number) => Math.round(us) / 1000;
    const empty = this.total === 0;
    return {
      count: this.total,
      mean: empty ? 0 : ms(this.h.mean),
      p50: ms(this.percentile(50)),
      p90: ms(this.percentile(90)),
      p99: ms(this.percentile(99)),
      p999: ms(this.percentile(99.9)),
      max: empty ? 0 : ms(this.h.max),
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
