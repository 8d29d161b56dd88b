/**
 * The AI SDK's V3 call options as a resilient-llm call: every prompt part, tools, tool choice, response
 * format, settings, headers and provider options; what cannot be sent is a warning or a `bad_request`.
 */
import type {
  LanguageModelV3CallOptions,
  LanguageModelV3Prompt,
  LanguageModelV3ToolResultOutput,
} from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { toCallRequest, toMessages } from '../src/ai-sdk/index.js';
import { LLMError } from '../src/index.js';

const bytes = new Uint8Array([137, 80, 78, 71]);

describe('toMessages', () => {
  it('maps system, user parts, assistant tool calls and tool results', () => {
    const prompt: LanguageModelV3Prompt = [
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in these?' },
          { type: 'file', mediaType: 'image/png', data: bytes },
          { type: 'file', mediaType: 'image/*', data: new URL('https://example.com/cat.jpg') },
          { type: 'file', mediaType: 'image/jpeg', data: 'aGVsbG8=' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'thinking' },
          { type: 'text', text: 'Let me look.' },
          { type: 'tool-call', toolCallId: 'c1', toolName: 'lookup', input: { q: 'cat' } },
          { type: 'tool-call', toolCallId: 'c2', toolName: 'lookup', input: { q: 'dog' } },
        ],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'c1',
            toolName: 'lookup',
            output: { type: 'json', value: { n: 1 } },
          },
          {
            type: 'tool-result',
            toolCallId: 'c2',
            toolName: 'lookup',
            output: { type: 'error-text', value: 'down' },
          },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'Thanks.' }] },
    ];
    const warnings: unknown[] = [];
    expect(toMessages(prompt, warnings as never)).toEqual([
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in these?' },
          { type: 'image', data: bytes, mediaType: 'image/png' },
          { type: 'image', url: 'https://example.com/cat.jpg' },
          { type: 'image', data: 'aGVsbG8=', mediaType: 'image/jpeg' },
        ],
      },
      {
        role: 'assistant',
        content: 'Let me look.',
        toolCalls: [
          { id: 'c1', name: 'lookup', input: { q: 'cat' } },
          { id: 'c2', name: 'lookup', input: { q: 'dog' } },
        ],
      },
      { role: 'tool', toolCallId: 'c1', content: '{"n":1}' },
      { role: 'tool', toolCallId: 'c2', content: 'down', isError: true },
      { role: 'user', content: 'Thanks.' },
    ]);
    expect(warnings).toEqual([]);
  });

  it('maps every tool output kind to text, errors and denials flagged', () => {
    const outputs: Array<[LanguageModelV3ToolResultOutput, string, boolean]> = [
      [{ type: 'text', value: 'ok' }, 'ok', false],
      [{ type: 'error-json', value: { e: 1 } }, '{"e":1}', true],
      [{ type: 'execution-denied', reason: 'not allowed' }, 'Tool execution denied: not allowed', true],
      [
        {
          type: 'content',
          value: [
            { type: 'text', text: 'a' },
            { type: 'image-url', url: 'https://x/y.png' },
          ],
        },
        'a',
        false,
      ],
    ];
    for (const [output, content, isError] of outputs) {
      const warnings: Array<{ type: string; feature?: string }> = [];
      const [message] = toMessages(
        [{ role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c', toolName: 't', output }] }],
        warnings as never,
      );
      expect(message).toEqual({ role: 'tool', toolCallId: 'c', content, ...(isError ? { isError } : {}) });
      if (output.type === 'content') expect(warnings[0]?.feature).toMatch(/image-url/);
    }
  });

  it('rejects a user file that is not an image as bad_request naming the part', () => {
    const prompt: LanguageModelV3Prompt = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Read this' },
          { type: 'file', mediaType: 'application/pdf', data: bytes },
        ],
      },
    ];
    let thrown: unknown;
    try {
      toMessages(prompt, []);
    } catch (error) {
      thrown = error;
    }
    expect(LLMError.is(thrown) && thrown.type).toBe('bad_request');
    expect((thrown as Error).message).toMatch(/prompt\[0\]\.content\[1\] is a file of type application\/pdf/);
  });
});

