import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createResilientLLM,
  estimateTokens,
  type LLMError,
  type Message,
  truncateRequest,
} from '../src/index.js';
import { faultyProvider } from '../src/testing/index.js';

const weather = {
  name: 'weather',
  description: 'Weather in a city',
  inputSchema: z.object({ city: z.string() }),
};

async function rejection(promise: Promise<unknown>): Promise<LLMError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: LLMError) => error,
  );
}

describe('call validation of tools, parts and per-call options', () => {
  it('rejects a tool result that answers no earlier tool call, naming the field, before any provider call', async () => {
    const p = faultyProvider({ id: 'p', script: [{ text: 'ok' }] });
    const llm = createResilientLLM({ providers: [p] });
    const error = await rejection(
      llm.call({
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'tool', toolCallId: 'call_x', content: '{}' },
        ],
      }),
    );
    expect(error.type).toBe('bad_request');
    expect(error.message).toContain('messages[1].toolCallId');
    expect(p.calls).toHaveLength(0);
    await llm.stop();
  });

  it('rejects an unknown toolChoice and a toolChoice naming no declared tool', async () => {
    const p = faultyProvider({ id: 'p', script: [{ text: 'ok' }] });
    const llm = createResilientLLM({ providers: [p] });
    const messages: Message[] = [{ role: 'user', content: 'hi' }];
    const unknown = await rejection(llm.call({ messages, tools: [weather], toolChoice: 'always' as never }));
    expect(unknown.type).toBe('bad_request');
    expect(unknown.message).toContain('toolChoice');
    const missing = await rejection(llm.call({ messages, tools: [weather], toolChoice: { tool: 'stocks' } }));
    expect(missing.message).toContain('toolChoice.tool: "stocks"');
    expect(p.calls).toHaveLength(0);
    await llm.stop();
  });

  it('rejects images when no provider takes them, and skips only the provider without vision otherwise', async () => {
    const image: Message = {
      role: 'user',
      content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image', url: 'https://example.com/cat.png' },
      ],
    };
    const blind = {
      ...faultyProvider({ id: 'blind', script: [{ text: 'no' }] }),
      capabilities: { vision: false },
    };
    const only = createResilientLLM({ providers: [blind] });
    const error = await rejection(only.call({ messages: [image] }));
    expect(error.type).toBe('bad_request');
    expect(error.code).toBe('unsupported_content');
    await only.stop();

    const seeing = faultyProvider({ id: 'seeing', script: [{ text: 'a cat' }], priority: 1 });
    const both = createResilientLLM({ providers: [blind, seeing] });
    const result = await both.call({ messages: [image] });
    expect(result.provider).toBe('seeing');
    expect(result.attempts[0]).toMatchObject({ provider: 'blind', outcome: 'skipped', code: 'no_vision' });
    await both.stop();
  });

  it('converts zod tool schemas to JSON Schema and returns a tool-call answer as a valid result', async () => {
    const p = faultyProvider({
      id: 'p',
      script: [
        {
          text: '',
          toolCalls: [{ id: 'call_1', name: 'weather', input: { city: 'Oslo' } }],
          usage: { inputTokens: 10, outputTokens: 5 },
        },
      ],
    });
    const llm = createResilientLLM({ providers: [p] });
    const result = await llm.call({
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools: [weather],
      schema: z.object({ city: z.string() }),
      schemaTarget: 'tool:weather',
    });
    expect(result.toolCalls).toEqual([{ id: 'call_1', name: 'weather', input: { city: 'Oslo' } }]);
    expect(result.finishReason).toBe('tool-calls');
    expect(result.data).toEqual({ city: 'Oslo' });
    expect(result.usage).toEqual({ inputTokens: 10, outputTokens: 5 });
    const sent = p.calls[0]?.request.tools?.[0];
    expect(sent?.inputSchema).toMatchObject({ type: 'object', properties: { city: { type: 'string' } } });
    await llm.stop();
  });

  it('sums usage over attempts and records each attempt usage and scrubbed message', async () => {
    const p = faultyProvider({
      id: 'p',
      script: [
        { text: 'not json', usage: { inputTokens: 7, outputTokens: 3 } },
        { text: '{"n":1}', usage: { inputTokens: 9, outputTokens: 2 } },
      ],
    });
    const llm = createResilientLLM({ providers: [p], fastPath: false });
    const result = await llm.call({
      messages: [{ role: 'user', content: 'n?' }],
      schema: z.object({ n: z.number() }),
    });
    expect(result.usage).toEqual({ inputTokens: 16, outputTokens: 5 });
    expect(result.attempts[0]).toMatchObject({ outcome: 'invalid_response', usage: { inputTokens: 7 } });
    expect(result.attempts[0]?.issues).toContain('not valid JSON');
    await llm.stop();
  });

  it('rejects a requestId already in flight and sends it and the per-call headers to the provider', async () => {
    let release: (() => void) | undefined;
    const p = faultyProvider({ id: 'p', script: () => ({ text: 'ok' }) });
    const seen: Array<Record<string, string> | undefined> = [];
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = {
      ...p,
      async call(...args: Parameters<typeof p.call>) {
        seen.push(args[1].headers);
        await gate;
        return p.call(...args);
      },
    };
    const llm = createResilientLLM({ providers: [slow] });
    const first = llm.call({
      messages: [{ role: 'user', content: 'a' }],
      requestId: 'job-1',
      headers: { 'x-tenant': 't1' },
    });
    const duplicate = await rejection(
      llm.call({ messages: [{ role: 'user', content: 'b' }], requestId: 'job-1' }),
    );
    expect(duplicate.code).toBe('duplicate_request_id');
    release?.();
    const result = await first;
    expect(result.requestId).toBe('job-1');
    expect(seen[0]).toEqual({ 'x-tenant': 't1' });
    await llm.stop();
  });

  it('rejects a per-call timeout outside the client bounds, naming it', async () => {
    const llm = createResilientLLM({ providers: [faultyProvider({ id: 'p', script: [{ text: 'ok' }] })] });
    const error = await rejection(
      llm.call({ messages: [{ role: 'user', content: 'a' }], timeouts: { attemptMs: -5 } }),
    );
    expect(error.type).toBe('bad_request');
    expect(error.message).toContain('timeouts.attemptMs');
    await llm.stop();
  });
});

