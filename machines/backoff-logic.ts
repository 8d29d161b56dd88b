/**
 * Backoff arithmetic, pure: the randomness comes in as a number, so the statechart can decide the exact delay
 * from data on its events (and knows how long it waited). `src/backoff.ts` builds its public API on these.
 */

/** Longest delay a host timer can hold (2^31 - 1 ms, about 24.8 days). */
export const MAX_DELAY_MS = 2_147_483_647;

/** How a computed delay is randomised. */
export type Jitter = 'full' | 'decorrelated' | 'none';

/** The numbers backoff needs. */
export interface BackoffShape {
  baseMs: number;
  maxMs: number;
  jitter: Jitter;
}

/** The cap of full jitter (and the exact delay without jitter) for `attempt`: `min(maxMs, baseMs * 2^(attempt-1))`. */
export function backoffCap(attempt: number, options: Pick<BackoffShape, 'baseMs' | 'maxMs'>): number {
  // 2^31 already exceeds MAX_DELAY_MS, so larger exponents cannot change the result (and cannot overflow).
  const exponent = Math.min(Math.max(0, attempt - 1), 31);
  return Math.min(options.maxMs, options.baseMs * 2 ** exponent);
}

/**
 * The jittered delay before attempt `attempt + 1`: full jitter uniform in `[0, cap]`, decorrelated uniform in
 * `[baseMs, previous * 3]` capped at `maxMs`, none exactly the cap. `r` is a uniform draw in `[0, 1)`.
 */
export function jitteredDelay(
  attempt: number,
  options: BackoffShape,
  previousMs: number | undefined,
  r: number,
): number {
  if (!(r >= 0 && r < 1)) throw new RangeError(`random() must return a number in [0, 1), got ${r}`);
  if (options.jitter === 'none') return backoffCap(attempt, options);
  if (options.jitter === 'full') return uniformInt(0, backoffCap(attempt, options), r);
  const high = Math.max(
    options.baseMs,
    Math.floor(Math.min(MAX_DELAY_MS, (previousMs ?? options.baseMs) * 3)),
  );
  return Math.min(options.maxMs, uniformInt(options.baseMs, high, r));
}

/** Uniform integer in `[low, high]` (both whole numbers, low <= high) from a draw `r` in `[0, 1)`. */
function uniformInt(low: number, high: number, r: number): number {
  return Math.min(high, low + Math.floor(r * (high - low + 1)));
}