const base: LanguageModelV3CallOptions = {
  prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
};

describe('toCallRequest', () => {
  it('maps tools, tool choice, settings, headers, the signal and provider options', () => {
    const signal = new AbortController().signal;
    const inputSchema = { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } as const;
    const { request, warnings, json } = toCallRequest({
      ...base,
      tools: [
        { type: 'function', name: 'search', description: 'Searches.', inputSchema },
        { type: 'provider', id: 'openai.web_search', name: 'web', args: {} },
      ],
      toolChoice: { type: 'tool', toolName: 'search' },
      maxOutputTokens: 100,
      temperature: 0.2,
      stopSequences: ['END'],
      topP: 0.9,
      seed: 7,
      headers: { 'x-team': 'search', 'x-none': undefined },
      abortSignal: signal,
      providerOptions: {
        'openai-a': { user: 'u1' },
        'resilient-llm': {
          cacheKey: 'k',
          requestId: 'req-9',
          metadata: { tenant: 't1' },
          timeouts: { totalMs: 5_000 },
        },
      },
    });
    expect(json).toBe(false);
    expect(request).toEqual({
      messages: [{ role: 'user', content: 'Hi' }],
      tools: [{ name: 'search', description: 'Searches.', inputSchema }],
      toolChoice: { tool: 'search' },
      maxOutputTokens: 100,
      temperature: 0.2,
      stop: ['END'],
      headers: { 'x-team': 'search' },
      signal,
      providerOptions: { 'openai-a': { user: 'u1' } },
      cacheKey: 'k',
      requestId: 'req-9',
      metadata: { tenant: 't1' },
      timeouts: { totalMs: 5_000 },
    });
    expect(warnings.map((w) => (w.type === 'other' ? w.message : w.feature))).toEqual([
      'provider tool openai.web_search',
      'topP',
      'seed',
    ]);
  });

  it('maps a JSON response format with a schema to responseFormat and a validating zod schema', () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    } as const;
    const { request, json } = toCallRequest({
      ...base,
      responseFormat: { type: 'json', schema, name: 'place' },
    });
    expect(json).toBe(true);
    expect(request.responseFormat).toEqual({ type: 'json', schema, name: 'place' });
    expect(request.schema?.safeParse({ city: 'Paris' }).success).toBe(true);
    expect(request.schema?.safeParse({ town: 'Paris' }).success).toBe(false);
    const plain = toCallRequest({ ...base, responseFormat: { type: 'json' } }).request;
    expect(plain.responseFormat).toBe('json');
    expect(plain.schema?.safeParse([1, { a: null }]).success).toBe(true);
    expect(
      toCallRequest({ ...base, responseFormat: { type: 'text' } }).request.responseFormat,
    ).toBeUndefined();
  });

  it('maps each tool choice', () => {
    const tools = [{ type: 'function' as const, name: 't', inputSchema: { type: 'object' as const } }];
    for (const type of ['auto', 'none', 'required'] as const)
      expect(toCallRequest({ ...base, tools, toolChoice: { type } }).request.toolChoice).toBe(type);
  });

  it("rejects a bad providerOptions['resilient-llm'] as bad_request naming the field", () => {
    let thrown: unknown;
    try {
      toCallRequest({ ...base, providerOptions: { 'resilient-llm': { cacheKey: '', retries: 3 } } });
    } catch (error) {
      thrown = error;
    }
    expect(LLMError.is(thrown) && thrown.type).toBe('bad_request');
    expect((thrown as Error).message).toMatch(/cacheKey must not be empty/);
    expect((thrown as Error).message).toMatch(/retries/);
  });
});
