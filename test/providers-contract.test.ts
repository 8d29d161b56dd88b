import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import {
  aiSdkProvider,
  anthropicProvider,
  openaiCompatibleProvider,
  openaiProvider,
} from '../src/providers/index.js';
import { runProviderContract } from './helpers/provider-contract.js';

const openaiClient = (baseURL: string) => new OpenAI({ baseURL, apiKey: 'test-key', maxRetries: 0 });

runProviderContract({
  name: 'openai chat',
  serverProvider: 'openai',
  make: (server) => openaiProvider({ client: openaiClient(server.baseURL('openai')), model: 'gpt-test' }),
});

runProviderContract({
  name: 'openai responses',
  serverProvider: 'openai-responses',
  make: (server) =>
    openaiProvider({
      id: 'openai-responses',
      client: openaiClient(server.baseURL('openai-responses')),
      model: 'gpt-test',
      api: 'responses',
    }),
});

runProviderContract({
  name: 'anthropic',
  serverProvider: 'anthropic',
  make: (server) =>
    anthropicProvider({
      client: new Anthropic({ baseURL: server.baseURL('anthropic'), apiKey: 'test-key', maxRetries: 0 }),
      model: 'claude-test',
    }),
});

runProviderContract({
  name: 'openai-compatible',
  serverProvider: 'groq',
  make: (server) =>
    openaiCompatibleProvider({
      id: 'groq',
      baseURL: server.baseURL('groq'),
      apiKey: 'test-key',
      model: 'llama-test',
    }),
});

runProviderContract({
  name: 'ai-sdk',
  serverProvider: 'vllm',
  make: (server) => {
    const vllm = createOpenAICompatible({
      name: 'vllm',
      baseURL: server.baseURL('vllm'),
      apiKey: 'test-key',
    });
    return aiSdkProvider(vllm('qwen-test'), { id: 'vllm' });
  },
});

