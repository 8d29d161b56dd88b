/**
 * `resilient-llm/ai-sdk` under the real `ai` package (v6): `generateText`, `streamText`, `generateObject` and
 * `Output.object` over `createResilientModel`, whose providers are the official SDK clients pointed at the
 * fault server. Failover, validation with re-prompting, degradation, aborts and errors keep their meaning.
 */
import { generateObject, generateText, Output, streamText } from 'ai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createResilientModel } from '../src/ai-sdk/index.js';
import { LLMError, memoryCache } from '../src/index.js';
import { answerOf, faultOn, pathOf, type SdkHarness, startSdkHarness } from './helpers/sdk-setup.js';

let h: SdkHarness;
// The AI SDK logs each warning to the console; the tests read them from the results instead.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
beforeAll(async () => {
  h = await startSdkHarness();
});
afterEach(() => h.reset());
afterAll(() => h.close());

/** The resilient-llm metadata of a result, typed loosely for assertions. */
const meta = (providerMetadata: unknown) =>
  (providerMetadata as Record<string, Record<string, unknown>> | undefined)?.['resilient-llm'] ?? {};
const calls = (id: string) => h.server.stats().providers[id]?.calls ?? 0;

function twoProviders(options: Parameters<SdkHarness['client']>[1] = {}) {
  const llm = h.client(
    [h.provider('chat', 'openai-a', 0), h.provider('messages', 'anthropic-b', 1)],
    options,
  );
  return createResilientModel(llm);
}

async function rejection(promise: PromiseLike<unknown>): Promise<LLMError> {
  const error = await Promise.resolve(promise).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!LLMError.is(error)) throw new Error(`expected an LLMError, got ${String(error)}`);
  return error;
}

describe('generateText', () => {
  it('fails over when the first provider answers 503, and says so in the provider metadata', async () => {
    h.plan.set('openai-a', faultOn({ kind: '503' }));
    const result = await generateText({ model: twoProviders(), prompt: 'Hi', maxRetries: 0 });
    expect(result.text).toBe(answerOf('anthropic-b'));
    const m = meta(result.providerMetadata);
    expect(m).toMatchObject({ source: 'primary', degraded: false, provider: 'anthropic-b', warning: null });
    expect(pathOf(m.attempts as never)).toEqual([
      'openai-a provider_error→failover [overloaded]',
      'anthropic-b success→succeeded',
    ]);
    expect(result.response.modelId).toBe('claude-test');
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.finishReason).toBe('stop');
    expect(calls('openai-a')).toBe(1);
  });

  it('is never retried by the AI SDK itself, even with its default maxRetries', async () => {
    h.plan.set('openai-a', faultOn({ kind: '503' }));
    h.plan.set('anthropic-b', faultOn({ kind: '503' }));
    const error = await rejection(generateText({ model: twoProviders(), prompt: 'Hi' }));
    expect(error.type).toBe('provider_error');
    expect(error.status).toBe(503);
    // Our lifecycle retried the last provider with backoff; the AI SDK added no attempt of its own.
    const attempts = calls('openai-a') + calls('anthropic-b');
    expect(attempts).toBe(1 + 3);
  });

  it('answers with the static fallback, visible in the metadata and the warnings', async () => {
    h.plan.set('openai-a', faultOn({ kind: 'auth' }));
    h.plan.set('anthropic-b', faultOn({ kind: 'auth' }));
    const model = twoProviders({ degradation: { fallback: 'The service is busy; try again soon.' } });
    const result = await generateText({ model, prompt: 'Hi', maxRetries: 0 });
    expect(result.text).toBe('The service is busy; try again soon.');
    const m = meta(result.providerMetadata);
    expect(m).toMatchObject({ source: 'fallback', degraded: true, provider: null });
    expect(String(m.warning)).toMatch(/static fallback.*openai-a, anthropic-b failed/);
    expect(result.warnings).toContainEqual({ type: 'other', message: m.warning });
  });

  it('rejects with the LLMError of the failure, type and status kept', async () => {
    h.plan.set('openai-a', faultOn({ kind: 'auth' }));
    h.plan.set('anthropic-b', faultOn({ kind: 'auth' }));
    const error = await rejection(generateText({ model: twoProviders(), prompt: 'Hi', maxRetries: 0 }));
    expect(error.type).toBe('authentication');
    expect(error.status).toBe(401);
    expect(calls('openai-a') + calls('anthropic-b')).toBe(2);
  });

  it('aborts the call in flight through abortSignal', async () => {
    h.plan.set('openai-a', faultOn({ kind: 'hang' }));
    const controller = new AbortController();
    const pending = generateText({
      model: twoProviders(),
      prompt: 'Hi',
      abortSignal: controller.signal,
      maxRetries: 0,
    });
    await expect.poll(() => calls('openai-a'), { timeout: 5_000 }).toBe(1);
    controller.abort();
    const error = await rejection(pending);
    expect(error.type).toBe('aborted');
    expect(calls('anthropic-b')).toBe(0);
  });
});

