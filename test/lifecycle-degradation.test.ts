import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { memoryCache } from '../src/cache/memory-cache.js';
import { LLMError } from '../src/errors/llm-error.js';
import { nextTimerAt, settleWithClock } from '../src/testing/drive-clock.js';
import { ask, setup } from './helpers/lifecycle.js';

const schema = z.object({ answer: z.string() });

describe('degradation order', () => {
  it('serves a cached schema-valid answer first when every provider fails', async () => {
    const cache = memoryCache();
    let down = false;
    const { llm, clock } = setup(
      { a: [{ text: '{"answer":"fresh"}' }] },
      { degradation: { cache, simplifiedPrompt: 'short', fallback: '{"answer":"static"}' } },
    );
    const first = await settleWithClock(llm.call({ ...ask(), schema, cacheKey: 'k' }), clock);
    expect(first.ok && first.value.source).toBe('primary');
    down = true;
    llm.setProviderEnabled('a', !down);
    const second = await settleWithClock(llm.call({ ...ask(), schema, cacheKey: 'k' }), clock);
    expect(second.ok && second.value).toMatchObject({
      source: 'cache',
      data: { answer: 'fresh' },
      provider: 'a',
    });
    await llm.stop();
  });

  it('never caches an answer that failed the schema', async () => {
    const cache = memoryCache();
    const { llm, clock } = setup(
      { a: [{ text: '{"wrong":1}' }] },
      { degradation: { cache, fallback: '{"answer":"fb"}' }, validation: { maxReprompts: 0 } },
    );
    const r = await settleWithClock(llm.call({ ...ask(), schema, cacheKey: 'k' }), clock);
    expect(r.ok && r.value.source).toBe('fallback');
    expect(await cache.get('k')).toBeUndefined();
    await llm.stop();
  });

  it('caches only under the caller’s cacheKey', async () => {
    const cache = memoryCache();
    const { llm, clock } = setup({ a: [{ text: '{"answer":"x"}' }] }, { degradation: { cache } });
    await settleWithClock(llm.call({ ...ask(), schema }), clock);
    expect(cache.size).toBe(0);
    await settleWithClock(llm.call({ ...ask(), schema, cacheKey: 'mine' }), clock);
    expect(cache.size).toBe(1);
    expect((await cache.get('mine'))?.data).toEqual({ answer: 'x' });
    await llm.stop();
  });

  it('tries the simplified prompt after a cache miss, on providers that failed for input reasons', async () => {
    const { llm, clock, providers } = setup(
      { a: [{ error: 'context_length' }, { text: '{"answer":"short"}' }], b: [{ error: 'provider_error' }] },
      {
        degradation: {
          cache: memoryCache(),
          simplifiedPrompt: 'Answer in one word.',
          fallback: '{"answer":"fb"}',
        },
      },
    );
    const r = await settleWithClock(llm.call({ ...ask('long question'), schema, cacheKey: 'miss' }), clock);
    expect(r.ok && r.value).toMatchObject({ source: 'simplified', provider: 'a', data: { answer: 'short' } });
    expect(providers.a?.calls[1]?.request.messages).toEqual([
      { role: 'system', content: 'Answer in one word.' },
      { role: 'user', content: 'long question' },
    ]);
    // b, the last resort after a failed over, retried its server error; the simplified prompt skips it
    expect(providers.b?.calls).toHaveLength(3);
    const simplified = r.ok ? r.value.attempts.filter((a) => a.phase === 'simplified') : [];
    expect(simplified).toEqual([expect.objectContaining({ provider: 'a', outcome: 'success' })]);
    await llm.stop();
  });

  it('falls back to the static answer last, parsed by the schema', async () => {
    const { llm, clock } = setup(
      { a: [{ error: 'provider_error' }] },
      { degradation: { simplifiedPrompt: 's', fallback: '{"answer":"Sorry, try later."}' } },
    );
    const r = await settleWithClock(llm.call({ ...ask(), schema }), clock);
    expect(r.ok && r.value).toMatchObject({ source: 'fallback', data: { answer: 'Sorry, try later.' } });
    await llm.stop();
  });

  it('fails with the last error when nothing is configured to degrade to', async () => {
    const { llm, clock } = setup({ a: [{ error: 'quota_exhausted' }], b: [{ error: 'authentication' }] });
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(!r.ok && LLMError.is(r.error) && r.error.type).toBe('authentication');
    await llm.stop();
  });

  it('degrades when the total deadline passes, settling at the deadline', async () => {
    const { llm, clock } = setup(
      { a: [{ hang: true }], b: [{ hang: true }] },
      { timeouts: { attemptMs: 4_000, totalMs: 10_000 }, degradation: { fallback: 'late' } },
    );
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value.source).toBe('fallback');
    expect(r.at).toBe(10_000);
    await llm.stop();
  });

  it('reports every provider unavailable with the earliest Retry-After when all circuits are open', async () => {
    const { llm, clock } = setup(
      { a: [{ error: 'provider_error' }] },
      { breaker: { failureThreshold: 1, openMs: 30_000 }, retry: { maxAttempts: 1 } },
    );
    await settleWithClock(llm.call(ask()), clock);
    clock.set(clock.now() + 5_000);
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(!r.ok && r.error).toMatchObject({
      type: 'provider_error',
      code: 'circuit_open',
      retryAfterMs: 25_000,
    });
    await llm.stop();
  });
});

