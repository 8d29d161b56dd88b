/**
 * The shared circuit-breaker statechart: the breaker of a process that shares its state with other
 * processes through a breaker store (memory or Redis).
 *
 * Same states as `circuitBreakerMachine`, plus three events. `breaker.sync` carries the store's state
 * (state name, time left open, trips): the actor adopts it and from then on mirrors the store
 * (`context.source = 'store'`) — its own outcomes are still counted for display and fallback, but trips
 * and closes are decided by the store. `breaker.probeGranted` adds one half-open probe permit reserved
 * in the store (global `halfOpenMaxCalls`). `breaker.storeLost` falls back to local decisions until the
 * next sync. The machine stays pure: remote state only ever arrives as these events.
 */
import { and } from 'xstate';
import { initialBreakerContext } from './circuit-breaker-logic.js';
import { breakerSetup } from './circuit-breaker-setup.js';

/** Transitions to the store's state on `breaker.sync` (open is re-entered so its timer is re-armed). */
const syncTransitions = [
  { guard: 'syncsClosed', target: '.closed', actions: 'adoptRemote' },
  { guard: 'syncsOpen', target: '.open', reenter: true, actions: 'adoptRemote' },
  { guard: 'syncsHalfOpen', target: '.halfOpen', reenter: true, actions: 'adoptRemote' },
  { guard: 'syncsForcedOpen', target: '.forcedOpen', actions: 'adoptRemote' },
  { guard: 'syncsDisabled', target: '.disabled', actions: 'adoptRemote' },
] as const;

/** The shared circuit-breaker statechart. Input: `{ config?: Partial<BreakerMachineConfig>, at?: number }`. */
export const sharedCircuitBreakerMachine = breakerSetup.createMachine({
  id: 'sharedCircuitBreaker',
  description:
    'Circuit breaker of one provider shared across processes: mirrors the store while it is reachable, decides locally while it is not.',
  context: ({ input }) => initialBreakerContext(input),
  initial: 'closed',
  on: {
    'breaker.forceOpen': { target: '.forcedOpen', actions: 'markForcedOpen' },
    'breaker.disable': { target: '.disabled', actions: 'markDisabled' },
    'breaker.reset': { target: '.closed', actions: 'resetCounters' },
    'breaker.sync': [...syncTransitions],
    'breaker.storeLost': { actions: 'useLocalSource' },
  },
  states: {
    closed: {
      description:
        'Healthy: every call is let through; counted failures trip it locally, or the store trips it for everyone.',
      on: {
        'breaker.acquire': { actions: 'grantPermit' },
        'breaker.success': [
          { guard: and(['isLocalSource', 'tripsCircuit']), target: 'open', actions: 'trip' },
          { guard: 'isCountedOutcome', actions: 'recordOutcome' },
        ],
        'breaker.failure': [
          { guard: and(['isLocalSource', 'tripsCircuit']), target: 'open', actions: 'trip' },
          { guard: 'isCountedOutcome', actions: 'recordOutcome' },
        ],
      },
    },
    open: {
      description: 'Failing: calls are rejected at once with the time left until half-open (store time).',
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
        'Probing: probes need a permit (the store reserves them across processes); the store closes or reopens it.',
      on: {
        'breaker.acquire': [{ guard: 'hasProbeCapacity', actions: 'grantProbe' }, { actions: 'rejectProbe' }],
        'breaker.probeGranted': { guard: 'isStoreSource', actions: 'addProbeAllowance' },
        'breaker.release': { guard: 'isCurrentPeriod', actions: 'returnProbe' },
        'breaker.success': [
          { guard: and(['isLocalSource', 'closesCircuit']), target: 'closed', actions: 'close' },
          { guard: and(['isLocalSource', 'reopensCircuit']), target: 'open', actions: 'reopen' },
          { guard: 'countsAsFailure', actions: 'recordProbeFailure' },
          { guard: 'countsAsSuccess', actions: 'recordProbeSuccess' },
        ],
        'breaker.failure': [
          { guard: and(['isLocalSource', 'reopensCircuit']), target: 'open', actions: 'reopen' },
          { guard: 'countsAsFailure', actions: 'recordProbeFailure' },
          { guard: 'isCurrentPeriod', actions: 'returnProbe' },
        ],
        'breaker.restore': { actions: 'forgetProbes' },
      },
    },
    forcedOpen: {
      description: 'Ops forced it open (here or on any process sharing the store): every call is rejected.',
      on: { 'breaker.acquire': { actions: 'rejectForced' } },
    },
    disabled: {
      description:
        'Ops turned protection off (here or on any process sharing the store): nothing is counted.',
      on: { 'breaker.acquire': { actions: 'grantPermit' } },
    },
  },
});
