/**
 * Hostile model output: JSON extraction does work linear in the answer's length with a small constant (counted,
 * not timed), parses a bounded number of candidates, and answers above `validation.maxOutputBytes` are
 * `invalid_response` without being parsed.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createResilientLLM } from '../src/client/create-resilient-llm.js';
import { faultyProvider } from '../src/testing/faulty-provider.js';
import { type ExtractMeter, extractJson, MAX_JSON_CANDIDATES } from '../src/validation/extract-json.js';
import { defaultValidationLimits, validateAnswer } from '../src/validation/validate.js';

const schema = z.object({ ok: z.boolean() });
const meter = (): ExtractMeter => ({ visits: 0, parses: 0 });

describe('JSON extraction of hostile output', () => {
  const size = 1_000_000;
  const cases: Array<[string, string]> = [
    ['a run of {', '{'.repeat(size)],
    ['a run of {} pairs', '{}'.repeat(size / 2)],
    ['a run of {a} spans that never parse', '{a}'.repeat(size / 3)],
    ['unclosed { before prose', `${'{'.repeat(size / 2)}${'x'.repeat(size / 2)}`],
  ];

  it.each(cases)('scans %s once and parses a bounded number of candidates', (_name, text) => {
    const work = meter();
    extractJson(text, work);
    expect(work.visits).toBeLessThanOrEqual(text.length);
    expect(work.parses).toBeLessThanOrEqual(MAX_JSON_CANDIDATES + 2);
  });

  it('still finds the first object among a million {} pairs', () => {
    const work = meter();
    expect(extractJson('{}'.repeat(500_000), work)).toEqual({ ok: true, value: {} });
    expect(work.parses).toBe(2); // the whole text, then the first span
    expect(extractJson('note: {} and {"ok":true}')).toEqual({ ok: true, value: {} });
  });

  it('finds JSON after an unclosed bracket and prose', () => {
    expect(extractJson('{ oops [1,2] then {"ok": true}')).toEqual({ ok: true, value: [1, 2] });
    expect(extractJson('Sure! ```json\n{"ok": true}\n``` done')).toEqual({ ok: true, value: { ok: true } });
  });

  it('gives up after MAX_JSON_CANDIDATES spans that do not parse', () => {
    const text = `${'{a}'.repeat(MAX_JSON_CANDIDATES)} {"ok":true}`;
    const work = meter();
    expect(extractJson(text, work).ok).toBe(false);
    expect(work.parses).toBe(MAX_JSON_CANDIDATES + 1);
    expect(extractJson(`${'{a}'.repeat(MAX_JSON_CANDIDATES - 1)} {"ok":true}`)).toEqual({
      ok: true,
      value: { ok: true },
    });
  });
});

describe('validation.maxOutputBytes', () => {
  it('refuses an answer above the limit without parsing it', () => {
    const text = `{"ok":true}${' '.repeat(defaultValidationLimits.maxOutputBytes)}`;
    const result = validateAnswer(text, schema, 'p');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.type).toBe('invalid_response');
    expect(result.error.code).toBe('output_too_large');
    expect(result.validation).toContain('validation.maxOutputBytes');
  });

  it('counts UTF-8 bytes, not characters', () => {
    const text = `{"ok":true,"s":"${'é'.repeat(10)}"}`; // 10 two-byte characters
    expect(validateAnswer(text, schema, 'p', { maxOutputBytes: text.length }).ok).toBe(false);
    expect(validateAnswer(text, schema, 'p', { maxOutputBytes: text.length + 10 }).ok).toBe(true);
  });

  it('leaves answers without a schema alone', () => {
    const text = 'x'.repeat(2_000_000);
    expect(validateAnswer(text, undefined)).toEqual({ ok: true, data: text });
  });

  it('makes a call with oversized output fail over as invalid_response', async () => {
    const big = faultyProvider({ id: 'big', script: [{ text: `{"ok":true}${' '.repeat(200)}` }] });
    const good = faultyProvider({ id: 'good', script: [{ text: '{"ok":true}' }] });
    const llm = createResilientLLM({
      providers: [big, { ...good, priority: 1 }],
      validation: { maxReprompts: 0, maxOutputBytes: 100 },
    });
    const result = await llm.call({ messages: [{ role: 'user', content: 'hi' }], schema });
    expect(result.provider).toBe('good');
    expect(result.attempts[0]).toMatchObject({ provider: 'big', outcome: 'invalid_response' });
    await llm.stop();
  });

  it('rejects a maxOutputBytes that is not a positive integer, naming the field', () => {
    const providers = [faultyProvider({ id: 'a', script: [{ text: 'ok' }] })];
    expect(() => createResilientLLM({ providers, validation: { maxOutputBytes: 0 } })).toThrow(
      /maxOutputBytes must be > 0[\s\S]*validation\.maxOutputBytes/,
    );
  });
});
