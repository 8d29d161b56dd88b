/**
 * Honest degraded answers: the static fallback is parsed by the call's schema (and a fallback the schema
 * rejects fails the call before any provider is called), and a content filter without a hook gets the
 * default rewrite once before failing over.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_CONTENT_FILTER_INSTRUCTION } from '../src/client/rewrite.js';
import { LLMError } from '../src/errors/llm-error.js';
import { settleWithClock } from '../src/testing/drive-clock.js';
import { ask, setup } from './helpers/lifecycle.js';

const schema = z.object({ city: z.string(), confidence: z.number() });

describe('the static fallback with a schema', () => {
  it('parses a fallback that satisfies the schema into data, with source fallback', async () => {
    const { llm, clock } = setup(
      { a: [{ error: 'provider_error' }] },
      { degradation: { fallback: '{"city":"unknown","confidence":0}' }, retry: { maxAttempts: 1 } },
    );
    const r = await settleWithClock(llm.call({ ...ask(), schema }), clock);
    expect(r.ok && r.value).toMatchObject({ source: 'fallback', data: { city: 'unknown', confidence: 0 } });
    await llm.stop();
  });

  it('applies the schema’s transforms to the fallback', async () => {
    const { llm, clock } = setup(
      { a: [{ error: 'authentication' }] },
      { degradation: { fallback: '{"n":"7"}' } },
    );
    const coerce = z.object({ n: z.coerce.number() });
    const r = await settleWithClock(llm.call({ ...ask(), schema: coerce }), clock);
    expect(r.ok && r.value.data).toEqual({ n: 7 });
    await llm.stop();
  });

  it('rejects a call whose schema the fallback does not satisfy as bad_request, before any provider', async () => {
    const { llm, clock, providers } = setup(
      { a: [{ text: '{"city":"Paris","confidence":1}' }] },
      { degradation: { fallback: 'Sorry, try later.' } },
    );
    const r = await settleWithClock(llm.call({ ...ask(), schema }), clock);
    expect(r.ok).toBe(false);
    const error = r.ok ? undefined : r.error;
    expect(LLMError.is(error) && error.type).toBe('bad_request');
    expect(LLMError.is(error) && error.code).toBe('invalid_fallback');
    expect(String((error as Error).message)).toMatch(/degradation\.fallback.*not valid JSON/s);
    expect(providers.a?.calls).toHaveLength(0);
    await llm.stop();
  });

  it('names the schema issue of a JSON fallback of the wrong shape', async () => {
    const { llm } = setup({ a: [{ text: 'x' }] }, { degradation: { fallback: '{"city":3}' } });
    await expect(llm.call({ ...ask(), schema })).rejects.toThrow(/degradation\.fallback[\s\S]*city/);
    await llm.stop();
  });

  it('keeps a text fallback as data for calls without a schema', async () => {
    const { llm, clock } = setup(
      { a: [{ error: 'quota_exhausted' }] },
      { degradation: { fallback: 'later' } },
    );
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value).toMatchObject({ source: 'fallback', data: 'later', text: 'later' });
    await llm.stop();
  });
});

describe('a content filter without a rewrite hook', () => {
  it('retries once on the same provider with the default policy instruction, then succeeds', async () => {
    const { llm, clock, providers } = setup({
      a: [{ error: 'content_filtered' }, { text: 'within policy' }],
      b: [{ text: 'b' }],
    });
    const r = await settleWithClock(llm.call(ask('tell me')), clock);
    expect(r.ok && r.value).toMatchObject({ provider: 'a', text: 'within policy' });
    expect(r.ok && r.value.attempts.map((a) => [a.provider, a.outcome, a.decision])).toEqual([
      ['a', 'content_filtered', 'rewrite'],
      ['a', 'success', 'succeeded'],
    ]);
    expect(providers.a?.calls[1]?.request.messages).toEqual([
      { role: 'system', content: DEFAULT_CONTENT_FILTER_INSTRUCTION },
      { role: 'user', content: 'tell me' },
    ]);
    expect(providers.b?.calls).toHaveLength(0);
    await llm.stop();
  });

  it('rewrites only once, then fails over', async () => {
    const { llm, clock, providers } = setup({ a: [{ error: 'content_filtered' }], b: [{ text: 'b' }] });
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value.attempts.map((a) => [a.provider, a.outcome, a.decision])).toEqual([
      ['a', 'content_filtered', 'rewrite'],
      ['a', 'content_filtered', 'failover'],
      ['b', 'success', 'succeeded'],
    ]);
    expect(providers.a?.calls).toHaveLength(2);
    await llm.stop();
  });

  it('uses a configured instruction', async () => {
    const { llm, clock, providers } = setup(
      { a: [{ error: 'content_filtered' }, { text: 'ok' }] },
      { contentFilter: { rewriteInstruction: 'Keep it family friendly.' } },
    );
    await settleWithClock(llm.call(ask()), clock);
    expect(providers.a?.calls[1]?.request.messages[0]).toEqual({
      role: 'system',
      content: 'Keep it family friendly.',
    });
    await llm.stop();
  });

  it('rejects an empty instruction at creation, naming the field', () => {
    expect(() => setup({ a: [{ text: 'x' }] }, { contentFilter: { rewriteInstruction: '' } })).toThrow(
      /rewriteInstruction must not be empty[\s\S]*contentFilter\.rewriteInstruction/,
    );
  });
});
