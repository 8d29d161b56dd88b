/**
 * A Retry-After throttles the account, not one request: after a rate limit, later calls skip the provider
 * until the time has passed — while another provider can take them.
 */
import { describe, expect, it } from 'vitest';
import { settleWithClock } from '../src/testing/drive-clock.js';
import { ask, setup } from './helpers/lifecycle.js';

const summary = (
  attempts: Array<{ provider: string; outcome: string; code?: string; retryAfterMs?: number }>,
) =>
  attempts.map((a) =>
    [a.provider, a.outcome, a.code, a.retryAfterMs].filter((x) => x !== undefined).join(':'),
  );

describe('rate-limit cool-down', () => {
  it('skips a provider for the rest of its Retry-After, then uses it again', async () => {
    const { llm, clock, providers } = setup({
      a: [{ error: 'rate_limit', retryAfterMs: 2_000 }, { text: 'a again' }],
      b: [{ text: 'b', delayMs: 100 }],
    });
    const first = await settleWithClock(llm.call(ask()), clock);
    expect(first.ok && summary(first.value.attempts)).toEqual(['a:rate_limit:2000', 'b:success']);
    clock.increment(400); // t = 500
    const second = await settleWithClock(llm.call(ask()), clock);
    expect(second.ok && second.value.provider).toBe('b');
    expect(second.ok && summary(second.value.attempts)).toEqual(['a:skipped:rate_limited:1500', 'b:success']);
    expect(providers.a?.calls).toHaveLength(1);
    clock.increment(1_500); // t = 2100: the cool-down is over
    const third = await settleWithClock(llm.call(ask()), clock);
    expect(third.ok && third.value.provider).toBe('a');
    expect(third.ok && summary(third.value.attempts)).toEqual(['a:success']);
    await llm.stop();
  });

  it('still calls a cooling provider when nobody else can take the call', async () => {
    const { llm, clock, providers } = setup({
      a: [{ error: 'rate_limit', retryAfterMs: 2_000 }, { text: 'a after all' }],
      b: [{ text: 'b' }],
    });
    await settleWithClock(llm.call(ask()), clock);
    llm.breaker('b').forceOpen();
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value.provider).toBe('a');
    expect(providers.a?.calls).toHaveLength(2);
    await llm.stop();
  });

  it('is off with retry.rateLimitCooldown false', async () => {
    const { llm, clock } = setup(
      { a: [{ error: 'rate_limit', retryAfterMs: 2_000 }, { text: 'a' }], b: [{ text: 'b' }] },
      { retry: { rateLimitCooldown: false } },
    );
    await settleWithClock(llm.call(ask()), clock);
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && summary(r.value.attempts)).toEqual(['a:success']);
    await llm.stop();
  });

  it('ignores a rate limit without Retry-After', async () => {
    const { llm, clock } = setup({ a: [{ error: 'rate_limit' }, { text: 'a' }], b: [{ text: 'b' }] });
    await settleWithClock(llm.call(ask()), clock);
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value.provider).toBe('a');
    await llm.stop();
  });

  it('rejects a rateLimitCooldown that is not a boolean', () => {
    expect(() => setup({ a: [{ text: 'x' }] }, { retry: { rateLimitCooldown: 1 as never } })).toThrow(
      /rateLimitCooldown must be a boolean/,
    );
  });
});
