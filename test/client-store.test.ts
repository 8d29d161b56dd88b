import { describe, expect, it } from 'vitest';
import { createCircuitBreaker } from '../src/breaker/create-circuit-breaker.js';
import { memoryStore } from '../src/breaker/store-memory.js';
import { createResilientLLM } from '../src/client/create-resilient-llm.js';
import { LLMError } from '../src/errors/llm-error.js';
import { faultyProvider } from '../src/testing/faulty-provider.js';

describe('createResilientLLM with a shared store', () => {
  it('shares one provider’s breaker between two clients through the top-level store option', async () => {
    const store = memoryStore();
    const make = (name: string) =>
      createResilientLLM({
        providers: [
          faultyProvider({ id: 'shared', script: [{ error: 'provider_error' }] }),
          faultyProvider({ id: `${name}-b`, script: [{ text: 'b' }] }),
        ],
        breaker: { failureThreshold: 2, openMs: 60_000 },
        store,
      });
    const one = make('one');
    const two = make('two');
    try {
      for (let i = 0; i < 2; i++) await one.call({ messages: [{ role: 'user', content: 'x' }] });
      await expect.poll(() => one.breaker('shared').state).toBe('open');
      // The other client never failed on `shared`, yet learns of the trip and skips it.
      await expect.poll(() => two.breaker('shared').state).toBe('open');
      const r = await two.call({ messages: [{ role: 'user', content: 'x' }] });
      expect(r.provider).toBe('two-b');
      expect(r.attempts[0]).toMatchObject({ provider: 'shared', outcome: 'skipped', code: 'circuit_open' });
    } finally {
      await one.stop();
      await two.stop();
      await store.close();
    }
  });

  it('counts a permit taken before the store join and released after it', async () => {
    const store = memoryStore();
    const breaker = createCircuitBreaker({ id: 'early', failureThreshold: 1, store });
    try {
      const acquired = breaker.tryAcquire();
      if (!acquired.ok) throw acquired.error;
      await expect.poll(() => breaker.actor.getSnapshot().context.source).toBe('store');
      acquired.permit.release({ kind: 'failure', error: new LLMError({ type: 'timeout' }), durationMs: 5 });
      // The store trips it (a local outcome from before the join belongs to an older period locally).
      await expect.poll(() => breaker.state).toBe('open');
    } finally {
      breaker.stop();
      await store.close();
    }
  });

  it('rejects a store that is not a BreakerStore', () => {
    expect(() =>
      createResilientLLM({
        providers: [faultyProvider({ id: 'a', script: [{ text: 'x' }] })],
        store: {} as never,
      }),
    ).toThrow(/store/);
  });
});
