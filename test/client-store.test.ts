import { describe, expect, it } from 'vitest';
import { memoryStore } from '../src/breaker/store-memory.js';
import { createResilientLLM } from '../src/client/create-resilient-llm.js';
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

  it('rejects a store that is not a BreakerStore', () => {
    expect(() =>
      createResilientLLM({
        providers: [faultyProvider({ id: 'a', script: [{ text: 'x' }] })],
        store: {} as never,
      }),
    ).toThrow(/store/);
  });
});
