/**
 * The circuit breaker's test model: which events to try in each state and which snapshots count as the
 * same model state. Used by `modelPaths()` when called without a machine.
 */
import type { SnapshotFrom } from 'xstate';
import type { circuitBreakerMachine } from '../../machines/circuit-breaker.js';
import type { BreakerEvent } from '../../machines/circuit-breaker-types.js';

type BreakerMachineSnapshot = SnapshotFrom<typeof circuitBreakerMachine>;

/** The `after` event of the breaker's `open` state: the model's "the open duration has elapsed". */
export const OPEN_ELAPSED_EVENT = 'xstate.after.openDuration.circuitBreaker.open' as const;

/** An event of the breaker model: a machine event, or the open timer firing. */
export type BreakerModelEvent = BreakerEvent | { type: typeof OPEN_ELAPSED_EVENT };

/**
 * The events the breaker model tries in `snapshot`: ops events everywhere, a permit request, and in the
 * states that hold permits the possible outcomes (fast and slow success, counted failure with and without
 * a Retry-After hint, an uncounted failure, a cancelled probe). Every event happens at the time of the
 * last state change, except the open timer and a restore after the open period.
 */
export function breakerModelEvents(snapshot: BreakerMachineSnapshot): BreakerModelEvent[] {
  const { context } = snapshot;
  const { config, period, changedAt: at } = context;
  const state = snapshot.value;
  const events: BreakerModelEvent[] = [
    { type: 'breaker.acquire', at },
    { type: 'breaker.forceOpen', at },
    { type: 'breaker.disable', at },
    { type: 'breaker.reset', at },
    { type: 'breaker.restore', at },
  ];
  const holdsPermits =
    state === 'closed' || state === 'disabled' || (state === 'halfOpen' && context.inFlight > 0);
  if (holdsPermits) {
    const failure = { type: 'breaker.failure', at, period, durationMs: 1 } as const;
    const uncounted = ['rate_limit', 'bad_request'].find(
      (type) => !config.countedErrors.includes(type as never),
    );
    events.push(
      { type: 'breaker.success', at, period, durationMs: 1 },
      { ...failure, errorType: config.countedErrors[0] ?? 'provider_error' },
      {
        ...failure,
        errorType: config.countedErrors[0] ?? 'provider_error',
        retryAfterMs: config.maxOpenMs * 2,
      },
    );
    if (config.slowCallMs !== null) {
      events.push({ type: 'breaker.success', at, period, durationMs: config.slowCallMs + 1 });
    }
    if (uncounted !== undefined) events.push({ ...failure, errorType: uncounted as 'rate_limit' });
  }
  if (state === 'halfOpen' && context.inFlight > 0) events.push({ type: 'breaker.release', at, period });
  if (state === 'open') {
    events.push({ type: OPEN_ELAPSED_EVENT }, { type: 'breaker.restore', at: context.openUntil ?? at });
  }
  return events;
}

/**
 * The breaker's model state: the state name plus the context its guards read (consecutive failures,
 * half-open successes, probes in flight, the armed open delay, and window totals capped at twice
 * `minimumCalls`). Times, periods and trip counts are left out: they grow without bound.
 */
export function serializeBreakerModelState(snapshot: BreakerMachineSnapshot): string {
  const { context } = snapshot;
  const cap = context.config.minimumCalls * 2;
  let calls = 0;
  let failures = 0;
  for (const bucket of context.window) {
    calls += bucket.calls;
    failures += bucket.failures;
  }
  return JSON.stringify([
    snapshot.value,
    context.consecutiveFailures,
    context.halfOpenSuccesses,
    context.inFlight,
    snapshot.value === 'open' ? context.openDelayMs : 0,
    Math.min(calls, cap),
    Math.min(failures, cap),
  ]);
}
