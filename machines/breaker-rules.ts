/**
 * The circuit breaker's rules, written once: the open duration, the sliding window's buckets, the trip and
 * close thresholds and the half-open probe limit. The local machine (`circuit-breaker-logic.ts`), the store
 * logic (`src/breaker/store-logic.ts`) and the Redis script (`src/redis/script.ts`, generated from the
 * constants here and checked against these functions by the store contract suite) all decide with them.
 * Pure: times come in as arguments.
 */

/** Number of buckets of the rate-mode sliding window. */
export const WINDOW_BUCKETS = 10;

/** The part of a breaker's configuration the open duration depends on. */
export interface OpenDurationConfig {
  openMs: number;
  backoffFactor: number;
  maxOpenMs: number;
  honorRetryAfter: boolean;
}

/**
 * How long to stay open when tripping at `at` after `reopens` consecutive re-trips:
 * `openMs * backoffFactor^reopens` capped at `maxOpenMs` (never below `openMs`), stretched to the
 * Retry-After horizon `hintUntil` when `honorRetryAfter` is set.
 */
export function openDurationMs(
  config: OpenDurationConfig,
  reopens: number,
  hintUntil: number | null,
  at: number,
): number {
  const { openMs, backoffFactor, maxOpenMs, honorRetryAfter } = config;
  const grown = Math.min(openMs * backoffFactor ** reopens, Math.max(openMs, maxOpenMs));
  const hinted = honorRetryAfter && hintUntil !== null ? hintUntil - at : 0;
  return Math.max(grown, hinted);
}

/** The Retry-After horizon after a counted failure at `at` carrying `retryAfterMs` (unchanged without one). */
export function extendedHint(
  hintUntil: number | null,
  at: number,
  retryAfterMs: number | undefined,
): number | null {
  if (retryAfterMs === undefined || !(retryAfterMs > 0)) return hintUntil;
  return Math.max(hintUntil ?? Number.NEGATIVE_INFINITY, at + retryAfterMs);
}

/** Width of one window bucket: a whole number of milliseconds, at least 1. */
export function bucketWidthMs(windowMs: number): number {
  return Math.max(1, Math.floor(windowMs / WINDOW_BUCKETS));
}

/** Start of the bucket that a call at `at` falls into. */
export function bucketStartOf(at: number, windowMs: number): number {
  const width = bucketWidthMs(windowMs);
  return Math.floor(at / width) * width;
}

/** Whether a bucket starting at `bucketStart` is still inside the window whose newest bucket starts at `start`. */
export function bucketInWindow(bucketStart: number, start: number, windowMs: number): boolean {
  return bucketStart > start - windowMs;
}

/** Whether the calls and failures in the window trip the breaker by failure rate. */
export function rateExceeded(
  config: { minimumCalls: number; failureRateThreshold: number | null },
  calls: number,
  failures: number,
): boolean {
  const { minimumCalls, failureRateThreshold } = config;
  return failureRateThreshold !== null && calls >= minimumCalls && failures / calls >= failureRateThreshold;
}

/** Whether `consecutive` counted failures reach `failureThreshold`. */
export function thresholdReached(consecutive: number, failureThreshold: number): boolean {
  return consecutive >= failureThreshold;
}

/** Whether `successes` successful probes close a half-open breaker. */
export function probesClose(successes: number, successThreshold: number): boolean {
  return successes >= successThreshold;
}

/**
 * Counted probe failures a half-open round tolerates: `halfOpenMaxCalls - successThreshold` (never below 0).
 * A round of `halfOpenMaxCalls` probes is decided by its majority when `successThreshold` is one: with the
 * defaults (2 of 3), one stray failure — a retry of a request from the outage, a provider's usual error rate —
 * neither reopens the circuit nor doubles the next open duration. With `successThreshold >= halfOpenMaxCalls`
 * one counted failure reopens it, the classic rule.
 */
export function probeFailuresTolerated(config: {
  successThreshold: number;
  halfOpenMaxCalls: number;
}): number {
  return Math.max(0, config.halfOpenMaxCalls - config.successThreshold);
}

/** Whether `failures` counted probe failures in this half-open period reopen the circuit. */
export function probesReopen(
  failures: number,
  config: { successThreshold: number; halfOpenMaxCalls: number },
): boolean {
  return failures > probeFailuresTolerated(config);
}

/** Whether another half-open probe may start while `inFlight` probes run. */
export function probeSlotFree(inFlight: number, halfOpenMaxCalls: number): boolean {
  return inFlight < halfOpenMaxCalls;
}
