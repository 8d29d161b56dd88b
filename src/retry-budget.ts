/**
 * A retry budget shared by every call of a client: over a sliding window, retries may be at most `ratio`
 * of calls (plus a small floor so a quiet client can still retry). When a provider is down, calls fail over
 * instead of multiplying traffic: an outage cannot become a retry storm.
 */
import type { Clock } from './clock.js';

/** Options of the retry budget. */
export interface RetryBudgetOptions {
  /** Retries allowed per call over the window, e.g. 0.2 = one retry per five calls. @default 0.2 */
  ratio?: number;
  /** Sliding window length in ms. @default 10_000 */
  windowMs?: number;
  /** Retries always allowed per window, however few calls there were. @default 10 */
  minRetries?: number;
}

/** Defaults of {@link RetryBudgetOptions}. */
export const defaultRetryBudgetOptions = {
  ratio: 0.2,
  windowMs: 10_000,
  minRetries: 10,
} satisfies Required<RetryBudgetOptions>;

/** The shared budget: record calls and retries, ask before retrying. */
export interface RetryBudget {
  recordCall(): void;
  /** True (and the retry is counted) when one more retry fits the budget. */
  tryRetry(): boolean;
  /** Calls and retries currently in the window. */
  stats(): { calls: number; retries: number };
}

/**
 * Counts in one-second buckets over the window, so memory is bounded by the window, not by traffic.
 */
export function createRetryBudget(options: Required<RetryBudgetOptions>, clock: Clock): RetryBudget {
  const bucketMs = Math.max(1, Math.ceil(options.windowMs / 10));
  const buckets: Array<{ start: number; calls: number; retries: number }> = [];

  const current = () => {
    const now = clock.now();
    const start = now - (now % bucketMs);
    while (buckets.length > 0 && (buckets[0]?.start ?? 0) <= now - options.windowMs) buckets.shift();
    let last = buckets.at(-1);
    if (!last || last.start !== start) {
      last = { start, calls: 0, retries: 0 };
      buckets.push(last);
    }
    return last;
  };
  const totals = () => {
    current();
    let calls = 0;
    let retries = 0;
    for (const b of buckets) {
      calls += b.calls;
      retries += b.retries;
    }
    return { calls, retries };
  };

  return {
    recordCall() {
      current().calls++;
    },
    tryRetry() {
      const { calls, retries } = totals();
      if (retries >= options.minRetries + options.ratio * calls) return false;
      current().retries++;
      return true;
    },
    stats: totals,
  };
}
