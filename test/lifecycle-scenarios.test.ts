import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LLMError } from '../src/errors/llm-error.js';
import { flushAsync, settleWithClock } from '../src/testing/drive-clock.js';
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
  it('fails over at once on rate_limit while another provider can take the call', async () => {
    const { llm, clock, providers } = setup({
      a: [{ error: 'rate_limit', retryAfterMs: 2_000 }],
      b: [{ text: 'b' }],
    });
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value.provider).toBe('b');
    expect(r.at).toBe(0);
    expect(r.ok && r.value.attempts.map((a) => `${a.provider}:${a.outcome}:${a.decision}`)).toEqual([
      'a:rate_limit:failover',
      'b:success:succeeded',
    ]);
    expect(providers.a?.calls).toHaveLength(1);
    await llm.stop();
  });

  it('waits Retry-After on rate_limit when no other provider can take the call (b’s circuit is open)', async () => {
    const { llm, clock, providers } = setup({
      a: [{ error: 'rate_limit', retryAfterMs: 2_000 }, { text: 'ok' }],
      b: [{ text: 'b' }],
    });
    llm.breaker('b').forceOpen();
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value.provider).toBe('a');
    expect(providers.a?.calls.map((c) => c.at)).toEqual([0, 2_000]);
    expect(providers.b?.calls).toHaveLength(0);
    await llm.stop();
  });

  it('waits Retry-After on rate_limit, then retries the same provider, with rateLimitWait: always', async () => {
    const { llm, clock, providers } = setup(
      {
        a: [
          { error: 'rate_limit', retryAfterMs: 2_000 },
          { text: 'ok', delayMs: 300 },
        ],
        b: [{ text: 'b' }],
      },
      { retry: { rateLimitWait: 'always' } },
    );
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value.provider).toBe('a');
    expect(providers.a?.calls.map((c) => c.at)).toEqual([0, 2_000]);
    expect(r.ok && r.value.attempts.map((a) => a.decision)).toEqual(['backoff', 'succeeded']);
    // The machine knows exactly how long it waited: the retry starts after the wait and lasts only itself.
    expect(r.ok && r.value.attempts[1]).toMatchObject({ startedAt: 2_000, durationMs: 300 });
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

describe('request lifecycle: every taxonomy row', () => {
  it('fails over on quota_exhausted and never retries that provider', async () => {
    const { llm, clock, providers } = setup({
      a: [{ error: 'quota_exhausted' }, { text: 'a' }],
      b: [{ text: 'b' }],
    });
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value.provider).toBe('b');
    expect(providers.a?.calls).toHaveLength(1);
    expect(r.ok && r.value.attempts[0]).toMatchObject({ outcome: 'quota_exhausted', decision: 'failover' });
    await llm.stop();
  });

  it('fails over on authentication and never retries that provider', async () => {
    const { llm, clock, providers } = setup({
      a: [{ error: 'authentication' }, { text: 'a' }],
      b: [{ text: 'b' }],
    });
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value.provider).toBe('b');
    expect(providers.a?.calls).toHaveLength(1);
    await llm.stop();
  });

  it('fails over on provider_error while another provider is left, and counts it on the breaker', async () => {
    const { llm, clock, providers } = setup(
      { a: [{ error: 'provider_error' }], b: [{ text: 'b' }] },
      { breaker: { failureThreshold: 2 } },
    );
    for (let i = 0; i < 2; i++) {
      const r = await settleWithClock(llm.call(ask()), clock);
      expect(r.ok && r.value.provider).toBe('b');
    }
    expect(llm.breaker('a').state).toBe('open');
    const third = await settleWithClock(llm.call(ask()), clock);
    expect(providers.a?.calls).toHaveLength(2);
    expect(third.ok && third.value.attempts[0]).toMatchObject({
      provider: 'a',
      outcome: 'skipped',
      code: 'circuit_open',
    });
    await llm.stop();
  });

  it('retries provider_error with backoff when it is the last provider', async () => {
    const { llm, clock, providers } = setup({
      a: [{ error: 'provider_error' }, { error: 'provider_error' }, { text: 'ok' }],
    });
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value.text).toBe('ok');
    // full jitter with random 0.5: 250 ms then 500 ms
    expect(providers.a?.calls.map((c) => c.at)).toEqual([0, 250, 750]);
    await llm.stop();
  });

  it('fails over on unknown errors', async () => {
    const { llm, clock } = setup({ a: [{ throw: new Error('boom') }], b: [{ text: 'b' }] });
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value.provider).toBe('b');
    expect(r.ok && r.value.attempts[0]?.outcome).toBe('unknown');
    await llm.stop();
  });

  it('re-prompts at most maxReprompts times, then fails over', async () => {
    const { llm, clock, providers } = setup(
      { a: [{ text: '{"n": "x"}' }], b: [{ text: '{"n": 1}' }] },
      { validation: { maxReprompts: 2 } },
    );
    const r = await settleWithClock(llm.call({ ...ask(), schema: z.object({ n: z.number() }) }), clock);
    expect(r.ok && r.value.data).toEqual({ n: 1 });
    expect(providers.a?.calls).toHaveLength(3);
    const feedback = providers.a?.calls[2]?.request.messages.at(-1)?.content ?? '';
    expect(feedback).toContain('expected number');
    // the re-prompt carries the original request plus one correction, not every earlier one
    expect(providers.a?.calls[2]?.request.messages).toHaveLength(3);
    await llm.stop();
  });

  it('calls the rewrite hook on content_filtered and retries with the rewritten prompt', async () => {
    const { llm, clock, providers } = setup(
      { a: [{ error: 'content_filtered' }, { text: 'clean' }], b: [{ text: 'b' }] },
      {
        hooks: {
          rewritePrompt: (req) => ({ ...req, messages: [{ role: 'user', content: 'polite version' }] }),
        },
      },
    );
    const r = await settleWithClock(llm.call(ask('rude')), clock);
    expect(r.ok && r.value).toMatchObject({ text: 'clean', provider: 'a' });
    expect(providers.a?.calls[1]?.request.messages[0]?.content).toBe('polite version');
    await llm.stop();
  });

  it('fails over on content_filtered when the default rewrite is off', async () => {
    const { llm, clock, providers } = setup(
      { a: [{ error: 'content_filtered' }], b: [{ text: 'b' }] },
      { contentFilter: { rewriteInstruction: false } },
    );
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value.provider).toBe('b');
    expect(providers.a?.calls).toHaveLength(1);
    await llm.stop();
  });

  it('truncates to the declared context window before sending, keeping system and newest messages', async () => {
    const { llm, clock, providers } = setup({ a: [{ text: 'ok' }] }, { contextWindows: { a: 40 } });
    const messages = [
      { role: 'system' as const, content: 'be brief' },
      { role: 'user' as const, content: 'x'.repeat(200) },
      { role: 'assistant' as const, content: 'y'.repeat(40) },
      { role: 'user' as const, content: 'latest question' },
    ];
    const r = await settleWithClock(llm.call({ messages }), clock);
    expect(r.ok).toBe(true);
    const sent = providers.a?.calls[0]?.request.messages.map((m) => m.content.slice(0, 8));
    expect(sent).toEqual(['be brief', 'yyyyyyyy', 'latest q']);
    await llm.stop();
  });

  it('truncates and retries when the provider reports context_length', async () => {
    const { llm, clock, providers } = setup(
      { a: [{ error: 'context_length' }, { text: 'ok' }] },
      { contextWindows: { a: 10_000 } },
    );
    const messages = [
      { role: 'user' as const, content: 'old '.repeat(50) },
      { role: 'user' as const, content: 'new '.repeat(50) },
    ];
    const r = await settleWithClock(llm.call({ messages }), clock);
    expect(r.ok && r.value.attempts.map((a) => a.decision)).toEqual(['truncate', 'succeeded']);
    expect(providers.a?.calls[1]?.request.messages).toHaveLength(1);
    await llm.stop();
  });

  it('fails over to a larger window when the request cannot fit', async () => {
    const { llm, clock, providers } = setup(
      { small: [{ text: 'small' }], large: [{ text: 'large' }] },
      { contextWindows: { small: 20, large: 10_000 } },
    );
    const r = await settleWithClock(
      llm.call({ messages: [{ role: 'user', content: 'z'.repeat(400) }] }),
      clock,
    );
    expect(r.ok && r.value.provider).toBe('large');
    expect(providers.small?.calls).toHaveLength(0);
    expect(r.ok && r.value.attempts[0]).toMatchObject({
      provider: 'small',
      outcome: 'context_length',
      decision: 'failover',
    });
    await llm.stop();
  });

  it('settles at once with aborted when the caller aborts, and cancels the in-flight call', async () => {
    const { llm, clock, providers } = setup(
      { a: [{ hang: true }] },
      { degradation: { fallback: 'never used' } },
    );
    const controller = new AbortController();
    const pending = llm.call({ ...ask(), signal: controller.signal });
    await flushAsync();
    clock.set(1_234);
    controller.abort();
    const r = await settleWithClock(pending, clock);
    expect(r.ok).toBe(false);
    expect(!r.ok && LLMError.is(r.error) && r.error.type).toBe('aborted');
    expect(r.at).toBe(1_234);
    expect(providers.a?.calls).toHaveLength(1);
    expect(llm.inFlight).toBe(0);
    await llm.stop();
  });

  it('rejects an already-aborted signal without calling any provider', async () => {
    const { llm, providers } = setup({ a: [{ text: 'a' }] });
    const controller = new AbortController();
    controller.abort();
    await expect(llm.call({ ...ask(), signal: controller.signal })).rejects.toMatchObject({
      type: 'aborted',
    });
    expect(providers.a?.calls).toHaveLength(0);
    await llm.stop();
  });
});
