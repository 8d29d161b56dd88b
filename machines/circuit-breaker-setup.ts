/**
 * The shared `setup()` of the circuit-breaker statecharts: types plus every named guard, action and delay.
 * `circuitBreakerMachine` (local) and `sharedCircuitBreakerMachine` (mirrors a store) are built from it.
 */
import { assign, setup } from 'xstate';
import { probeFailuresTolerated, probesClose, probesReopen } from './breaker-rules.js';
import {
  clearedCounters,
  currentVerdict,
  hasProbeCapacity,
  isCurrent,
  nextHintUntil,
  openDurationOf,
  openRejection,
  recordInWindow,
  tripReasonOf,
} from './circuit-breaker-logic.js';
import type { BreakerContext, BreakerEvent, BreakerMachineInput } from './circuit-breaker-types.js';

/** The clock reading an event carries; the `openDuration` timer event carries none (it fires at `openUntil`). */
function timeOf(context: BreakerContext, event: { type: string }): number {
  return 'at' in event && typeof event.at === 'number' ? event.at : (context.openUntil ?? context.changedAt);
}

/** Context fields of a transition into `open` after `reopens` consecutive re-trips. */
function openingAt(context: BreakerContext, at: number, reopens: number) {
  const delay = openDurationOf(context, at, reopens);
  return {
    ...clearedCounters(),
    period: context.period + 1,
    trips: context.trips + 1,
    reopens,
    openedAt: at,
    openUntil: at + delay,
    openDelayMs: delay,
    changedAt: at,
  };
}

/**
 * The named guards, actions and delays of the breaker statecharts ({@link circuitBreakerMachine} and
 * `sharedCircuitBreakerMachine`), with their types.
 */
