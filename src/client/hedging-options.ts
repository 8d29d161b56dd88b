/**
 * The `hedging` option of {@link createResilientLLM}: its type, defaults and zod schema.
 */
import { z } from 'zod';
import { MAX_TIMER_MS } from '../options.js';
import { defaultHedgeBudgetOptions, type HedgeBudgetOptions } from '../routing/hedge-budget.js';
import { LATENCY_QUANTILES, type LatencyQuantile, type LatencySketch } from '../routing/latency-sketch.js';

/** Hedged attempts (calls only; streams never hedge). */
export interface HedgingOptions {
  /**
   * `latency`: when an attempt runs past the hedge delay, the same request starts on the next eligible
   * provider and the first answer wins. `on-failure`: after a first retryable failure (server error, timeout),
   * a retry on the same provider races the next provider. `both`: either, whichever comes first (a call still
   * hedges at most `maxHedges` times); races then draw on `raceShare` of the budget.
   * @default 'both'
   */
  mode?: 'latency' | 'on-failure' | 'both';
  /**
   * How long an attempt runs alone before a hedge starts: a fixed time in ms, or a quantile of the provider's
   * recent answered attempts (`'p50'`, `'p90'`, `'p95'`, `'p99'`).
   * @default 'p95'
   */
  delayMs?: number | LatencyQuantile;
  /** The hedge delay while a provider has fewer than `minSamples` answered attempts. @default 2_000 */
  fallbackDelayMs?: number;
  /** Answered attempts a provider needs before its quantile is trusted. @default 20 */
  minSamples?: number;
  /** Hedges per call. @default 1 */
  maxHedges?: number;
  /** At most `ratio` hedges per call over a sliding window. @default { ratio: 0.1, windowMs: 10_000, minPerWindow: 1 } */
  budget?: HedgeBudgetOptions;
  /**
   * In `both` mode, the share of the budget's `ratio` that races after a failure may spend; the rest is kept
   * for hedges of slow attempts, which each save far more time (an attempt deadline, not one provider's
   * latency). Ignored in the other modes.
   * @default 0.5
   */
  raceShare?: number;
}

/** Defaults of {@link HedgingOptions}. */
export const defaultHedgingOptions = {
  mode: 'both',
  delayMs: 'p95',
  fallbackDelayMs: 2_000,
  minSamples: 20,
  maxHedges: 1,
  budget: defaultHedgeBudgetOptions,
  raceShare: 0.5,
} satisfies Required<HedgingOptions>;

const quantiles = LATENCY_QUANTILES.map((q) => `'${q}'`).join(', ');
const delay = z
  .number(`delayMs must be a number of ms or one of ${quantiles}`)
  .min(0, 'delayMs must be >= 0')
  .max(MAX_TIMER_MS, `delayMs must be at most ${MAX_TIMER_MS} ms`);

const hedgingObject = z.strictObject({
  mode: z
    .enum(['latency', 'on-failure', 'both'], "mode must be 'latency', 'on-failure' or 'both'")
    .default(defaultHedgingOptions.mode),
  delayMs: z
    .union([delay, z.enum(LATENCY_QUANTILES)], `delayMs must be a number of ms >= 0 or one of ${quantiles}`)
    .default(defaultHedgingOptions.delayMs),
  fallbackDelayMs: z
    .number('fallbackDelayMs must be a number of ms')
    .min(0, 'fallbackDelayMs must be >= 0')
    .max(MAX_TIMER_MS, `fallbackDelayMs must be at most ${MAX_TIMER_MS} ms`)
    .default(defaultHedgingOptions.fallbackDelayMs),
  minSamples: z
    .int('minSamples must be an integer')
    .min(1, 'minSamples must be >= 1')
    .max(256, 'minSamples must be <= 256 (the samples a sketch keeps)')
    .default(defaultHedgingOptions.minSamples),
  maxHedges: z
    .int('maxHedges must be an integer')
    .min(1, 'maxHedges must be >= 1')
    .max(5, 'maxHedges must be <= 5')
    .default(defaultHedgingOptions.maxHedges),
  budget: z
    .strictObject({
      ratio: z
        .number('ratio must be a number')
        .min(0, 'ratio must be >= 0')
        .max(1, 'ratio must be <= 1')
        .default(defaultHedgeBudgetOptions.ratio),
      windowMs: z
        .int('windowMs must be an integer number of ms')
        .positive('windowMs must be > 0')
        .max(MAX_TIMER_MS, `windowMs must be at most ${MAX_TIMER_MS} ms`)
        .default(defaultHedgeBudgetOptions.windowMs),
      minPerWindow: z
        .int('minPerWindow must be an integer')
        .min(0, 'minPerWindow must be >= 0')
        .default(defaultHedgeBudgetOptions.minPerWindow),
    })
    .prefault({}),
  raceShare: z
    .number('raceShare must be a number')
    .min(0, 'raceShare must be >= 0')
    .max(1, 'raceShare must be <= 1')
    .default(defaultHedgingOptions.raceShare),
});

const SHAPE =
  'hedging must be false or { mode?, delayMs?, fallbackDelayMs?, minSamples?, maxHedges?, budget?, raceShare? }';

/**
 * The schema of `hedging`: `false` (off) or the options, defaults filled in. Dispatched by hand rather than
 * as a union, so a bad field is reported by name instead of as "no union member matched".
 */
export const hedgingSchema = z
  .unknown()
  .default(false)
  .transform((value, ctx): false | z.output<typeof hedgingObject> => {
    if (value === undefined || value === false) return false;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: SHAPE });
      return z.NEVER;
    }
    const parsed = hedgingObject.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues)
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  });

/** `hedging` after validation. */
export type ResolvedHedging = z.output<typeof hedgingSchema>;

/**
 * How long an attempt on a provider runs alone before a `latency` hedge starts: the fixed `delayMs`, or the
 * provider's latency quantile once its sketch holds `minSamples` answered attempts (`fallbackDelayMs` before).
 * The statechart's `hedgeDelay` and the fast path's hand-over point both use it.
 */
export function latencyHedgeDelayMs(
  hedging: Exclude<ResolvedHedging, false>,
  sketch: Pick<LatencySketch, 'count' | 'quantile'> | undefined,
): number {
  if (typeof hedging.delayMs === 'number') return hedging.delayMs;
  if (sketch === undefined || sketch.count < hedging.minSamples) return hedging.fallbackDelayMs;
  return Math.max(1, Math.ceil(sketch.quantile(hedging.delayMs) ?? hedging.fallbackDelayMs));
}
