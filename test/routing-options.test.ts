/**
 * Routing options are validated once, at creation, naming the field; `routing` orders the providers.
 */
import { describe, expect, it } from 'vitest';
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
});
