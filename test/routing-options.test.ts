/**
 * Routing options are validated once, at creation, naming the field; `routing` orders the providers.
 */
import { describe, expect, it, vi } from 'vitest';
import { settleWithClock } from '../src/testing/drive-clock.js';
import { ask, setup } from './helpers/lifecycle.js';

describe('routing options', () => {
  it.each([
    [{ routing: 'fastest' }, /routing must be one of 'priority', 'latency', 'least-busy', 'weighted'/],
    [{ admission: { threshold: 1.5 } }, /threshold must be <= 0\.99\s+→ at admission\.threshold/],
    [{ admission: { threshold: -0.1 } }, /threshold must be >= 0\s+→ at admission\.threshold/],
    [{ admission: { windowMs: -5 } }, /windowMs must be > 0\s+→ at admission\.windowMs/],
    [{ admission: { minRateLimits: 0 } }, /minRateLimits must be >= 1\s+→ at admission\.minRateLimits/],
    [{ admission: { burst: 2 } }, /burst[\s\S]*→ at admission/],
    [{ concurrency: { min: 0 } }, /min must be >= 1\s+→ at concurrency\.min/],
    [{ concurrency: { min: 5, max: 2 } }, /min must be <= max\s+→ at concurrency/],
    [{ concurrency: { threshold: 1.2 } }, /threshold must be <= 1\s+→ at concurrency\.threshold/],
    [{ admission: { headroom: -0.5 } }, /headroom must be >= 0\s+→ at admission\.headroom/],
    [{ admission: { headroom: 2 } }, /headroom must be <= 1\s+→ at admission\.headroom/],
    [{ admission: { headroom: 'low' } }, /headroom must be a number\s+→ at admission\.headroom/],
  ])('rejects %j at creation, naming the field', (options, message) => {
    expect(() => setup({ a: [{ text: 'x' }] }, options as never)).toThrow(message);
  });

  it('sends the first call by priority and later ones to the lowest latency estimate with latency routing', async () => {
    const { llm, clock } = setup(
      { a: [{ text: 'a', delayMs: 300 }], b: [{ text: 'b', delayMs: 50 }] },
      { routing: 'latency' },
    );
    const first = await settleWithClock(llm.call(ask()), clock);
    expect(first.ok && first.value.provider).toBe('a');
    // b has no estimate yet: unmeasured providers go first, so it is measured once.
    const second = await settleWithClock(llm.call(ask()), clock);
    expect(second.ok && second.value.provider).toBe('b');
    const third = await settleWithClock(llm.call(ask()), clock);
    expect(third.ok && third.value.provider).toBe('b');
    await llm.stop();
  });

  it('sends a call to the provider with the fewest attempts in flight with least-busy routing', async () => {
    const { llm, clock } = setup(
      { a: [{ text: 'a', delayMs: 1_000 }], b: [{ text: 'b', delayMs: 1_000 }] },
      { routing: 'least-busy' },
    );
    const both = Promise.all([llm.call(ask()), llm.call(ask())]);
    const settled = await settleWithClock(both, clock);
    expect(settled.ok && settled.value.map((r) => r.provider)).toEqual(['a', 'b']);
    await llm.stop();
  });

  it.each([
    [{}, 'concurrency_limited'],
    [{ concurrency: false as const }, undefined],
  ])('with %j, failures in a row lower how many calls a provider takes at once', async (options, code) => {
    const { llm, clock, providers } = setup(
      {
        a: [
          { error: 'provider_error', delayMs: 10 },
          { error: 'provider_error', delayMs: 10 },
          { text: 'a', delayMs: 1_000 },
        ],
        b: [{ text: 'b', delayMs: 50 }],
      },
      { concurrency: {}, ...options },
    );
    const first = Array.from({ length: 5 }, () => llm.call(ask()));
    clock.increment(20);
    // The failed calls went on to b; a still has three attempts in flight, and after the second failure in a
    // row (failure share 0.51 > 0.5) its limit is now two.
    await vi.waitFor(() => expect(providers.b?.calls).toHaveLength(2));
    const late = llm.call(ask());
    const settled = await settleWithClock(Promise.all([...first, late]), clock);
    const lateResult = settled.ok ? settled.value[5] : undefined;
    expect(lateResult?.attempts[0]?.code).toBe(code);
    expect(lateResult?.provider).toBe(code === undefined ? 'a' : 'b');
    await llm.stop();
  });
});
