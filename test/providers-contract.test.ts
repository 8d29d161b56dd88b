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
