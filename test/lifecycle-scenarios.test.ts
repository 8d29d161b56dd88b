import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LLMError } from '../src/errors/llm-error.js';
import { settleWithClock } from '../src/testing/drive-clock.js';
import { ask, setup } from './helpers/lifecycle.js';

describe('request lifecycle: happy path', () => {
  it('answers from the first provider with source primary', async () => {
    const { llm, clock, providers } = setup({ a: [{ text: 'hi' }], b: [{ text: 'unused' }] });
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({
      text: 'hi',
      data: 'hi',
      source: 'primary',
      provider: 'a',
      model: 'a-model',
    });
    expect(r.value.attempts).toEqual([
      expect.objectContaining({ provider: 'a', attempt: 1, outcome: 'success', decision: 'succeeded' }),
    ]);
    expect(providers.b?.calls).toHaveLength(0);
    await llm.stop();
  });
});

describe('request lifecycle: taxonomy', () => {
  it('waits Retry-After on rate_limit, then retries the same provider', async () => {
    const { llm, clock, providers } = setup({
      a: [{ error: 'rate_limit', retryAfterMs: 2_000 }, { text: 'ok' }],
      b: [{ text: 'b' }],
    });
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value.provider).toBe('a');
    expect(providers.a?.calls.map((c) => c.at)).toEqual([0, 2_000]);
    expect(r.ok && r.value.attempts.map((a) => a.decision)).toEqual(['backoff', 'succeeded']);
    await llm.stop();
  });

  it('fails over on rate_limit when Retry-After does not fit the deadline', async () => {
    const { llm, clock, providers } = setup(
      { a: [{ error: 'rate_limit', retryAfterMs: 500_000 }], b: [{ text: 'b' }] },
      { timeouts: { totalMs: 60_000, attemptMs: 10_000 } },
    );
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value.provider).toBe('b');
    expect(providers.a?.calls).toHaveLength(1);
    await llm.stop();
  });

  it('retries once after a timeout, then fails over', async () => {
    const { llm, clock, providers } = setup(
      { a: [{ hang: true }], b: [{ text: 'b' }] },
      { timeouts: { attemptMs: 1_000 } },
    );
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value.provider).toBe('b');
    expect(providers.a?.calls.map((c) => c.at)).toEqual([0, 1_000]);
    expect(r.ok && r.value.attempts.map((a) => `${a.provider}:${a.outcome}:${a.decision}`)).toEqual([
      'a:timeout:retry',
      'a:timeout:failover',
      'b:success:succeeded',
    ]);
    await llm.stop();
  });

  it('re-prompts with the validation error, then succeeds', async () => {
    const { llm, clock, providers } = setup({
      a: [{ text: 'not json' }, { text: '```json\n{"n": 2}\n```' }],
    });
    const r = await settleWithClock(llm.call({ ...ask(), schema: z.object({ n: z.number() }) }), clock);
    expect(r.ok && r.value.data).toEqual({ n: 2 });
    const second = providers.a?.calls[1]?.request.messages ?? [];
    expect(second.at(-2)).toEqual({ role: 'assistant', content: 'not json' });
    expect(second.at(-1)?.content).toContain('not valid JSON');
    await llm.stop();
  });

  it('fails fast on bad_request without trying another provider', async () => {
    const { llm, clock, providers } = setup(
      { a: [{ error: 'bad_request' }], b: [{ text: 'b' }] },
      { degradation: { fallback: 'sorry' } },
    );
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok).toBe(false);
    expect(!r.ok && LLMError.is(r.error) && r.error.type).toBe('bad_request');
    expect(providers.b?.calls).toHaveLength(0);
    await llm.stop();
  });

  it('degrades to the static fallback when every provider fails', async () => {
    const { llm, clock } = setup(
      { a: [{ error: 'provider_error' }], b: [{ error: 'authentication' }] },
      { degradation: { fallback: 'sorry' } },
    );
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value.source).toBe('fallback');
    expect(r.ok && r.value.text).toBe('sorry');
    await llm.stop();
  });
});
