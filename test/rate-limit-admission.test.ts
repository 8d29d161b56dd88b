/**
 * Graded rate-limit admission: one 429 no longer blacks a provider out for later calls; an account-wide limit
 * (every call rate limited) pauses it for its Retry-After; a breaker that closes again leaves nothing over.
 */
import { describe, expect, it } from 'vitest';
import { Admission, shareLowerBound } from '../src/routing/admission.js';
import { settleWithClock } from '../src/testing/drive-clock.js';
import { ask, setup } from './helpers/lifecycle.js';

const summary = (
  attempts: Array<{ provider: string; outcome: string; code?: string; retryAfterMs?: number }>,
) =>
  attempts.map((a) =>
    [a.provider, a.outcome, a.code, a.retryAfterMs].filter((x) => x !== undefined).join(':'),
  );

const limited = { error: 'rate_limit' as const, retryAfterMs: 60_000 };

describe('rate-limit admission', () => {
  it('keeps calling a provider after a single rate limit with Retry-After', async () => {
    const { llm, clock, providers } = setup({
      a: [{ error: 'rate_limit', retryAfterMs: 2_000 }, { text: 'a again' }],
      b: [{ text: 'b', delayMs: 100 }],
    });
    const first = await settleWithClock(llm.call(ask()), clock);
    expect(first.ok && summary(first.value.attempts)).toEqual(['a:rate_limit:2000', 'b:success']);
    clock.increment(400);
    const second = await settleWithClock(llm.call(ask()), clock);
    expect(second.ok && summary(second.value.attempts)).toEqual(['a:success']);
    expect(providers.a?.calls).toHaveLength(2);
    await llm.stop();
  });

  it('pauses a provider whose every call is rate limited, for its Retry-After, then probes it', async () => {
    const { llm, clock, providers } = setup({
      a: [limited, limited, limited, { text: 'a is back' }],
      b: [{ text: 'b', delayMs: 10 }],
    });
    for (let i = 0; i < 3; i++) await settleWithClock(llm.call(ask()), clock);
    expect(providers.a?.calls).toHaveLength(3);
    clock.increment(1_000);
    const paused = await settleWithClock(llm.call(ask()), clock);
    expect(paused.ok && paused.value.provider).toBe('b');
    const [skip] = paused.ok ? paused.value.attempts : [];
    expect(skip).toMatchObject({ provider: 'a', outcome: 'skipped', code: 'rate_limited' });
    expect(skip?.retryAfterMs).toBeGreaterThan(58_000);
    expect(providers.a?.calls).toHaveLength(3);
    clock.increment(60_000);
    const probed = await settleWithClock(llm.call(ask()), clock);
    expect(probed.ok && summary(probed.value.attempts)).toEqual(['a:success']);
    await llm.stop();
  });

  it('still calls a paused provider when nobody else can take the call', async () => {
    const { llm, clock, providers } = setup({
      a: [limited, limited, limited, { text: 'a after all' }],
      b: [{ text: 'b' }],
    });
    for (let i = 0; i < 3; i++) await settleWithClock(llm.call(ask()), clock);
    llm.breaker('b').forceOpen();
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value.provider).toBe('a');
    expect(providers.a?.calls).toHaveLength(4);
    await llm.stop();
  });

  it('gives a provider its share back at once when its breaker closes', async () => {
    const { llm, clock } = setup({
      a: [limited, limited, limited, { text: 'a' }],
      b: [{ text: 'b' }],
    });
    for (let i = 0; i < 3; i++) await settleWithClock(llm.call(ask()), clock);
    const paused = await settleWithClock(llm.call(ask()), clock);
    expect(paused.ok && paused.value.provider).toBe('b');
    llm.breaker('a').forceOpen();
    llm.breaker('a').reset();
    const back = await settleWithClock(llm.call(ask()), clock);
    expect(back.ok && summary(back.value.attempts)).toEqual(['a:success']);
    await llm.stop();
  });

  it('sheds calls in proportion once most of a provider’s calls are rate limited', async () => {
    const run = async (draw: number) => {
      // Rate limits without Retry-After: no pause, so only the proportional shedding acts.
      const { llm, clock } = setup(
        {
          a: [{ error: 'rate_limit' }, { error: 'rate_limit' }, { error: 'rate_limit' }, { text: 'a' }],
          b: [{ text: 'b' }],
        },
        { random: () => draw, retry: { maxAttempts: 1 } },
      );
      for (let i = 0; i < 3; i++) await settleWithClock(llm.call(ask()), clock);
      const r = await settleWithClock(llm.call(ask()), clock);
      await llm.stop();
      return r.ok ? summary(r.value.attempts) : [];
    };
    // Three of three calls limited: a call is shed with probability 3/4.
    expect(await run(0.1)).toEqual(['a:skipped:rate_limit_shed', 'b:success']);
    expect(await run(0.9)).toEqual(['a:success']);
  });

  it('is off with retry.rateLimitCooldown false', async () => {
    const { llm, clock } = setup(
      { a: [limited, limited, limited, { text: 'a' }], b: [{ text: 'b' }] },
      { retry: { rateLimitCooldown: false } },
    );
    for (let i = 0; i < 3; i++) await settleWithClock(llm.call(ask()), clock);
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && summary(r.value.attempts)).toEqual(['a:success']);
    await llm.stop();
  });

  it('rejects a rateLimitCooldown that is not a boolean', () => {
    expect(() => setup({ a: [{ text: 'x' }] }, { retry: { rateLimitCooldown: 1 as never } })).toThrow(
      /rateLimitCooldown must be a boolean/,
    );
  });
});

describe('admission judges small samples by confidence, not by the raw share', () => {
  it('does not pause a provider for 3 rate limits among its first 5 answers (a chance run at a 20% rate)', () => {
    const admission = new Admission();
    // Raw share 3/5 = 60% > 50%: the old rule paused the provider for the whole Retry-After here.
    admission.recordAccepted(0);
    admission.recordRateLimit(1, 1_000);
    admission.recordAccepted(2);
    admission.recordRateLimit(3, 1_000);
    admission.recordRateLimit(4, 1_000);
    expect(admission.admit(5, () => 0.99)).toEqual({ ok: true });
    expect(admission.pausedUntil).toBe(Number.NEGATIVE_INFINITY);
  });

  it('still pauses at once when every call is rate limited (3 of 3)', () => {
    const admission = new Admission();
    for (let at = 0; at < 3; at++) admission.recordRateLimit(at, 1_000);
    expect(admission.admit(3, () => 0.99)).toMatchObject({ ok: false, code: 'rate_limited' });
  });

  it('gives the Wilson lower bound of a share', () => {
    expect(shareLowerBound(3, 3)).toBeGreaterThan(0.5);
    expect(shareLowerBound(3, 5)).toBeLessThan(0.3);
    expect(shareLowerBound(20, 30)).toBeGreaterThan(0.5);
    expect(shareLowerBound(0, 0)).toBe(0);
  });
});
