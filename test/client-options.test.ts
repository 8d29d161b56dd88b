import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createResilientLLM } from '../src/client/create-resilient-llm.js';
import type { ResilientLLMOptions } from '../src/client/options.js';
import { LLMError } from '../src/errors/llm-error.js';
import { faultyProvider } from '../src/testing/faulty-provider.js';

const ok = () => faultyProvider({ id: 'a', script: [{ text: 'ok' }] });
const base = (): ResilientLLMOptions => ({ providers: [ok()] });

/** [name, options, the field the message must name] */
const invalid: Array<[string, unknown, RegExp]> = [
  ['no options', undefined, /providers/],
  ['providers missing', {}, /providers/],
  ['providers not an array', { providers: 'openai' }, /providers/],
  ['providers empty', { providers: [] }, /at least one provider/],
  ['provider without id', { providers: [{ call: async () => ({ text: '' }) }] }, /providers\[0\]\.id|id/],
  [
    'provider with empty id',
    { providers: [{ id: '', call: async () => ({ text: '' }) }] },
    /id must not be empty/,
  ],
  ['provider without call', { providers: [{ id: 'a' }] }, /providers\[0\]\.call|call/],
  ['provider call not a function', { providers: [{ id: 'a', call: 'x' }] }, /call/],
  ['duplicate provider ids', { providers: [ok(), ok()] }, /unique/],
  ['priority NaN', { providers: [{ ...ok(), priority: Number.NaN }] }, /priority/],
  ['enabled not boolean', { providers: [{ ...ok(), enabled: 'yes' }] }, /enabled/],
  ['contextWindow negative', { providers: [{ ...ok(), contextWindow: -5 }] }, /contextWindow/],
  ['contextWindow fractional', { providers: [{ ...ok(), contextWindow: 1.5 }] }, /contextWindow/],
  ['retry.maxAttempts 0', { ...base(), retry: { maxAttempts: 0 } }, /maxAttempts/],
  ['retry.maxAttempts NaN', { ...base(), retry: { maxAttempts: Number.NaN } }, /maxAttempts/],
  ['retry.baseMs negative', { ...base(), retry: { baseMs: -1 } }, /baseMs/],
  ['retry.maxMs below baseMs', { ...base(), retry: { baseMs: 1000, maxMs: 10 } }, /maxMs/],
  ['retry.jitter unknown', { ...base(), retry: { jitter: 'some' } }, /jitter/],
  ['retry unknown key', { ...base(), retry: { attempts: 3 } }, /attempts/],
  ['retry.budget.ratio negative', { ...base(), retry: { budget: { ratio: -0.1 } } }, /ratio/],
  ['retry.budget.windowMs zero', { ...base(), retry: { budget: { windowMs: 0 } } }, /windowMs/],
  ['timeouts.attemptMs zero', { ...base(), timeouts: { attemptMs: 0 } }, /attemptMs/],
  ['timeouts.totalMs negative', { ...base(), timeouts: { totalMs: -1 } }, /totalMs/],
  ['timeouts.totalMs Infinity', { ...base(), timeouts: { totalMs: Number.POSITIVE_INFINITY } }, /totalMs/],
  ['timeouts.firstTokenMs string', { ...base(), timeouts: { firstTokenMs: '5s' } }, /firstTokenMs/],
  ['timeouts unknown key', { ...base(), timeouts: { connectMs: 5 } }, /connectMs/],
  ['validation.maxReprompts negative', { ...base(), validation: { maxReprompts: -1 } }, /maxReprompts/],
  ['degradation.cache not a cache', { ...base(), degradation: { cache: {} } }, /cache/],
  [
    'degradation.simplifiedPrompt empty',
    { ...base(), degradation: { simplifiedPrompt: '' } },
    /simplifiedPrompt/,
  ],
  ['degradation.fallback number', { ...base(), degradation: { fallback: 42 } }, /fallback/],
  ['hooks.rewritePrompt not a function', { ...base(), hooks: { rewritePrompt: 'x' } }, /rewritePrompt/],
  ['clock without timers', { ...base(), clock: { now: () => 0 } }, /clock/],
  ['random not a function', { ...base(), random: 0.5 }, /random/],
  ['unknown top-level key', { ...base(), retries: 3 }, /retries/],
  ['breaker.failureThreshold 0', { ...base(), breaker: { failureThreshold: 0 } }, /failureThreshold/],
  ['breaker.openMs negative', { ...base(), breaker: { openMs: -1 } }, /openMs/],
  [
    'breaker.failureRateThreshold above 1',
    { ...base(), breaker: { failureRateThreshold: 1.5 } },
    /failureRateThreshold/,
  ],
];

