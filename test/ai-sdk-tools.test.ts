/**
 * Tools through `resilient-llm/ai-sdk` under the real `ai` package: a multi-step tool loop whose second step
 * fails over to the official Anthropic SDK client at the fault server, `streamText` streaming text and a
 * tool call, and `aiSdkProvider` mapping tools both ways when an AI SDK model is one of the ranked providers.
 */
import { generateText, stepCountIs, streamText, tool } from 'ai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createResilientModel } from '../src/ai-sdk/index.js';
import { aiSdkProvider, type LLMRequest, type Message } from '../src/index.js';
import { answerOf, pathOf, type SdkHarness, startSdkHarness } from './helpers/sdk-setup.js';
import { toolProvider } from './helpers/tool-provider.js';

let h: SdkHarness;
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
beforeAll(async () => {
  h = await startSdkHarness();
});
afterEach(() => h.reset());
afterAll(() => h.close());

const meta = (providerMetadata: unknown) =>
  (providerMetadata as Record<string, Record<string, unknown>> | undefined)?.['resilient-llm'] ?? {};

const weatherCall = { id: 'call_1', name: 'weather', input: { city: 'Paris' } };
const weather = (executed: unknown[]) =>
  tool({
    description: 'The weather in a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async (input) => {
      executed.push(input);
      return { city: input.city, tempC: 21 };
    },
  });
const hasToolResult = (request: LLMRequest) => request.messages.some((m) => m.role === 'tool');

describe('a multi-step tool loop', () => {
  it('runs the tool, then fails over on step 2 with the tool call and its result sent along', async () => {
    const planner = toolProvider('planner', 0, (request) => {
      if (!hasToolResult(request)) return { text: '', toolCalls: [weatherCall], finishReason: 'tool-calls' };
      throw { status: 503, headers: {}, body: { error: { message: 'overloaded' } } };
    });
    const model = createResilientModel(h.client([planner, h.provider('messages', 'anthropic-b', 1)]));
    const executed: unknown[] = [];
    const result = await generateText({
      model,
      tools: { weather: weather(executed) },
      stopWhen: stepCountIs(3),
      prompt: 'What should I wear in Paris?',
      maxRetries: 0,
    });
    expect(executed).toEqual([{ city: 'Paris' }]);
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0]?.finishReason).toBe('tool-calls');
    expect(result.steps[0]?.toolCalls.map((c) => [c.toolCallId, c.toolName, c.input])).toEqual([
      ['call_1', 'weather', { city: 'Paris' }],
    ]);
    expect(result.text).toBe(answerOf('anthropic-b'));
    expect(pathOf(meta(result.providerMetadata).attempts as never)).toEqual([
      'planner provider_error→failover [overloaded]',
      'anthropic-b success→succeeded',
    ]);
    // Step 2 carried the assistant's tool call and the tool's result, ids matched.
    const step2 = planner.requests[1]?.messages ?? [];
    const assistant = step2.find((m) => m.role === 'assistant') as Extract<Message, { role: 'assistant' }>;
    expect(assistant.toolCalls).toEqual([weatherCall]);
    expect(step2.find((m) => m.role === 'tool')).toEqual({
      role: 'tool',
      toolCallId: 'call_1',
      content: JSON.stringify({ city: 'Paris', tempC: 21 }),
    });
  });
});

describe('streamText with tools', () => {
  it('streams the text, then the tool call with its input, and finishes with tool-calls', async () => {
    const planner = toolProvider('planner', 0, () => ({
      text: 'Let me check the weather. ',
      toolCalls: [weatherCall],
      finishReason: 'tool-calls',
    }));
    const model = createResilientModel(h.client([planner]));
    const result = streamText({
      model,
      tools: { weather: tool({ inputSchema: z.object({ city: z.string() }) }) },
      prompt: 'Paris?',
      maxRetries: 0,
    });
    const parts: string[] = [];
    let text = '';
    for await (const part of result.fullStream) {
      parts.push(part.type);
      if (part.type === 'text-delta') text += part.text;
    }
    expect(text).toBe('Let me check the weather. ');
    expect(parts.filter((p) => p === 'text-delta').length).toBeGreaterThan(1);
    const order = [
      'text-start',
      'text-end',
      'tool-input-start',
      'tool-input-delta',
      'tool-input-end',
      'tool-call',
    ];
    expect(order.map((p) => parts.indexOf(p))).toEqual(
      [...order.map((p) => parts.indexOf(p))].sort((a, b) => a - b),
    );
    expect(order.every((p) => parts.includes(p))).toBe(true);
    expect((await result.toolCalls).map((c) => [c.toolCallId, c.toolName, c.input])).toEqual([
      ['call_1', 'weather', { city: 'Paris' }],
    ]);
    expect(await result.finishReason).toBe('tool-calls');
    expect(planner.requests[0]?.tools).toEqual([
      expect.objectContaining({ name: 'weather', inputSchema: expect.objectContaining({ type: 'object' }) }),
    ]);
  });
});

