/**
 * The circuit-breaker statechart: one long-lived actor per provider.
 *
 * `closed -> open -> halfOpen -> closed`, plus the ops states `forcedOpen` and `disabled`. The machine is
 * pure: every time arrives on an event (`at`), the only wait is the named `openDuration` delay, and the
 * context is plain data. A permit request is answered synchronously: send `breaker.acquire` and read
 * `context.lastDecision`. Outcomes carry the `period` their permit was issued in; outcomes from an
 * older period (a call that outlived a state change) are ignored.
 */
import { initialBreakerContext } from './circuit-breaker-logic.js';
import { breakerSetup } from './circuit-breaker-setup.js';

/** The circuit-breaker statechart. Input: `{ config?: Partial<BreakerMachineConfig>, at?: number }`. */
export const circuitBreakerMachine = breakerSetup.createMachine({
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
        'Probing: a few concurrent probes; enough successes close it, more counted failures than the round tolerates reopen it.',
      on: {
        'breaker.acquire': [{ guard: 'hasProbeCapacity', actions: 'grantProbe' }, { actions: 'rejectProbe' }],
        'breaker.release': { guard: 'isCurrentPeriod', actions: 'returnProbe' },
        'breaker.success': [
          { guard: 'closesCircuit', target: 'closed', actions: 'close' },
          { guard: 'reopensCircuit', target: 'open', actions: 'reopen' },
          { guard: 'countsAsFailure', actions: 'recordProbeFailure' },
          { guard: 'countsAsSuccess', actions: 'recordProbeSuccess' },
        ],
        'breaker.failure': [
          { guard: 'reopensCircuit', target: 'open', actions: 'reopen' },
          { guard: 'countsAsFailure', actions: 'recordProbeFailure' },
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