describe('provider options', () => {
  const client = openaiClient('http://127.0.0.1:9/v1');

  it('applies documented defaults', () => {
    const provider = openaiProvider({ client, model: 'gpt-test' });
    expect([provider.id, provider.priority, provider.enabled, provider.contextWindow]).toEqual([
      'openai',
      0,
      true,
      undefined,
    ]);
    const anthropic = anthropicProvider({
      client: new Anthropic({ apiKey: 'k', maxRetries: 0 }),
      model: 'c',
    });
    expect(anthropic.id).toBe('anthropic');
  });

  it('rejects a bad option with one error naming the field', () => {
    expect(() => openaiProvider({ client, model: '' })).toThrow(/Invalid openaiProvider options[\s\S]*model/);
    expect(() => openaiProvider({ client: {} as never, model: 'm' })).toThrow(/client/);
    expect(() =>
      openaiCompatibleProvider({ id: 'x', baseURL: 'not a url', model: 'm', apiKey: 'sk-secret value' }),
    ).toThrow(/baseURL[\s\S]*apiKey/);
    expect(() =>
      anthropicProvider({ client: new Anthropic({ apiKey: 'k' }), model: 'c', maxTokens: 0 }),
    ).toThrow(/maxTokens/);
  });

  it('never echoes the api key in an option error', () => {
    expect(() =>
      openaiCompatibleProvider({ id: 'x', baseURL: 'http://h', model: 'm', apiKey: 'sk-se cret' }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining('sk-se') }));
  });

  it('warns once when the SDK client would retry on its own', () => {
    const warnings: string[] = [];
    const retrying = new OpenAI({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1' });
    openaiProvider({ client: retrying, model: 'm', onWarning: (message) => warnings.push(message) });
    openaiProvider({ client, model: 'm', onWarning: (message) => warnings.push(message) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/maxRetries=2/);
  });
});

describe('request bodies', () => {
  const answer = { choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }] };
  const signal = new AbortController().signal;
  const request = {
    messages: [
      { role: 'system' as const, content: 'Rule one.' },
      { role: 'system' as const, content: 'Rule two.' },
      { role: 'user' as const, content: 'Hi' },
    ],
    temperature: 0.2,
  };

  it('sends Anthropic system messages as `system` and the default max_tokens', async () => {
    const bodies: unknown[] = [];
    const client = {
      messages: {
        create: async (body: unknown) => {
          bodies.push(body);
          return { model: 'c', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn' };
        },
      },
    };
    const provider = anthropicProvider({ client, model: 'c' });
    await provider.call(request, { signal });
    await provider.call({ ...request, maxTokens: 5 }, { signal });
    expect(bodies).toEqual([
      {
        model: 'c',
        max_tokens: 1024,
        system: 'Rule one.\n\nRule two.',
        messages: [{ role: 'user', content: 'Hi' }],
        temperature: 0.2,
      },
      expect.objectContaining({ max_tokens: 5 }),
    ]);
  });

  it('sends OpenAI chat max_completion_tokens and the signal with attempt headers', async () => {
    const calls: unknown[][] = [];
    const client = {
      chat: {
        completions: {
          create: async (...args: unknown[]) => {
            calls.push(args);
            return answer;
          },
        },
      },
    };
    const provider = openaiProvider({ client, model: 'g', maxTokens: 9 });
    await provider.call(request, { signal, requestId: 'r-1', attempt: 3 });
    expect(calls[0]?.[0]).toMatchObject({ model: 'g', max_completion_tokens: 9, temperature: 0.2 });
    expect(calls[0]?.[1]).toEqual({ signal, headers: { 'x-request-id': 'r-1', 'x-attempt': '3' } });
  });

  it('sends the Responses API its input and max_output_tokens', async () => {
    const bodies: unknown[] = [];
    const create = async (body: unknown) => {
      bodies.push(body);
      return { status: 'completed', output_text: 'ok' };
    };
    const client = { chat: { completions: { create } }, responses: { create } };
    const result = await openaiProvider({ client, model: 'g', api: 'responses' }).call(
      { ...request, maxTokens: 7 },
      { signal },
    );
    expect(result.text).toBe('ok');
    expect(bodies[0]).toMatchObject({ model: 'g', max_output_tokens: 7, input: request.messages });
  });

  it('posts OpenAI-compatible requests with max_tokens, the bearer key and extra headers', async () => {
    const seen: Array<[string, RequestInit]> = [];
    const fakeFetch = (async (url: string, init: RequestInit) => {
      seen.push([url, init]);
      return new Response(JSON.stringify(answer), { status: 200 });
    }) as typeof fetch;
    const provider = openaiCompatibleProvider({
      id: 'or',
      baseURL: 'https://example.test/api/v1/',
      apiKey: 'sk-1',
      model: 'm',
      headers: { 'x-title': 'app' },
      fetch: fakeFetch,
    });
    await provider.call({ ...request, maxTokens: 4 }, { signal, requestId: 'q' });
    const [url, init] = seen[0]!;
    expect(url).toBe('https://example.test/api/v1/chat/completions');
    expect(init.headers).toMatchObject({
      authorization: 'Bearer sk-1',
      'x-title': 'app',
      'x-request-id': 'q',
    });
    expect(JSON.parse(init.body as string)).toMatchObject({ max_tokens: 4, model: 'm' });
    expect(init.signal).toBe(signal);
  });

  it('throws the classified error of an in-band error body on a 200', async () => {
    const fakeFetch = (async () =>
      new Response(JSON.stringify({ error: { message: 'Overloaded', type: 'server_error' } }), {
        status: 200,
      })) as unknown as typeof fetch;
    const provider = openaiCompatibleProvider({ id: 'x', baseURL: 'http://h', model: 'm', fetch: fakeFetch });
    await expect(provider.call(request, { signal })).rejects.toMatchObject({
      type: 'provider_error',
      provider: 'x',
    });
  });
});

describe('in-band failures the fault server does not send', () => {
  const signal = new AbortController().signal;
  const request = { messages: [{ role: 'user' as const, content: 'Hi' }] };
  async function* events(...items: unknown[]) {
    yield* items;
  }

  it('throws a classified error with the partial text on a Responses response.failed event', async () => {
    const failed = {
      type: 'response.failed',
      response: {
        status: 'failed',
        error: { code: 'server_error', message: 'Our servers are currently overloaded.' },
      },
    };
    const create = async () => events({ type: 'response.output_text.delta', delta: 'Hel' }, failed);
    const provider = openaiProvider({
      client: { chat: { completions: { create } }, responses: { create } },
      model: 'g',
      api: 'responses',
    });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of provider.stream!(request, { signal }))
        if (event.type === 'delta') seen.push(event.text);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['Hel']);
    expect(error).toMatchObject({ type: 'provider_error', partialText: 'Hel', provider: 'openai' });
  });

  it('throws content_filtered with code refusal on a chat refusal', async () => {
    const refusal = {
      choices: [{ message: { content: null, refusal: 'I cannot help with that.' }, finish_reason: 'stop' }],
    };
    const provider = openaiProvider({
      client: { chat: { completions: { create: async () => refusal } } },
      model: 'g',
    });
    await expect(provider.call(request, { signal })).rejects.toMatchObject({
      type: 'content_filtered',
      code: 'refusal',
    });
  });
});
