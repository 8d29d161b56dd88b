/**
 * Shared helpers of the breaker tests: a SimulatedClock that counts pending timers, and one-line calls.
 */
import { SimulatedClock } from 'xstate';
import { type BreakerOptions, type CircuitBreaker, createCircuitBreaker } from '../src/breaker/index.js';
import { LLMError, type LLMErrorType } from '../src/errors/llm-error.js';

/** xstate's SimulatedClock plus a count of timers still pending. */
export interface TestClock extends SimulatedClock {
  pending(): number;
}

/** A SimulatedClock that also counts the timers scheduled and not yet fired or cleared. */
export function createTestClock(): TestClock {
  const clock = new SimulatedClock() as TestClock;
  const live = new Set<unknown>();
  const schedule = clock.setTimeout.bind(clock);
  const cancel = clock.clearTimeout.bind(clock);
  clock.setTimeout = (fn, ms) => {
    const handle: number = schedule(() => {
      live.delete(handle);
      fn();
    }, ms);
    live.add(handle);
    return handle;
  };
  clock.clearTimeout = (handle) => {
    live.delete(handle);
    cancel(handle);
  };
  clock.pending = () => live.size;
  return clock;
}

/** A breaker on a fresh test clock. */
export function breakerOn(options: BreakerOptions = {}): { breaker: CircuitBreaker; clock: TestClock } {
  const clock = createTestClock();
  return { breaker: createCircuitBreaker({ ...options, clock }), clock };
}

/** Acquires a permit, or throws the breaker's rejection. */
export function permitOf(breaker: CircuitBreaker) {
  const result = breaker.tryAcquire();
  if (!result.ok) throw result.error;
  return result.permit;
}

/** One call that fails with `type` (and an optional Retry-After hint). */
export function failOnce(
  breaker: CircuitBreaker,
  type: LLMErrorType = 'provider_error',
  retryAfterMs?: number,
  durationMs = 10,
): void {
  const error = new LLMError({ type, retryAfterMs });
  permitOf(breaker).release({ kind: 'failure', error, durationMs });
}

/** One call that succeeds after `durationMs`. */
export function succeedOnce(breaker: CircuitBreaker, durationMs = 10): void {
  permitOf(breaker).release({ kind: 'success', durationMs });
}

/** The error of a refused `tryAcquire`, or undefined when a permit was granted (and released as cancelled). */
export function rejectionOf(breaker: CircuitBreaker): LLMError | undefined {
  const result = breaker.tryAcquire();
  if (result.ok) {
    result.permit.release({ kind: 'cancelled' });
    return undefined;
  }
  return result.error;
}
