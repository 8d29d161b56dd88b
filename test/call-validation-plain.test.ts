import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type CallRequest, parseCallRequest, parseCallRequestByZod } from '../src/client/call-request.js';
import { LLMError } from '../src/errors/llm-error.js';
import { plainCallRequest } from '../src/validation/plain-call.js';

type Outcome =
  | { ok: true; request: unknown; keys: string[] }
  | { ok: false; message: string; code: string | undefined };

function outcome(parse: () => { request: unknown }): Outcome {
  try {
    const parsed = parse();
    return { ok: true, request: parsed.request, keys: Object.keys(parsed).sort() };
  } catch (error) {
    if (!LLMError.is(error)) throw error;
    return { ok: false, message: error.message, code: error.code };
  }
}

const schema = z.object({ answer: z.string() });
const anything = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 4 }),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
);
const message = fc.oneof(
  fc.record({ role: fc.constantFrom('system', 'user', 'assistant'), content: fc.string({ maxLength: 6 }) }),
  fc.record(
    {
      role: fc.oneof(fc.constantFrom('system', 'user', 'assistant', 'tool', 'bot', ''), anything),
      content: fc.oneof(fc.string({ maxLength: 6 }), anything, fc.constant([{ type: 'text', text: 'hi' }])),
      extra: anything,
    },
    { requiredKeys: [] },
  ),
  anything,
);
const validMessage = fc.record({
  role: fc.constantFrom('system', 'user', 'assistant'),
  content: fc.string({ maxLength: 6 }),
});
/** Calls the plain check should accept, but for the edges of each field's range. */
const nearPlain = fc.record(
  {
    messages: fc.array(validMessage, { minLength: 1, maxLength: 3 }),
    schema: fc.constant(schema),
    cacheKey: fc.string({ minLength: 1, maxLength: 3 }),
    signal: fc.constant(new AbortController().signal),
    maxOutputTokens: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom(0, 2 ** 53, 1.5)),
    maxTokens: fc.integer({ min: 1, max: 5 }),
    temperature: fc.oneof(fc.double({ min: 0, max: 2, noNaN: true }), fc.constantFrom(-0, 2.0001, -1e-9)),
    requestId: fc.oneof(fc.string({ minLength: 1, maxLength: 5 }), fc.constantFrom('x'.repeat(128), 'é')),
  },
  { requiredKeys: ['messages'] },
);
const wild = fc.record(
  {
    messages: fc.oneof(fc.array(message, { maxLength: 3 }), anything),
    schema: fc.oneof(fc.constant(schema), anything),
    cacheKey: fc.oneof(fc.string({ maxLength: 3 }), anything),
    signal: fc.oneof(fc.constant(new AbortController().signal), anything),
    maxOutputTokens: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.constant(2 ** 53), fc.double(), anything),
    maxTokens: fc.oneof(fc.integer({ min: -2, max: 5 }), anything),
    temperature: fc.oneof(fc.double({ min: -1, max: 3 }), fc.constant(Number.NaN), anything),
    requestId: fc.oneof(
      fc.string({ maxLength: 5 }),
      fc.constant('x'.repeat(129)),
      fc.constant('a b'),
      anything,
    ),
    stop: fc.oneof(fc.constant(['END']), anything),
    bogus: anything,
  },
  { requiredKeys: [] },
);
const call = fc.oneof(nearPlain, wild);

describe('call validation: the plain check and zod', () => {
  it('give the same outcome on generated calls: the same request, or the same error naming the field', () => {
    fc.assert(
      fc.property(call, (value) => {
        const req = value as CallRequest<unknown>;
        const both = outcome(() => parseCallRequest(req, '{"answer":"x"}'));
        const zod = outcome(() => parseCallRequestByZod(req, '{"answer":"x"}'));
        expect(both).toEqual(zod);
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts only calls zod accepts, building the request zod builds', () => {
    let accepted = 0;
    fc.assert(
      fc.property(call, (value) => {
        const plain = plainCallRequest(value);
        if (plain === undefined) return;
        accepted++;
        expect(parseCallRequestByZod(value as CallRequest<unknown>).request).toEqual(plain);
      }),
      { numRuns: 3000 },
    );
    // The generator reaches the plain check's accepting side often, not only its refusals.
    expect(accepted).toBeGreaterThan(200);
  });

  it.each([
    [{ messages: [] }, 'messages must not be empty'],
    [{ messages: 'hi' }, 'messages must be an array'],
    [{ messages: [{ role: 'bot', content: 'hi' }] }, 'messages[0].role'],
    [{ messages: [{ role: 'system', content: 3 }] }, 'content must be a string'],
    [{ messages: [{ role: 'user', content: 'hi', name: 'x' }] }, 'name'],
    [{ messages: [{ role: 'user', content: 'hi' }], temperature: 3 }, 'temperature'],
    [{ messages: [{ role: 'user', content: 'hi' }], maxOutputTokens: 0 }, 'maxOutputTokens'],
    [{ messages: [{ role: 'user', content: 'hi' }], maxTokens: 1.5 }, 'maxTokens'],
    [{ messages: [{ role: 'user', content: 'hi' }], cacheKey: '' }, 'cacheKey must not be empty'],
    [{ messages: [{ role: 'user', content: 'hi' }], requestId: 'a b' }, 'requestId must be 1-128 printable'],
    [{ messages: [{ role: 'user', content: 'hi' }], signal: {} }, 'signal must be an AbortSignal'],
    [{ messages: [{ role: 'user', content: 'hi' }], schema: {} }, 'schema must be a zod schema'],
    [{ messages: [{ role: 'user', content: 'hi' }], bogus: 1 }, 'bogus'],
  ])('rejects %j with the zod message naming the field (%s)', (value, field) => {
    const both = outcome(() => parseCallRequest(value as CallRequest<unknown>));
    expect(both).toEqual(outcome(() => parseCallRequestByZod(value as CallRequest<unknown>)));
    expect(both.ok).toBe(false);
    if (!both.ok) {
      expect(both.message).toMatch(/^Invalid call: /);
      expect(both.message).toContain(field);
      expect(both.code).toBe('invalid_call');
    }
  });

  it('proves a plain call valid without zod, copying its messages', () => {
    const messages = [
      { role: 'system' as const, content: 'be brief' },
      { role: 'user' as const, content: 'ping' },
    ];
    const plain = plainCallRequest({ messages, temperature: 0.5, maxTokens: 9, schema, requestId: 'r1' });
    expect(plain).toEqual({ messages, temperature: 0.5, maxOutputTokens: 9 });
    expect(plain?.messages).not.toBe(messages);
    expect(plain?.messages[0]).not.toBe(messages[0]);
  });

  it('leaves calls with tools, parts or other fields to zod', () => {
    const user = { role: 'user' as const, content: 'hi' };
    expect(plainCallRequest({ messages: [user], stop: ['END'] })).toBeUndefined();
    expect(
      plainCallRequest({ messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] }),
    ).toBeUndefined();
    expect(
      plainCallRequest({ messages: [{ role: 'tool', toolCallId: 'c1', content: 'x' }] }),
    ).toBeUndefined();
    expect(
      plainCallRequest({ messages: [user], tools: [{ name: 't', inputSchema: { type: 'object' } }] }),
    ).toBeUndefined();
  });
});