describe('aiSdkProvider with tools', () => {
  /** An AI SDK model (ours) over a planner, wrapped back as a ranked provider of a second client. */
  function nested(script: Parameters<typeof toolProvider>[2]) {
    const planner = toolProvider('planner', 0, script);
    const inner = createResilientModel(h.client([planner]), { provider: 'inner' });
    return { planner, provider: aiSdkProvider(inner, { id: 'inner' }) };
  }

  it('maps tools, tool choice, stop and the conversation to the model, and its tool calls back', async () => {
    const { planner, provider } = nested(() => ({
      text: '',
      toolCalls: [weatherCall],
      finishReason: 'tool-calls',
    }));
    const llm = h.client([provider]);
    const result = await llm.call({
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look:' },
            { type: 'image', url: 'https://example.com/a.png' },
          ],
        },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'c0', name: 'weather', input: { city: 'Rome' } }],
        },
        { role: 'tool', toolCallId: 'c0', content: '{"tempC":25}' },
        { role: 'user', content: 'And Paris?' },
      ],
      tools: [{ name: 'weather', description: 'Weather', inputSchema: z.object({ city: z.string() }) }],
      toolChoice: { tool: 'weather' },
      stop: ['END'],
    });
    expect(result.toolCalls).toEqual([weatherCall]);
    expect(result.finishReason).toBe('tool-calls');
    const seen = planner.requests[0];
    expect(seen?.toolChoice).toEqual({ tool: 'weather' });
    expect(seen?.stop).toEqual(['END']);
    expect(seen?.tools?.map((t) => t.name)).toEqual(['weather']);
    expect(seen?.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look:' },
          { type: 'image', url: 'https://example.com/a.png' },
        ],
      },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c0', name: 'weather', input: { city: 'Rome' } }] },
      { role: 'tool', toolCallId: 'c0', content: '{"tempC":25}' },
      { role: 'user', content: 'And Paris?' },
    ]);
  });

  it('streams tool-call deltas and the complete call', async () => {
    const { provider } = nested(() => ({
      text: 'Checking. ',
      toolCalls: [weatherCall],
      finishReason: 'tool-calls',
    }));
    const events: string[] = [];
    let input = '';
    for await (const event of provider.stream?.(
      {
        messages: [{ role: 'user', content: 'Paris?' }],
        tools: [{ name: 'weather', inputSchema: { type: 'object' } }],
      },
      { signal: new AbortController().signal },
    ) ?? []) {
      events.push(event.type);
      if (event.type === 'tool-call-delta') input += event.inputDelta;
      if (event.type === 'tool-call') expect(event.toolCall).toEqual(weatherCall);
      if (event.type === 'done') expect(event.finishReason).toBe('tool-calls');
    }
    expect(JSON.parse(input)).toEqual(weatherCall.input);
    expect(events[0]).toBe('delta');
    expect(events.slice(-2)).toEqual(['tool-call', 'done']);
    expect(events).toContain('tool-call-delta');
  });

  it('hands a JSON answer back unparsed, for the lifecycle to validate and re-prompt', async () => {
    let calls = 0;
    const { provider } = nested(() => {
      calls += 1;
      return { text: calls === 1 ? '{"city": 1}' : '{"city": "Paris"}' };
    });
    const llm = h.client([provider]);
    const result = await llm.call({
      messages: [{ role: 'user', content: 'Where?' }],
      responseFormat: 'json',
      schema: z.object({ city: z.string() }),
    });
    expect(result.data).toEqual({ city: 'Paris' });
    expect(pathOf(result.attempts)).toEqual(['inner invalid_response→reprompt', 'inner success→succeeded']);
  });
});
