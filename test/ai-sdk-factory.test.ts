/**
 * `createResilientModel` itself: a client or the client's options, validated model options, the V3 identity,
 * and `stop()`. Calls go to a scripted provider (no network).
 */
import { describe, expect, it } from 'vitest';
import { createResilientModel, defaultResilientModelOptions } from '../src/ai-sdk/index.js';
import { createResilientLLM, LLMError } from '../src/index.js';
import { faultyProvider } from '../src/testing/index.js';

const prompt = [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Hi' }] }];

describe('createResilientModel', () => {
  it('wraps a client, reporting the V3 identity and the model that answered', async () => {
    const llm = createResilientLLM({
      providers: [faultyProvider({ id: 'a', script: [{ text: 'ok', model: 'm-1' }] })],
    });
    const model = createResilientModel(llm, { modelId: 'support-bot' });
    expect([model.specificationVersion, model.provider, model.modelId]).toEqual([
      'v3',
      'resilient-llm',
      'support-bot',
    ]);
    expect(model.supportedUrls).toBe(defaultResilientModelOptions.supportedUrls);
    expect(model.llm).toBe(llm);
    const result = await model.doGenerate({ prompt });
    expect(result.content).toEqual([{ type: 'text', text: 'ok' }]);
    expect(result.response?.modelId).toBe('m-1');
    expect(result.finishReason.unified).toBe('stop');
    await model.stop();
    await expect(llm.call({ messages: [{ role: 'user', content: 'Hi' }] })).rejects.toMatchObject({
      code: 'client_stopped',
    });
  });

  it("creates the client from the client's options", async () => {
    const model = createResilientModel({
      providers: [faultyProvider({ id: 'b', script: [{ text: 'hello' }] })],
    });
    const result = await model.doGenerate({ prompt });
    expect(result.content).toEqual([{ type: 'text', text: 'hello' }]);
    expect(model.llm.providers().map((p) => p.id)).toEqual(['b']);
    await model.stop();
  });

  it('throws a TypeError naming a bad option', () => {
    const llm = createResilientLLM({ providers: [faultyProvider({ id: 'a', script: [{ text: 'ok' }] })] });
    expect(() => createResilientModel(llm, { modelId: '' })).toThrow(/modelId must be a non-empty string/);
    expect(() => createResilientModel(llm, { color: 'red' } as never)).toThrow(TypeError);
    expect(() => createResilientModel({ providers: 'none' } as never)).toThrow(TypeError);
    return llm.stop();
  });

  it('rejects doGenerate with a bad_request LLMError before any provider is called', async () => {
    const provider = faultyProvider({ id: 'a', script: [{ text: 'ok' }] });
    const model = createResilientModel({ providers: [provider] });
    const pdf = { type: 'file' as const, mediaType: 'application/pdf', data: new Uint8Array([1]) };
    const error = await model.doGenerate({ prompt: [{ role: 'user', content: [pdf] }] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(LLMError.is(error) && error.type).toBe('bad_request');
    expect(provider.calls).toHaveLength(0);
    await model.stop();
  });
});