describe('operations', () => {
  it('routes by live priority and enabled flags, from code or JSON config', async () => {
    const { llm, clock } = setup({ a: [{ text: 'a' }], b: [{ text: 'b' }], c: [{ text: 'c' }] });
    llm.setProviderPriority('c', -1);
    expect((await settleWithClock(llm.call(ask()), clock)).ok && llm.providers()[2]?.priority).toBe(-1);
    const first = await settleWithClock(llm.call(ask()), clock);
    expect(first.ok && first.value.provider).toBe('c');
    llm.configureProviders('{"c": {"enabled": false}, "b": {"priority": -5}}');
    const second = await settleWithClock(llm.call(ask()), clock);
    expect(second.ok && second.value.provider).toBe('b');
    expect(() => llm.configureProviders({ nope: { enabled: true } })).toThrow(/Unknown provider id "nope"/);
    expect(() => llm.configureProviders('{"a": {"priority": "high"}}')).toThrow(/priority/);
    expect(() => llm.configureProviders('{oops')).toThrow(/not JSON/);
    await llm.stop();
  });

  it('stop() aborts calls in flight and leaves no timer pending', async () => {
    const { llm, clock } = setup({ a: [{ hang: true }] }, { degradation: { fallback: 'x' } });
    const pending = llm.call(ask());
    await settleWithClock(Promise.resolve(), clock);
    await llm.stop();
    const r = await settleWithClock(pending, clock);
    expect(!r.ok && LLMError.is(r.error) && r.error.type).toBe('aborted');
    expect(nextTimerAt(clock)).toBeUndefined();
    await expect(llm.call(ask())).rejects.toMatchObject({ code: 'client_stopped' });
  });

  it('keeps retries within the global budget during an outage', async () => {
    const { llm, clock, providers } = setup(
      { a: [{ error: 'rate_limit', retryAfterMs: 10 }] },
      {
        retry: { maxAttempts: 3, budget: { ratio: 0.1, minRetries: 2, windowMs: 60_000 } },
        degradation: { fallback: 'fb' },
      },
    );
    for (let i = 0; i < 20; i++) await settleWithClock(llm.call(ask()), clock);
    // 20 calls -> 20 first attempts, and at most 2 + 0.1 * 20 = 4 retries
    expect(providers.a?.calls.length).toBeLessThanOrEqual(24);
    expect(providers.a?.calls.length).toBeGreaterThanOrEqual(20);
    await llm.stop();
  });
});
