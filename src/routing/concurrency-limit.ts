/**
 * Optional adaptive concurrency limit per provider (AIMD, in the spirit of Netflix concurrency-limits and
 * Envoy's adaptive concurrency): a failure drops the limit at once to half of the attempts in flight, so
 * fewer calls land on a failing provider before its breaker opens; each answer raises it by one, up to `max`.
 * A provider at its limit is held back like a rate-limited one: tried only when nobody else can take the call.
 */

/** Options of the adaptive concurrency limit. */
export interface ConcurrencyLimitOptions {
  /** Lowest limit a failure can drop to. @default 1 */
  min?: number;
  /** Highest limit (and the limit to start with). @default 1_000 */
  max?: number;
}

/** Defaults of {@link ConcurrencyLimitOptions}. */
export const defaultConcurrencyLimitOptions = {
  min: 1,
  max: 1_000,
} as const satisfies Required<ConcurrencyLimitOptions>;

/** Errors that mean the provider itself is struggling (what breakers count by default, plus bad answers). */
const STRUGGLING = new Set(['provider_error', 'timeout', 'unknown', 'invalid_response']);

/** The adaptive limit of one provider. */
export class ConcurrencyLimit {
  /** Attempts allowed in flight now. */
  limit: number;
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
    this.limit = Math.min(this.options.max, this.limit + 1);
  }

  /** An attempt failed with `type`, `inFlight` others still running. */
  recordFailure(type: string, inFlight: number): void {
    if (!STRUGGLING.has(type)) return;
    this.limit = Math.max(this.options.min, Math.min(this.limit, inFlight + 1) / 2);
  }

  /** Back to `max` (the breaker closed). */
  reset(): void {
    this.limit = this.options.max;
  }
}
