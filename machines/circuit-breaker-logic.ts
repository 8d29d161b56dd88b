/**
 * Pure computations behind the circuit breaker's guards and actions: outcome verdicts, the rate-mode
 * sliding window, and the open duration. No clock, no I/O: times come in as arguments.
 */

import {
  bucketInWindow,
  bucketStartOf,
  extendedHint,
  openDurationMs,
  probeSlotFree,
  rateExceeded,
  thresholdReached,
} from './breaker-rules.js';
import type {
  BreakerContext,
  BreakerDecision,
  BreakerEvent,
  BreakerMachineConfig,
  BreakerMachineInput,
  BreakerOutcomeEvent,
  WindowBucket,
} from './circuit-breaker-types.js';
import { defaultBreakerMachineConfig } from './circuit-breaker-types.js';

/** How an outcome counts: a slow success is a failure; a failure of an uncounted type is ignored. */
export type Verdict = 'success' | 'failure' | 'ignored';

/** The verdict of an outcome event under `config`. */
export function verdictOf(config: BreakerMachineConfig, event: BreakerOutcomeEvent): Verdict {
  if (event.type === 'breaker.failure') {
    return config.countedErrors.includes(event.errorType) ? 'failure' : 'ignored';
  }
  return config.slowCallMs !== null && event.durationMs > config.slowCallMs ? 'failure' : 'success';
}

/** True when `event` is an outcome of a permit issued in the breaker's current period. */
export function isCurrent(context: BreakerContext, event: BreakerEvent): boolean {
  return 'period' in event && event.period === context.period;
}

/** The verdict of `event` when it is a current-period outcome, else `ignored`. */
export function currentVerdict(context: BreakerContext, event: BreakerEvent): Verdict {
  if (event.type !== 'breaker.success' && event.type !== 'breaker.failure') return 'ignored';
  return isCurrent(context, event) ? verdictOf(context.config, event) : 'ignored';
}

/** The window after recording one call at `at` (buckets older than `windowMs` dropped). Rate mode off: empty. */
export function recordInWindow(context: BreakerContext, at: number, failed: boolean): WindowBucket[] {
  const { failureRateThreshold, windowMs } = context.config;
  if (failureRateThreshold === null) return [];
  const start = bucketStartOf(at, windowMs);
  const kept = context.window.filter((bucket) => bucketInWindow(bucket.start, start, windowMs));
  const last = kept.at(-1);
  const failures = failed ? 1 : 0;
  if (last !== undefined && last.start === start) {
    return [...kept.slice(0, -1), { start, calls: last.calls + 1, failures: last.failures + failures }];
  }
  return [...kept, { start, calls: 1, failures }];
}

/** Why recording `failed` at `at` would open the circuit, or null when it would not. */
export function tripReasonOf(
  context: BreakerContext,
  at: number,
  failed: boolean,
): 'failure_threshold' | 'failure_rate' | null {
  if (!failed) return null;
  const { failureThreshold, failureRateThreshold } = context.config;
  if (thresholdReached(context.consecutiveFailures + 1, failureThreshold)) return 'failure_threshold';
  if (failureRateThreshold === null) return null;
  let calls = 0;
  let failures = 0;
  for (const bucket of recordInWindow(context, at, failed)) {
    calls += bucket.calls;
    failures += bucket.failures;
  }
  return rateExceeded(context.config, calls, failures) ? 'failure_rate' : null;
}

/** The Retry-After horizon after a counted failure at `at` carrying `retryAfterMs`. */
export function nextHintUntil(
  context: BreakerContext,
  at: number,
  retryAfterMs: number | undefined,
): number | null {
  return extendedHint(context.hintUntil, at, retryAfterMs);
}

/** How long to stay open when tripping at `at` after `reopens` consecutive re-trips ({@link openDurationMs}). */
export function openDurationOf(context: BreakerContext, at: number, reopens: number): number {
  return openDurationMs(context.config, reopens, context.hintUntil, at);
}

/** Whether a half-open probe may start: below `halfOpenMaxCalls` locally, or a reserved permit is left. */
/**
 * The answer to a permit request while open: refused, with the time left until half-open. The machine's
 * `rejectOpen` and the runtime's quiet path (which answers without sending the event) both use it.
 */
export function openRejection(context: BreakerContext, at: number): BreakerDecision {
  const retryAfterMs = Math.max(0, (context.openUntil ?? at) - at);
  return { allowed: false, code: 'circuit_open', retryAfterMs, at };
}

export function hasProbeCapacity(context: BreakerContext): boolean {
  return context.source === 'store'
    ? context.probeAllowance > 0
    : probeSlotFree(context.inFlight, context.config.halfOpenMaxCalls);
}

/** Counters of a fresh period: nothing counted, no probe in flight, no open bookkeeping. */
export function clearedCounters() {
  return {
    consecutiveFailures: 0,
    window: [] as WindowBucket[],
    hintUntil: null,
    halfOpenSuccesses: 0,
    halfOpenFailures: 0,
    inFlight: 0,
    probeAllowance: 0,
    openedAt: null,
    openUntil: null,
  } satisfies Partial<BreakerContext>;
}

/** The context a new breaker starts with. */
export function initialBreakerContext(input: BreakerMachineInput | undefined): BreakerContext {
  const at = input?.at ?? 0;
  const config = { ...defaultBreakerMachineConfig, ...input?.config };
  return {
    config: { ...config, countedErrors: [...config.countedErrors] },
    period: 0,
    ...clearedCounters(),
    reopens: 0,
    openDelayMs: 0,
    trips: 0,
    changedAt: at,
    reason: 'initial',
    lastDecision: null,
    source: 'local',
  };
}
