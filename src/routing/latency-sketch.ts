/**
 * A bounded streaming latency sketch: the last {@link LATENCY_SKETCH_SIZE} answered attempts of one provider,
 * in a ring, with quantiles read from a sorted copy that is rebuilt only after new samples arrive. Memory is
 * fixed (one `Float64Array` per provider); recent behaviour wins, as a hedge delay should follow the provider
 * as it is now.
 */

/** Samples kept per provider. */
export const LATENCY_SKETCH_SIZE = 256;

/** Quantiles a hedge delay may name. */
export const LATENCY_QUANTILES = ['p50', 'p90', 'p95', 'p99'] as const;

/** A quantile name, e.g. `'p95'`. */
export type LatencyQuantile = (typeof LATENCY_QUANTILES)[number];

const FRACTION: Record<LatencyQuantile, number> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

/** Recent latencies of one provider and their quantiles. */
export class LatencySketch {
  private readonly ring: Float64Array;
  private sorted: Float64Array | undefined = undefined;
  private next = 0;
  /** Samples held (at most the sketch's size). */
  count = 0;

  constructor(readonly size = LATENCY_SKETCH_SIZE) {
    this.ring = new Float64Array(size);
  }

  /** Adds one answered attempt's duration (ms). */
  add(durationMs: number): void {
    if (!Number.isFinite(durationMs) || durationMs < 0) return;
    this.ring[this.next] = durationMs;
    this.next = (this.next + 1) % this.size;
    if (this.count < this.size) this.count++;
    this.sorted = undefined;
  }

  /** The quantile (nearest rank) of the samples held, or undefined when there are none. */
  quantile(q: LatencyQuantile | number): number | undefined {
    if (this.count === 0) return undefined;
    const fraction = typeof q === 'number' ? q : FRACTION[q];
    if (this.sorted === undefined) this.sorted = this.ring.slice(0, this.count).sort();
    const rank = Math.min(this.count - 1, Math.max(0, Math.ceil(fraction * this.count) - 1));
    return this.sorted[rank];
  }
}