describe('per-call metadata', () => {
  it('reaches the hooks on every event and never the provider', async () => {
    const p = faultyProvider({ id: 'p', script: [{ error: 'provider_error' }, { text: 'ok' }] });
    const seen: Array<Record<string, unknown> | undefined> = [];
    const llm = createResilientLLM({
      providers: [p],
      retry: { baseMs: 1, maxMs: 1 },
      hooks: {
        onAttempt: (event) => seen.push(event.metadata),
        onDecision: (event) => seen.push(event.metadata),
        onResult: (event) => seen.push(event.metadata),
      },
    });
    await llm.call({ messages: [{ role: 'user', content: 'a' }], metadata: { tenant: 'acme' } });
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.every((m) => m?.tenant === 'acme')).toBe(true);
    expect(JSON.stringify(p.calls.map((c) => c.request))).not.toContain('acme');
    await llm.stop();
  });
});

describe('truncation with tool calls', () => {
  it('drops an assistant tool call together with its results, never one without the other', () => {
    const big = 'x'.repeat(400);
    const messages: Message[] = [
      { role: 'system', content: 'sys' },
      { role: 'user', content: big },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'weather', input: { city: big } }] },
      { role: 'tool', toolCallId: 'c1', content: 'sunny' },
      { role: 'user', content: 'and tomorrow?' },
    ];
    const request = { messages };
    const withoutFirst = estimateTokens({ messages: [messages[0], ...messages.slice(2)] as Message[] });
    const kept = truncateRequest(request, { maxTokens: withoutFirst, countTokens: estimateTokens });
    expect(kept.messages.map((m) => m.role)).toEqual(['system', 'assistant', 'tool', 'user']);
    const tighter = truncateRequest(request, { maxTokens: withoutFirst - 1, countTokens: estimateTokens });
    expect(tighter.messages.map((m) => m.role)).toEqual(['system', 'user']);
  });

  it('counts tool-call inputs and images in the token estimate', () => {
    const plain = estimateTokens({ messages: [{ role: 'user', content: 'hi' }] });
    const withImage = estimateTokens({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hi' },
            { type: 'image', url: 'https://e/x.png' },
          ],
        },
      ],
    });
    expect(withImage).toBeGreaterThan(plain + 500);
    const call = estimateTokens({
      messages: [
        { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'n', input: { q: 'x'.repeat(80) } }] },
      ],
    });
    expect(call).toBeGreaterThan(20);
  });
});