export const breakerSetup = setup({
  types: {
    context: {} as BreakerContext,
    events: {} as BreakerEvent,
    input: {} as BreakerMachineInput | undefined,
  },
  guards: {
    isCurrentPeriod: ({ context, event }) => isCurrent(context, event),
    isCountedOutcome: ({ context, event }) => currentVerdict(context, event) !== 'ignored',
    countsAsSuccess: ({ context, event }) => currentVerdict(context, event) === 'success',
    countsAsFailure: ({ context, event }) => currentVerdict(context, event) === 'failure',
    tripsCircuit: ({ context, event }) =>
      currentVerdict(context, event) === 'failure' &&
      tripReasonOf(context, timeOf(context, event), true) !== null,
    closesCircuit: ({ context, event }) =>
      currentVerdict(context, event) === 'success' &&
      probesClose(context.halfOpenSuccesses + 1, context.config.successThreshold),
    reopensCircuit: ({ context, event }) =>
      currentVerdict(context, event) === 'failure' &&
      probesReopen(context.halfOpenFailures + 1, context.config),
    hasProbeCapacity: ({ context }) => hasProbeCapacity(context),
    isLocalSource: ({ context }) => context.source === 'local',
    isStoreSource: ({ context }) => context.source === 'store',
    syncsClosed: ({ event }) => event.type === 'breaker.sync' && event.state === 'closed',
    syncsOpen: ({ event }) => event.type === 'breaker.sync' && event.state === 'open',
    syncsHalfOpen: ({ event }) => event.type === 'breaker.sync' && event.state === 'halfOpen',
    syncsForcedOpen: ({ event }) => event.type === 'breaker.sync' && event.state === 'forcedOpen',
    syncsDisabled: ({ event }) => event.type === 'breaker.sync' && event.state === 'disabled',
    isOpenElapsed: ({ context, event }) => timeOf(context, event) >= (context.openUntil ?? 0),
  },
  actions: {
    grantPermit: assign({
      lastDecision: ({ context, event }) => ({
        allowed: true,
        period: context.period,
        at: timeOf(context, event),
      }),
    }),
    grantProbe: assign({
      inFlight: ({ context }) => context.inFlight + 1,
      probeAllowance: ({ context }) =>
        context.source === 'store' ? Math.max(0, context.probeAllowance - 1) : context.probeAllowance,
      lastDecision: ({ context, event }) => ({
        allowed: true,
        period: context.period,
        at: timeOf(context, event),
      }),
    }),
    rejectOpen: assign({
      lastDecision: ({ context, event }) => openRejection(context, timeOf(context, event)),
    }),
    rejectProbe: assign({
      lastDecision: ({ context, event }) => ({
        allowed: false,
        code: 'circuit_open',
        retryAfterMs: null,
        at: timeOf(context, event),
      }),
    }),
    rejectForced: assign({
      lastDecision: ({ context, event }) => ({
        allowed: false,
        code: 'forced_open',
        retryAfterMs: null,
        at: timeOf(context, event),
      }),
    }),
    recordOutcome: assign(({ context, event }) => {
      const at = timeOf(context, event);
      const failed = currentVerdict(context, event) === 'failure';
      return {
        consecutiveFailures: failed ? context.consecutiveFailures + 1 : 0,
        window: recordInWindow(context, at, failed),
        hintUntil:
          failed && event.type === 'breaker.failure'
            ? nextHintUntil(context, at, event.retryAfterMs)
            : context.hintUntil,
      };
    }),
    trip: assign(({ context, event }) => {
      const at = timeOf(context, event);
      const hintUntil =
        event.type === 'breaker.failure' ? nextHintUntil(context, at, event.retryAfterMs) : context.hintUntil;
      const reason = tripReasonOf(context, at, true) ?? 'failure_threshold';
      return { ...openingAt({ ...context, hintUntil }, at, 0), reason };
    }),
    reopen: assign(({ context, event }) => {
      const at = timeOf(context, event);
      const hintUntil =
        event.type === 'breaker.failure' ? nextHintUntil(context, at, event.retryAfterMs) : context.hintUntil;
      return {
        ...openingAt({ ...context, hintUntil }, at, context.reopens + 1),
        reason: 'probe_failed' as const,
      };
    }),
    startHalfOpen: assign(({ context, event }) => ({
      ...clearedCounters(),
      period: context.period + 1,
      changedAt: timeOf(context, event),
      reason: 'open_elapsed' as const,
    })),
    resumeOpen: assign({
      openDelayMs: ({ context, event }) => Math.max(0, (context.openUntil ?? 0) - timeOf(context, event)),
    }),
    recordProbeSuccess: assign({
      halfOpenSuccesses: ({ context }) => context.halfOpenSuccesses + 1,
      inFlight: ({ context }) => Math.max(0, context.inFlight - 1),
    }),
    recordProbeFailure: assign(({ context, event }) => ({
      halfOpenFailures: context.halfOpenFailures + 1,
      inFlight: Math.max(0, context.inFlight - 1),
      hintUntil:
        event.type === 'breaker.failure'
          ? nextHintUntil(context, timeOf(context, event), event.retryAfterMs)
          : context.hintUntil,
    })),
    returnProbe: assign({ inFlight: ({ context }) => Math.max(0, context.inFlight - 1) }),
    forgetProbes: assign({ inFlight: 0, period: ({ context }) => context.period + 1 }),
    close: assign(({ context, event }) => ({
      ...clearedCounters(),
      period: context.period + 1,
      reopens: 0,
      changedAt: timeOf(context, event),
      reason: 'probes_succeeded' as const,
    })),
    markForcedOpen: assign(({ context, event }) => ({
      ...clearedCounters(),
      period: context.period + 1,
      changedAt: timeOf(context, event),
      reason: 'forced_open' as const,
    })),
    markDisabled: assign(({ context, event }) => ({
      ...clearedCounters(),
      period: context.period + 1,
      changedAt: timeOf(context, event),
      reason: 'disabled' as const,
    })),
    resetCounters: assign(({ context, event }) => ({
      ...clearedCounters(),
      period: context.period + 1,
      reopens: 0,
      changedAt: timeOf(context, event),
      reason: 'reset' as const,
    })),
    adoptRemote: assign(({ context, event }) => {
      if (event.type !== 'breaker.sync') return {};
      const remaining = event.state === 'open' ? Math.max(0, event.remainingMs ?? 0) : 0;
      const open = event.state === 'open';
      return {
        ...clearedCounters(),
        source: 'store' as const,
        period: context.period + 1,
        trips: event.trips,
        reopens: event.reopens,
        reason: event.reason,
        changedAt: event.at,
        openedAt: open ? event.at : null,
        openUntil: open ? event.at + remaining : null,
        openDelayMs: remaining,
      };
    }),
    addProbeAllowance: assign({ probeAllowance: ({ context }) => context.probeAllowance + 1 }),
    // Failures counted while the store decided carry over, capped so the next counted failure reopens it.
    useLocalSource: assign(({ context }) => ({
      source: 'local' as const,
      probeAllowance: 0,
      halfOpenFailures: Math.min(context.halfOpenFailures, probeFailuresTolerated(context.config)),
    })),
  },
  delays: {
    openDuration: ({ context }) => context.openDelayMs,
  },
});
