/**
 * Retry delays: exponential backoff with jitter, a provider's Retry-After first, and never past the caller's
 * deadline. Pure functions — no timers, no clock — so the request lifecycle (and its tests) decide when to wait.
 */
import { z } from 'zod';
import { backoffCap, type Jitter, jitteredDelay, MAX_DELAY_MS } from '../machines/backoff-logic.js';

export { backoffCap, type Jitter, MAX_DELAY_MS };

/** Retry policy for one provider within one call. */
export interface RetryOptions {
  /** Attempts on the same provider, the first one included (1 = never retry). @default 3 */
  maxAttempts?: number;
  /** Delay scale in milliseconds: the cap of the first backoff. @default 500 */
  baseMs?: number;
  /** Upper bound of a computed delay in milliseconds (a provider's Retry-After may exceed it). @default 8000 */
  maxMs?: number;
  /**
   * `full`: uniform in `[0, min(maxMs, baseMs * 2^(attempt-1))]`;
   * `decorrelated`: uniform in `[baseMs, previous * 3]`, capped at `maxMs`;
   * `none`: exactly `min(maxMs, baseMs * 2^(attempt-1))`.
   * @default 'full'
   */
  jitter?: Jitter;
}

/** Retry options with every field set, as returned by {@link resolveRetryOptions}. */
export type ResolvedRetryOptions = Readonly<Required<RetryOptions>>;

/** The defaults of {@link RetryOptions}. */
export const defaultRetryOptions = {
  maxAttempts: 3,
  baseMs: 500,
  maxMs: 8_000,
  jitter: 'full',
} as const satisfies Required<RetryOptions>;

/**
 * Zod schema of {@link RetryOptions}: fills defaults, rejects unknown keys, and checks `maxMs >= baseMs`.
 * The client reuses it inside its own options schema.
 */
export const retryOptionsSchema = z
  .strictObject({
    maxAttempts: z
      .int({ error: 'maxAttempts must be an integer' })
      .min(1, { error: 'maxAttempts must be at least 1' })
      .max(100, { error: 'maxAttempts must be at most 100' })
      .default(defaultRetryOptions.maxAttempts),
    baseMs: z
      .int({ error: 'baseMs must be an integer number of milliseconds' })
      .min(0, { error: 'baseMs must be >= 0' })
      .max(MAX_DELAY_MS, { error: `baseMs must be <= ${MAX_DELAY_MS}` })
      .default(defaultRetryOptions.baseMs),
    maxMs: z
      .int({ error: 'maxMs must be an integer number of milliseconds' })
      .min(0, { error: 'maxMs must be >= 0' })
      .max(MAX_DELAY_MS, { error: `maxMs must be <= ${MAX_DELAY_MS}` })
      .default(defaultRetryOptions.maxMs),
    jitter: z
      .enum(['full', 'decorrelated', 'none'], { error: "jitter must be 'full', 'decorrelated' or 'none'" })
      .default(defaultRetryOptions.jitter),
  })
  .refine((o) => o.maxMs >= o.baseMs, { error: 'maxMs must be >= baseMs', path: ['maxMs'] });

/**
 * Validates retry options once, at the boundary, and fills defaults.
 * @throws TypeError naming the offending field, e.g. `Invalid retry options: ✖ maxMs must be >= baseMs → at maxMs`.
 */
export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  const parsed = retryOptionsSchema.safeParse(options);
  if (!parsed.success) throw new TypeError(`Invalid retry options: ${z.prettifyError(parsed.error)}`);
  return Object.freeze(parsed.data);
}

/** What the lifecycle knows when it asks for a delay. All fields optional. */
export interface BackoffContext {
  /** The provider's Retry-After, in ms. Takes precedence over the computed delay, even above `maxMs`. */
  retryAfterMs?: number | undefined;
  /** Time left before the caller's total deadline, in ms. A delay that does not fit yields `undefined`. */
  remainingMs?: number | undefined;
  /** The previous delay on this provider (decorrelated jitter grows from it). @default baseMs */
  previousMs?: number | undefined;
  /** Uniform source in `[0, 1)`. @default Math.random */
  random?: (() => number) | undefined;
}

/**
 * The delay before retrying the same provider, or `undefined` meaning **"do not wait here: fail over"**.
 *
 * `attempt` is the number of attempts already made on this provider (1 after the first failure); the result
 * is the wait before attempt `attempt + 1`. It returns `undefined` when:
 * - `attempt >= maxAttempts` (no retry left on this provider), or
 * - the delay — the provider's Retry-After when given, else the jittered backoff — is not strictly less than
 *   `remainingMs` (waiting would reach the caller's deadline and leave no time for the attempt).
 *
 * Otherwise it returns a whole number of milliseconds: `retryAfterMs` (rounded up) when present, else a value in
 * `[0, maxMs]` (`[baseMs, maxMs]` for decorrelated jitter). Given the same `random`, the result is the same.
 *
 * @param options validated options from {@link resolveRetryOptions} (not re-validated here).
 * @throws RangeError when `attempt` is not an integer >= 1, or a context number is NaN/negative, or `random()`
 *   returns a value outside `[0, 1)`.
 */
export function computeBackoff(
  attempt: number,
  options: ResolvedRetryOptions,
  context: BackoffContext = {},
): number | undefined {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt must be an integer >= 1, got ${attempt}`);
  }
  const retryAfterMs = checkMs('retryAfterMs', context.retryAfterMs);
  const previousMs = checkMs('previousMs', context.previousMs);
  const { remainingMs } = context;
  if (remainingMs !== undefined && Number.isNaN(remainingMs))
    throw new RangeError('remainingMs must be a number');
  if (attempt >= options.maxAttempts) return undefined;

  const delay =
    retryAfterMs !== undefined
      ? Math.ceil(retryAfterMs)
      : jitteredDelay(attempt, options, previousMs, (context.random ?? Math.random)());
  if (remainingMs !== undefined && !(delay < remainingMs)) return undefined;
  return delay;
}

function checkMs(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  }
  return value;
}