describe('structured output', () => {
  const city = z.object({ city: z.string(), confidence: z.number() });

  it('re-prompts on an answer the schema rejects, then Output.object parses the valid one', async () => {
    h.texts.set('openai-a', '{"city": "Paris"}');
    h.texts.set('anthropic-b', 'Here it is:\n```json\n{"city": "Paris", "confidence": 0.9}\n```');
    const result = await generateText({
      model: twoProviders({ validation: { maxReprompts: 1 } }),
      prompt: 'Where is the Eiffel Tower?',
      output: Output.object({ schema: city }),
      maxRetries: 0,
    });
    expect(result.output).toEqual({ city: 'Paris', confidence: 0.9 });
    expect(pathOf(meta(result.providerMetadata).attempts as never)).toEqual([
      'openai-a invalid_response→reprompt',
      'openai-a invalid_response→failover',
      'anthropic-b success→succeeded',
    ]);
  });

  it("answers from the cache under providerOptions['resilient-llm'].cacheKey when every provider fails", async () => {
    h.texts.set('openai-a', '{"city": "Paris", "confidence": 0.9}');
    const model = twoProviders({ degradation: { cache: memoryCache({ ttlMs: 60_000 }) } });
    const ask = () =>
      generateText({
        model,
        prompt: 'Where is the Eiffel Tower?',
        output: Output.object({ schema: city }),
        providerOptions: { 'resilient-llm': { cacheKey: 'eiffel' } },
        maxRetries: 0,
      });
    expect(meta((await ask()).providerMetadata).source).toBe('primary');
    h.plan.set('openai-a', faultOn({ kind: 'auth' }));
    h.plan.set('anthropic-b', faultOn({ kind: 'auth' }));
    const cached = await ask();
    expect(cached.output).toEqual({ city: 'Paris', confidence: 0.9 });
    const m = meta(cached.providerMetadata);
    expect(m).toMatchObject({ source: 'cache', degraded: true });
    expect(String(m.warning)).toMatch(/a cached answer/);
  });

  it('generateObject gets the validated JSON even when the model wraps it in prose', async () => {
    h.texts.set('openai-a', 'Sure! {"city": "Rome", "confidence": 1} Anything else?');
    const { object, providerMetadata } = await generateObject({
      model: twoProviders(),
      schema: city,
      prompt: 'Where is the Colosseum?',
      maxRetries: 0,
    });
    expect(object).toEqual({ city: 'Rome', confidence: 1 });
    expect(meta(providerMetadata).provider).toBe('openai-a');
  });
});

describe('streamText', () => {
  it('streams the text of the provider that answered after a failover', async () => {
    h.plan.set('openai-a', faultOn({ kind: '503' }));
    const result = streamText({ model: twoProviders(), prompt: 'Hi', maxRetries: 0 });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(answerOf('anthropic-b'));
    expect(meta(await result.providerMetadata)).toMatchObject({ source: 'primary', provider: 'anthropic-b' });
    expect((await result.usage).outputTokens).toBeGreaterThan(0);
    expect(await result.finishReason).toBe('stop');
  });

  it('reports a failure as an error part holding the LLMError', async () => {
    h.plan.set('openai-a', faultOn({ kind: 'auth' }));
    h.plan.set('anthropic-b', faultOn({ kind: 'auth' }));
    const errors: unknown[] = [];
    const result = streamText({
      model: twoProviders(),
      prompt: 'Hi',
      maxRetries: 0,
      onError: ({ error }) => void errors.push(error),
    });
    const parts: string[] = [];
    for await (const part of result.fullStream) parts.push(part.type);
    expect(parts).toContain('error');
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect(LLMError.is(error) && error.type).toBe('authentication');
    expect(LLMError.is(error) && error.status).toBe(401);
  });

  it('marks a degraded answer in the finish metadata', async () => {
    h.plan.set('openai-a', faultOn({ kind: '503' }));
    h.plan.set('anthropic-b', faultOn({ kind: '503' }));
    const model = twoProviders({ degradation: { fallback: 'Busy.' } });
    const result = streamText({ model, prompt: 'Hi', maxRetries: 0 });
    expect(await result.text).toBe('Busy.');
    const m = meta(await result.providerMetadata);
    expect(m).toMatchObject({ source: 'fallback', degraded: true });
    expect(String(m.warning)).toMatch(/static fallback/);
  });

  it('aborts the stream through abortSignal before the first token', async () => {
    h.plan.set('openai-a', faultOn({ kind: 'hang' }));
    const controller = new AbortController();
    const errors: unknown[] = [];
    const result = streamText({
      model: twoProviders(),
      prompt: 'Hi',
      abortSignal: controller.signal,
      maxRetries: 0,
      onError: ({ error }) => void errors.push(error),
    });
    const parts: string[] = [];
    const reading = (async () => {
      for await (const part of result.fullStream) parts.push(part.type);
    })();
    await expect.poll(() => calls('openai-a'), { timeout: 5_000 }).toBe(1);
    controller.abort();
    await reading;
    expect(parts).toContain('abort');
    expect(parts).not.toContain('text-delta');
    expect(calls('anthropic-b')).toBe(0);
  });
});
