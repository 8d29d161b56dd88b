/**
 * Optional adaptive concurrency limit per provider (AIMD, in the spirit of Netflix concurrency-limits and
 * Envoy's adaptive concurrency): once the provider's recent failure share passes `threshold`, each further
 * failure drops the limit at once to half of the attempts in flight, so fewer calls land on a failing
 * provider before its breaker opens; each answer raises it by one, up to `max`. The failure share is an
 * exponentially weighted average over outcomes (weight {@link FAILURE_WEIGHT} for the newest), so it does not
 * depend on the traffic rate: a dead provider passes 50% after two failures in a row. A provider whose failure
 * share stays at or below `threshold` (a noisy but healthy one) never loses any of its limit.
 * A provider at its limit is held back like a rate-limited one: tried only when nobody else can take the call.
 */

/** Weight of the newest outcome in the failure share. */
export const FAILURE_WEIGHT = 0.3;

/** Options of the adaptive concurrency limit. */
export interface ConcurrencyLimitOptions {
  /** Lowest limit a failure can drop to. @default 1 */
  min?: number;
  /** Highest limit (and the limit to start with). @default 1_000 */
  max?: number;
  /** Failure share (0..1, weighted average over recent outcomes) above which failures lower the limit. @default 0.5 */
  threshold?: number;
}

/** Defaults of {@link ConcurrencyLimitOptions}. */
export const defaultConcurrencyLimitOptions = {
  min: 1,
  max: 1_000,
  threshold: 0.5,
} as const satisfies Required<ConcurrencyLimitOptions>;

/** Errors that mean the provider itself is struggling (what breakers count by default, plus bad answers). */
const STRUGGLING = new Set(['provider_error', 'timeout', 'unknown', 'invalid_response']);

/** The adaptive limit of one provider. */
export class ConcurrencyLimit {
  /** Attempts allowed in flight now. */
  limit: number;
  /** Weighted share of recent outcomes that were failures of the provider itself. */
  failureShare = 0;
  private readonly options: Required<ConcurrencyLimitOptions>;

  constructor(options: ConcurrencyLimitOptions = {}) {
    this.options = { ...defaultConcurrencyLimitOptions, ...options };
    this.limit = this.options.max;
  }

  /** Whether another attempt may start with `inFlight` already running. */
  allows(inFlight: number): boolean {
    return inFlight < Math.floor(this.limit);
  }

  /** An attempt answered. */
  recordSuccess(): void {
    this.failureShare *= 1 - FAILURE_WEIGHT;
    this.limit = Math.min(this.options.max, this.limit + 1);
  }

  /** An attempt failed with `type`, `inFlight` others still running. */
  recordFailure(type: string, inFlight: number): void {
    if (!STRUGGLING.has(type)) return;
    this.failureShare += FAILURE_WEIGHT * (1 - this.failureShare);
    if (this.failureShare <= this.options.threshold) return;
    this.limit = Math.max(this.options.min, Math.min(this.limit, inFlight + 1) / 2);
  }

  /** Back to `max` (the breaker closed). */
  reset(): void {
    this.failureShare = 0;
    this.limit = this.options.max;
  }
}
