/**
 * The breaker's store mirror, deterministically: `memoryStore` and a store that never answers, on a
 * SimulatedClock. Shows what a Redis-backed breaker does without needing Redis: the local actor mirrors
 * the store through `breaker.sync`, half-open probes wait for a reservation (`breaker.probeGranted`), and
 * a silent store makes it decide locally after `timeoutMs` (`breaker.storeLost`) with permits staying
 * synchronous throughout.
 */
import { describe, expect, it } from 'vitest';
import { type InspectionEvent, SimulatedClock } from 'xstate';
import { sharedCircuitBreakerMachine } from '../machines/circuit-breaker-shared.js';
import { type BreakerOptions, createCircuitBreaker } from '../src/breaker/index.js';
import type { BreakerStore, SharedBreakerHandle } from '../src/breaker/store.js';
import { memoryStore } from '../src/breaker/store-memory.js';
import { LLMError } from '../src/errors/llm-error.js';

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};
const failure = { kind: 'failure', error: new LLMError({ type: 'provider_error' }), durationMs: 1 } as const;
const options: BreakerOptions = {
  id: 'p',
  failureThreshold: 2,
  successThreshold: 1,
  openMs: 1_000,
  halfOpenMaxCalls: 1,
};

/** Two breakers sharing one memoryStore on a SimulatedClock, recording the events their actors receive. */
async function pair() {
  const clock = new SimulatedClock();
  const store = memoryStore({ clock });
  const events: string[] = [];
  const inspect = (event: InspectionEvent) => {
    if (event.type === '@xstate.event') events.push(event.event.type);
  };
  const a = createCircuitBreaker({ ...options, clock, store, inspect });
  const b = createCircuitBreaker({ ...options, clock, store });
  await flush();
  return { clock, a, b, events };
}

/** A store whose operations never settle: a Redis that stopped answering. */
function silentStore(timeoutMs: number): BreakerStore {
  const never = () => new Promise<never>(() => {});
  const handle: SharedBreakerHandle = {
    join: never,
    read: never,
    record: never,
    acquireProbe: never,
    releaseProbe: never,
    command: never,
    subscribe: () => () => {},
  };
  return { kind: 'silent', timeoutMs, refreshMs: 10_000, breaker: () => handle, close: async () => {} };
}

describe('a breaker mirroring a store', () => {
  it('runs the shared machine and adopts the store state through breaker.sync', async () => {
    const { a, events } = await pair();
    expect(a.actor.logic).toBe(sharedCircuitBreakerMachine);
    expect(events).toContain('breaker.sync');
    expect(a.actor.getSnapshot().context.source).toBe('store');
  });

  it('leaves the trip to the store, which opens every breaker sharing it', async () => {
    const { a, b } = await pair();
    for (let i = 0; i < 2; i++) {
      const result = a.tryAcquire();
      if (result.ok) result.permit.release(failure);
    }
    expect(a.state).toBe('closed'); // mirrored: the local actor does not trip on its own
    await flush();
    expect([a.state, b.state]).toEqual(['open', 'open']);
    expect(b.retryAfterMs()).toBe(1_000);
  });

  it('refuses a half-open probe until the store reserves one, then grants exactly one', async () => {
    const { clock, a, b, events } = await pair();
    for (let i = 0; i < 2; i++) {
      const result = a.tryAcquire();
      if (result.ok) result.permit.release(failure);
    }
    await flush();
    clock.increment(1_000);
    expect(a.state).toBe('halfOpen');
    expect(a.tryAcquire()).toMatchObject({ ok: false, error: { code: 'circuit_open' } });
    await flush();
    expect(events).toContain('breaker.probeGranted');
    const probe = a.tryAcquire();
    expect(probe.ok).toBe(true);
    expect(a.tryAcquire().ok).toBe(false);
    expect(b.tryAcquire().ok).toBe(false);
    await flush();
    expect(b.tryAcquire().ok).toBe(false); // the one global slot is a's
    if (probe.ok) probe.permit.release({ kind: 'success', durationMs: 1 });
    await flush();
    expect([a.state, b.state]).toEqual(['closed', 'closed']);
  });

  it('decides locally once the store is silent for timeoutMs, without ever blocking a permit', async () => {
    const clock = new SimulatedClock();
    const events: string[] = [];
    const inspect = (event: InspectionEvent) => {
      if (event.type === '@xstate.event') events.push(event.event.type);
    };
    const breaker = createCircuitBreaker({ ...options, clock, store: silentStore(200), inspect });
    expect(breaker.tryAcquire().ok).toBe(true); // before any answer: local decisions
    expect(breaker.actor.getSnapshot().context.source).toBe('local');
    for (let i = 0; i < 2; i++) {
      const result = breaker.tryAcquire();
      if (result.ok) result.permit.release(failure);
    }
    expect(breaker.state).toBe('open'); // tripped locally: the store never answered
    clock.increment(200);
    breaker.stop();
    expect(events).not.toContain('breaker.sync');
  });

  it('falls back with breaker.storeLost when a mirrored store stops answering', async () => {
    const clock = new SimulatedClock();
    const store = memoryStore({ clock, timeoutMs: 100 });
    const events: string[] = [];
    const inspect = (event: InspectionEvent) => {
      if (event.type === '@xstate.event') events.push(event.event.type);
    };
    const breaker = createCircuitBreaker({ ...options, clock, store, inspect });
    await flush();
    expect(breaker.actor.getSnapshot().context.source).toBe('store');
    await store.close(); // from now on every operation fails
    const result = breaker.tryAcquire();
    if (result.ok) result.permit.release({ kind: 'success', durationMs: 1 });
    await flush();
    expect(events.at(-1)).toBe('breaker.storeLost');
    expect(breaker.actor.getSnapshot().context.source).toBe('local');
    breaker.stop();
  });
});
