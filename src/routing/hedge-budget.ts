/**
 * The hedge budget of one client: over a sliding window, hedges may be at most `ratio` of calls plus a small
 * floor, so hedging cannot multiply upstream traffic. The same sliding-window rule as the retry budget (one
 * implementation, `createRetryBudget`), counting hedges instead of retries.
 */
import type { Clock } from '../clock.js';
import { createRetryBudget } from '../retry-budget.js';

/** Options of the hedge budget. */
export interface HedgeBudgetOptions {
  /** Hedges allowed per call over the window (0.1 = at most 10% extra upstream calls). @default 0.1 */
  ratio?: number;
  /** Sliding window length in ms. @default 10_000 */
  windowMs?: number;
  /** Hedges always allowed per window, however few calls there were. @default 1 */
  minPerWindow?: number;
}

/** Defaults of {@link HedgeBudgetOptions}. */
export const defaultHedgeBudgetOptions = {
  ratio: 0.1,
  windowMs: 10_000,
  minPerWindow: 1,
} satisfies Required<HedgeBudgetOptions>;

/** Record calls, ask before hedging. */
export interface HedgeBudget {
  recordCall(): void;
  /**
   * True (and the hedge is counted) when one more hedge fits the budget. With `share` < 1 the hedge sees only
   * that share of the ratio (`minPerWindow + ratio × share × calls`), so what is left stays for other hedges.
   */
  tryHedge(share?: number): boolean;
  /** Calls and hedges currently in the window. */
  stats(): { calls: number; hedges: number };
}

/** A hedge budget on `clock`: hedges ≤ `minPerWindow` + `ratio` × calls over the last `windowMs`, always. */
export function createHedgeBudget(options: Required<HedgeBudgetOptions>, clock: Clock): HedgeBudget {
  const window = createRetryBudget(
    { ratio: options.ratio, windowMs: options.windowMs, minRetries: options.minPerWindow },
    clock,
  );
  return {
    recordCall: () => window.recordCall(),
    // Strictly within the bound (the retry budget admits while under it, which could end one over).
    tryHedge: (share = 1) => {
      const { calls, retries } = window.stats();
      return retries + 1 <= options.minPerWindow + options.ratio * share * calls && window.tryRetry();
    },
    stats: () => {
      const { calls, retries } = window.stats();
      return { calls, hedges: retries };
    },
  };
}
