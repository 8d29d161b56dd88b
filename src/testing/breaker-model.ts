/**
 * The circuit breaker's test models: which events to try in each state and which snapshots count as the
 * same model state. `modelPaths()` uses them by default for `circuitBreakerMachine` (and when called
 * without a machine) and for `sharedCircuitBreakerMachine` (a breaker mirroring a store).
 */
import { probeFailuresTolerated } from '../../machines/breaker-rules.js';
import type {
  BreakerContext,
  BreakerEvent,
  BreakerReason,
  BreakerStateName,
} from '../../machines/circuit-breaker-types.js';

/** What the breaker models read of a snapshot of `circuitBreakerMachine` or `sharedCircuitBreakerMachine`. */
export interface BreakerModelSnapshot {
  value: BreakerStateName;
  context: BreakerContext;
  machine: { id: string };
}

/** The `after` event of the breaker's `open` state: the model's "the open duration has elapsed". */
export const OPEN_ELAPSED_EVENT = 'xstate.after.openDuration.circuitBreaker.open' as const;

/** The `after` event of the shared breaker's `open` state (`sharedCircuitBreakerMachine`). */
export const SHARED_OPEN_ELAPSED_EVENT = 'xstate.after.openDuration.sharedCircuitBreaker.open' as const;

/** An event of the breaker models: a machine event, or the open timer firing. */
export type BreakerModelEvent =
  | BreakerEvent
  | { type: typeof OPEN_ELAPSED_EVENT }
  | { type: typeof SHARED_OPEN_ELAPSED_EVENT };

/** The open timer's event of the machine `snapshot` belongs to. */
function openElapsedEventOf(snapshot: BreakerModelSnapshot): BreakerModelEvent {
  return snapshot.machine.id === 'sharedCircuitBreaker'
    ? { type: SHARED_OPEN_ELAPSED_EVENT }
    : { type: OPEN_ELAPSED_EVENT };
}

/**
 * The events the breaker model tries in `snapshot`: ops events everywhere, a permit request, and in the
 * states that hold permits the possible outcomes (fast and slow success, counted failure with and without
 * a Retry-After hint, an uncounted failure, a cancelled probe). Every event happens at the time of the
 * last state change, except the open timer and a restore after the open period.
 */
export function breakerModelEvents(snapshot: BreakerModelSnapshot): BreakerModelEvent[] {
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
    events.push(openElapsedEventOf(snapshot), { type: 'breaker.restore', at: context.openUntil ?? at });
  }
  return events;
}

/** The states a store can report, each with the reason a store gives for it. */
const SYNC_TARGETS: ReadonlyArray<[BreakerStateName, BreakerReason]> = [
  ['closed', 'probes_succeeded'],
  ['open', 'failure_threshold'],
  ['halfOpen', 'open_elapsed'],
  ['forcedOpen', 'forced_open'],
  ['disabled', 'disabled'],
];

/**
 * Whether a mirrored half-open breaker last refused a probe (no reserved permit left): the moment a breaker
 * asks its store to reserve one, so the moment a `breaker.probeGranted` can follow.
 */
function waitsForProbe(snapshot: BreakerModelSnapshot): boolean {
  const { lastDecision, source } = snapshot.context;
  return (
    snapshot.value === 'halfOpen' &&
    source === 'store' &&
    lastDecision?.allowed === false &&
    lastDecision.code === 'circuit_open' &&
    lastDecision.retryAfterMs === null
  );
}

/**
 * The events the shared breaker model (`sharedCircuitBreakerMachine`) tries in `snapshot`: those of
 * {@link breakerModelEvents}, plus what a store does — a `breaker.sync` to each state (to `open` both with
 * the store's time left, half of `openMs`, and without one), `breaker.storeLost` while the store is
 * mirrored, and `breaker.probeGranted` after a refused probe in mirrored half-open (the breaker asked the
 * store for a permit) while no reserved permit is unused and fewer than `halfOpenMaxCalls` probes are out
 * (what a store's global probe count allows). A restore is only
 * tried while deciding locally: a breaker restored from a snapshot decides locally until its store answers.
 */
export function sharedBreakerModelEvents(snapshot: BreakerModelSnapshot): BreakerModelEvent[] {
  const { context } = snapshot;
  const { config, changedAt: at, trips, reopens, source } = context;
  const events = breakerModelEvents(snapshot).filter(
    (event) => event.type !== 'breaker.restore' || source === 'local',
  );
  for (const [state, reason] of SYNC_TARGETS) {
    const sync = { type: 'breaker.sync', at, state, reason, reopens } as const;
    if (state === 'open') {
      events.push(
        { ...sync, remainingMs: config.openMs / 2, trips: trips + 1 },
        { ...sync, remainingMs: null, trips: trips + 1 },
      );
    } else events.push({ ...sync, remainingMs: null, trips });
  }
  if (source === 'store') events.push({ type: 'breaker.storeLost', at });
  const canGrant =
    waitsForProbe(snapshot) && context.probeAllowance === 0 && context.inFlight < config.halfOpenMaxCalls;
  if (canGrant) events.push({ type: 'breaker.probeGranted', at });
  return events;
}

/** Window totals (calls, failures), each capped at twice `minimumCalls`. */
function windowTotals(context: BreakerContext): [number, number] {
  const cap = context.config.minimumCalls * 2;
  let calls = 0;
  let failures = 0;
  for (const bucket of context.window) {
    calls += bucket.calls;
    failures += bucket.failures;
  }
  return [Math.min(calls, cap), Math.min(failures, cap)];
}

/**
 * The breaker's model state: the state name plus the context its guards read (consecutive failures,
 * half-open successes, probes in flight, the armed open delay, and window totals capped at twice
 * `minimumCalls`). Times, periods and trip counts are left out: they grow without bound.
 */
export function serializeBreakerModelState(snapshot: BreakerModelSnapshot): string {
  const { context } = snapshot;
  return JSON.stringify([
    snapshot.value,
    context.consecutiveFailures,
    context.halfOpenSuccesses,
    context.halfOpenFailures,
    context.inFlight,
    snapshot.value === 'open' ? context.openDelayMs : 0,
    ...windowTotals(context),
  ]);
}

/**
 * The shared breaker's model state: that of {@link serializeBreakerModelState} plus who decides (`source`),
 * the unused reserved probe permits, and whether a mirrored half-open breaker waits for one. While a store decides, the actor keeps counting outcomes without
 * acting on them, so consecutive failures and half-open successes are capped at the threshold that makes
 * them matter (`failureThreshold`, `successThreshold`) once the breaker decides locally again.
 */
export function serializeSharedBreakerModelState(snapshot: BreakerModelSnapshot): string {
  const { context } = snapshot;
  const { config } = context;
  return JSON.stringify([
    snapshot.value,
    Math.min(context.consecutiveFailures, config.failureThreshold),
    Math.min(context.halfOpenSuccesses, config.successThreshold),
    Math.min(context.halfOpenFailures, probeFailuresTolerated(config) + 1),
    context.inFlight,
    snapshot.value === 'open' ? context.openDelayMs : 0,
    ...windowTotals(context),
    context.source,
    context.probeAllowance,
    waitsForProbe(snapshot),
  ]);
}
