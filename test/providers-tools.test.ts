import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  anthropicProvider,
  createResilientLLM,
  type LLMRequest,
  openaiCompatibleProvider,
  openaiProvider,
  type Provider,
  type ProviderStreamEvent,
} from '../src/index.js';
import { createFaultServer, type FaultServer } from '../src/testing/index.js';

const call = { id: 'call_abc123', name: 'weather', input: { city: 'Oslo', days: 2 } };
const openaiClient = (baseURL: string) => new OpenAI({ baseURL, apiKey: 'test-key', maxRetries: 0 });

const adapters: Array<{ name: string; make: (s: FaultServer) => Provider; raw: string }> = [
  {
    name: 'openai chat',
    raw: 'tool_calls',
    make: (s) => openaiProvider({ client: openaiClient(s.baseURL('openai')), model: 'gpt-test' }),
  },
  {
    name: 'openai responses',
    raw: 'completed',
    make: (s) =>
      openaiProvider({ client: openaiClient(s.baseURL('openai')), model: 'gpt-test', api: 'responses' }),
  },
  {
    name: 'anthropic',
    raw: 'tool_use',
    make: (s) =>
      anthropicProvider({
        client: new Anthropic({ baseURL: s.baseURL('anthropic'), apiKey: 'test-key', maxRetries: 0 }),
        model: 'claude-test',
      }),
  },
  {
    name: 'openai-compatible',
    raw: 'tool_calls',
    make: (s) => openaiCompatibleProvider({ id: 'groq', baseURL: s.baseURL('groq'), model: 'llama-test' }),
  },
];

const request: LLMRequest = {
  messages: [
    { role: 'system', content: 'Be brief.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Weather where this photo was taken?' },
        { type: 'image', data: new Uint8Array([1, 2, 3]), mediaType: 'image/png' },
      ],
    },
  ],
  tools: [{ name: 'weather', description: 'Forecast', inputSchema: { type: 'object', properties: {} } }],
  toolChoice: { tool: 'weather' },
  stop: ['END'],
};

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe.each(adapters)('$name maps tools both ways over the real client', ({ make, raw }) => {
  it('answers with the tool call, tool-calls finish reason and usage', async () => {
    server = await createFaultServer({ scenario: { '*': { text: 'Checking.', toolCalls: [call] } } });
    const result = await make(server).call(request, { signal: new AbortController().signal });
    expect(result.toolCalls).toEqual([call]);
    expect(result.finishReason).toBe('tool-calls');
    expect(result.rawFinishReason).toBe(raw);
    expect(result.usage?.inputTokens).toBeGreaterThan(0);
    const body = JSON.stringify(server.requests()[0]?.body);
    expect(body).toContain('weather');
    expect(body).toContain('AQID'); // the image bytes, base64
  });

  it('streams tool-call deltas that join into the complete call before done', async () => {
    server = await createFaultServer({ scenario: { '*': { text: 'Checking.', toolCalls: [call] } } });
    const events: ProviderStreamEvent[] = [];
    const stream = make(server).stream?.(request, { signal: new AbortController().signal });
    for await (const event of stream ?? []) events.push(event);
    const deltas = events.filter((e) => e.type === 'tool-call-delta');
    expect(deltas.length).toBeGreaterThanOrEqual(2);
    expect(deltas.map((d) => d.inputDelta).join('')).toBe(JSON.stringify(call.input));
    const complete = events.filter((e) => e.type === 'tool-call');
    expect(complete).toEqual([{ type: 'tool-call', toolCall: call }]);
    const done = events.at(-1);
    expect(done).toMatchObject({ type: 'done', finishReason: 'tool-calls' });
  });
});

describe('a tool conversation fails over from OpenAI to Anthropic', () => {
  it('continues on Anthropic with the tool call ids and results mapped, after OpenAI 503s', async () => {
    server = await createFaultServer({
      scenario: {
        openai: {
          toolCalls: [call],
          text: '',
          faults: (ctx) => (ctx.requestId === 'turn-2' ? { kind: '503' } : undefined),
        },
        anthropic: { text: 'Oslo: 4°C and rain for two days.' },
      },
    });
    const openai = openaiProvider({
      client: openaiClient(server.baseURL('openai')),
      model: 'gpt-test',
      priority: 0,
    });
    const anthropic = anthropicProvider({
      client: new Anthropic({ baseURL: server.baseURL('anthropic'), apiKey: 'test-key', maxRetries: 0 }),
      model: 'claude-test',
      priority: 1,
    });
    const llm = createResilientLLM({ providers: [openai, anthropic], retry: { maxAttempts: 1 } });
    const tools = [{ name: 'weather', inputSchema: z.object({ city: z.string(), days: z.number() }) }];
    const first = await llm.call({
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools,
      requestId: 'turn-1',
    });
    expect(first.provider).toBe('openai');
    expect(first.toolCalls).toEqual([call]);
    const second = await llm.call({
      requestId: 'turn-2',
      tools,
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: first.text, toolCalls: first.toolCalls },
        { role: 'tool', toolCallId: call.id, content: '{"tempC":4,"sky":"rain"}' },
      ],
    });
    expect(second.provider).toBe('anthropic');
    expect(second.text).toContain('Oslo');
    expect(second.attempts.map((a) => [a.provider, a.outcome])).toEqual([
      ['openai', 'provider_error'],
      ['anthropic', 'success'],
    ]);
    const sent = server.requests().find((r) => r.provider === 'anthropic')?.body as {
      messages: Array<{ role: string; content: unknown }>;
      tools: unknown[];
    };
    expect(sent.messages[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'tool_use', id: call.id, name: 'weather', input: call.input }],
    });
    expect(sent.messages[2]).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: call.id, content: '{"tempC":4,"sky":"rain"}' }],
    });
    expect(sent.tools).toHaveLength(1);
    await llm.stop();
  });
});