describe('createResilientLLM option validation', () => {
  it(`rejects ${invalid.length} invalid option sets`, () => {
    expect(invalid.length).toBeGreaterThanOrEqual(30);
  });

  it.each(invalid)('rejects %s with a message naming the field', (_name, options, field) => {
    let thrown: unknown;
    try {
      createResilientLLM(options as ResilientLLMOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toMatch(/^Invalid (resilient-llm|breaker) options/);
    expect((thrown as Error).message).toMatch(field);
  });

  it('accepts the documented defaults', async () => {
    const llm = createResilientLLM(base());
    expect(llm.providers()).toEqual([{ id: 'a', priority: 0, enabled: true, breaker: 'closed' }]);
    await llm.stop();
  });
});

describe('call() argument validation', () => {
  const llm = createResilientLLM(base());
  const bad: Array<[string, unknown, RegExp]> = [
    ['no messages', {}, /messages/],
    ['empty messages', { messages: [] }, /messages must not be empty/],
    ['bad role', { messages: [{ role: 'robot', content: 'x' }] }, /role/],
    ['content not a string', { messages: [{ role: 'user', content: 5 }] }, /content/],
    ['schema not zod', { messages: [{ role: 'user', content: 'x' }], schema: { parse: 1 } }, /schema/],
    ['empty cacheKey', { messages: [{ role: 'user', content: 'x' }], cacheKey: '' }, /cacheKey/],
    ['signal not a signal', { messages: [{ role: 'user', content: 'x' }], signal: {} }, /signal/],
  ];
  it.each(bad)('rejects %s as bad_request naming the field', async (_name, request, field) => {
    const error = await llm.call(request as never).catch((e: unknown) => e);
    expect(LLMError.is(error) && error.type).toBe('bad_request');
    expect((error as Error).message).toMatch(field);
  });
});

describe('malformed model output', () => {
  const schema = z.object({ a: z.number() });
  const run = async (text: string, maxOutputBytes?: number) => {
    const llm = createResilientLLM({
      providers: [faultyProvider({ id: 'm', script: [{ text }] })],
      validation: { maxReprompts: 0, ...(maxOutputBytes === undefined ? {} : { maxOutputBytes }) },
      degradation: { fallback: '{"a":0}' },
    });
    try {
      return await llm.call({ messages: [{ role: 'user', content: 'x' }], schema });
    } finally {
      await llm.stop();
    }
  };

  it('refuses a 10 MB answer unparsed by default (validation.maxOutputBytes)', async () => {
    const r = await run(`${'x'.repeat(10 * 1024 * 1024)} {"a": 1}`);
    expect(r.source).toBe('fallback');
    expect(r.attempts[0]?.outcome).toBe('invalid_response');
  });

  it('parses a 10 MB answer without crashing when maxOutputBytes allows it', async () => {
    const r = await run(`${'x'.repeat(10 * 1024 * 1024)} {"a": 1}`, 16 * 1024 * 1024);
    expect(r.source).toBe('primary');
    expect(r.data).toEqual({ a: 1 });
  });

  it('handles 100k nested brackets without a stack overflow', async () => {
    const r = await run(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(r.source).toBe('fallback');
    expect(r.attempts[0]?.outcome).toBe('invalid_response');
  });

  it('handles 100k unbalanced open brackets', async () => {
    const r = await run(`${'{'.repeat(100_000)} {"a": 2}`);
    expect(r.data).toEqual({ a: 2 });
  });

  it('keeps __proto__ keys as data and never pollutes prototypes', async () => {
    const r = await run('{"a": 3, "__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}');
    expect(r.data).toEqual({ a: 3 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('extracts JSON from prose and code fences, with braces inside strings', async () => {
    const r = await run('Sure! ```json\n{"a": 4, "note": "a } inside"}\n``` hope that helps');
    expect(r.data).toEqual({ a: 4 });
  });
});
