/**
 * The circuit-breaker statechart: one long-lived actor per provider.
 *
 * `closed -> open -> halfOpen -> closed`, plus the ops states `forcedOpen` and `disabled`. The machine is
 * pure: every time arrives on an event (`at`), the only wait is the named `openDuration` delay, and the
 * context is plain data. A permit request is answered synchronously: send `breaker.acquire` and read
 * `context.lastDecision`. Outcomes carry the `period` their permit was issued in; outcomes from an
 * older period (a call that outlived a state change) are ignored.
 */
import { assign, setup } from 'xstate';
import {
  clearedCounters,
  currentVerdict,
  initialBreakerContext,
  isCurrent,
  nextHintUntil,
  openDurationOf,
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

/** The circuit-breaker statechart. Input: `{ config?: Partial<BreakerMachineConfig>, at?: number }`. */
export const circuitBreakerMachine = setup({
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
      context.halfOpenSuccesses + 1 >= context.config.successThreshold,
    hasProbeCapacity: ({ context }) => context.inFlight < context.config.halfOpenMaxCalls,
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
      lastDecision: ({ context, event }) => ({
        allowed: true,
        period: context.period,
        at: timeOf(context, event),
      }),
    }),
    rejectOpen: assign({
      lastDecision: ({ context, event }) => {
        const at = timeOf(context, event);
        const retryAfterMs = Math.max(0, (context.openUntil ?? at) - at);
        return { allowed: false, code: 'circuit_open', retryAfterMs, at };
      },
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
  },
  delays: {
    openDuration: ({ context }) => context.openDelayMs,
  },
}).createMachine({
  id: 'circuitBreaker',
  description: 'Circuit breaker of one provider: stops calling it while it is failing, probes it, recovers.',
  context: ({ input }) => initialBreakerContext(input),
  initial: 'closed',
  on: {
    'breaker.forceOpen': { target: '.forcedOpen', actions: 'markForcedOpen' },
    'breaker.disable': { target: '.disabled', actions: 'markDisabled' },
    'breaker.reset': { target: '.closed', actions: 'resetCounters' },
  },
  states: {
    closed: {
      description: 'Healthy: every call is let through; counted failures trip it (consecutive or by rate).',
      on: {
        'breaker.acquire': { actions: 'grantPermit' },
        'breaker.success': [
          { guard: 'tripsCircuit', target: 'open', actions: 'trip' },
          { guard: 'isCountedOutcome', actions: 'recordOutcome' },
        ],
        'breaker.failure': [
          { guard: 'tripsCircuit', target: 'open', actions: 'trip' },
          { guard: 'isCountedOutcome', actions: 'recordOutcome' },
        ],
      },
    },
    open: {
      description: 'Failing: calls are rejected at once with the time left until half-open.',
      after: { openDuration: { target: 'halfOpen', actions: 'startHalfOpen' } },
      on: {
        'breaker.acquire': { actions: 'rejectOpen' },
        'breaker.restore': [
          { guard: 'isOpenElapsed', target: 'halfOpen', actions: 'startHalfOpen' },
          { target: 'open', reenter: true, actions: 'resumeOpen' },
        ],
      },
    },
    halfOpen: {
      description:
        'Probing: a few concurrent probes; enough successes close it, one counted failure reopens it.',
      on: {
        'breaker.acquire': [{ guard: 'hasProbeCapacity', actions: 'grantProbe' }, { actions: 'rejectProbe' }],
        'breaker.release': { guard: 'isCurrentPeriod', actions: 'returnProbe' },
        'breaker.success': [
          { guard: 'closesCircuit', target: 'closed', actions: 'close' },
          { guard: 'countsAsFailure', target: 'open', actions: 'reopen' },
          { guard: 'countsAsSuccess', actions: 'recordProbeSuccess' },
        ],
        'breaker.failure': [
          { guard: 'countsAsFailure', target: 'open', actions: 'reopen' },
          { guard: 'isCurrentPeriod', actions: 'returnProbe' },
        ],
        'breaker.restore': { actions: 'forgetProbes' },
      },
    },
    forcedOpen: {
      description: 'Ops forced it open: every call is rejected (code forced_open) until breaker.reset.',
      on: { 'breaker.acquire': { actions: 'rejectForced' } },
    },
    disabled: {
      description:
        'Ops turned protection off: every call is let through and nothing is counted until breaker.reset.',
      on: { 'breaker.acquire': { actions: 'grantPermit' } },
    },
  },
});
