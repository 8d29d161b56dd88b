import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { memoryCache } from '../src/cache/memory-cache.js';
import { LLMError } from '../src/errors/llm-error.js';
import { registerSecret } from '../src/errors/secrets.js';
import { settleWithClock } from '../src/testing/drive-clock.js';
import type { FaultStep } from '../src/testing/faulty-provider.js';
import { ask, setup } from './helpers/lifecycle.js';
import { otelSdk } from './helpers/otel.js';

const schema = z.object({ answer: z.string() });
let sdk = otelSdk();

afterEach(async () => {
  await sdk.shutdown();
  sdk = otelSdk();
});

function traced(scripts: Record<string, FaultStep[]>, options: Parameters<typeof setup>[1] = {}) {
  return setup(scripts, { ...options, telemetry: { tracer: sdk.tracer, meter: sdk.meter } });
}

function callSpan() {
  const calls = [...sdk.byName('resilient_llm.call'), ...sdk.byName('resilient_llm.stream')];
  expect(calls).toHaveLength(1);
  return calls[0] as NonNullable<(typeof calls)[0]>;
}

describe('traces: one span per call, one child per attempt', () => {
  it('traces a fast-path success with GenAI attributes and metric points', async () => {
    const { llm, clock } = traced({ a: [{ text: 'hi', delayMs: 40 }] });
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok).toBe(true);
    const call = callSpan();
    expect(call.attributes).toMatchObject({
      'resilient_llm.source': 'primary',
      'resilient_llm.attempt_count': 1,
      'resilient_llm.provider': 'a',
      'resilient_llm.degraded': false,
      'gen_ai.response.model': 'a-model',
    });
    expect(call.attributes['error.type']).toBeUndefined();
    const [attempt, ...more] = sdk.children(call);
    expect(more).toHaveLength(0);
    expect(attempt?.name).toBe('chat');
    expect(attempt?.kind).toBe(2); // CLIENT
    expect(attempt?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'a',
      'gen_ai.response.model': 'a-model',
      'resilient_llm.decision': 'succeeded',
    });
    expect(sdk.ms(attempt?.duration as [number, number])).toBe(40);
    const durations = await sdk.points('gen_ai.client.operation.duration');
    expect(durations).toHaveLength(1);
    expect(durations[0]?.attributes['error.type']).toBeUndefined();
    expect(durations[0]?.value).toMatchObject({ count: 1, sum: 0.04 });
    expect(await sdk.count('resilient_llm.calls', { 'resilient_llm.source': 'primary' })).toBe(1);
    await llm.stop();
  });

  it('puts the call metadata on the call span, scrubbed, and never on the attempt', async () => {
    const { llm, clock } = traced({ a: [{ text: 'hi', delayMs: 5 }] });
    registerSecret('sk-metadata-secret-123456');
    const metadata = {
      tenant: 'acme',
      retries: 2,
      beta: true,
      tags: ['x'],
      note: 'key sk-metadata-secret-123456',
    };
    const r = await settleWithClock(llm.call({ ...ask(), metadata }), clock);
    expect(r.ok).toBe(true);
    const call = callSpan();
    expect(call.attributes).toMatchObject({
      'resilient_llm.metadata.tenant': 'acme',
      'resilient_llm.metadata.retries': 2,
      'resilient_llm.metadata.beta': true,
      'resilient_llm.metadata.tags': '["x"]',
    });
    expect(String(call.attributes['resilient_llm.metadata.note'])).not.toContain('sk-metadata-secret-123456');
    const [attempt] = sdk.children(call);
    expect(Object.keys(attempt?.attributes ?? {}).some((k) => k.includes('metadata'))).toBe(false);
    await llm.stop();
  });

  it('names the attempt span after the request model and records token usage', async () => {
    const { createResilientLLM } = await import('../src/client/create-resilient-llm.js');
    const client = createResilientLLM({
      telemetry: { tracer: sdk.tracer, meter: sdk.meter },
      providers: [
        {
          id: 'openai',
          model: 'gpt-4o-mini',
          call: async () => ({
            text: 'ok',
            model: 'gpt-4o-mini-2024-07-18',
            finishReason: 'stop',
            usage: { inputTokens: 12, outputTokens: 5 },
          }),
        } as never,
      ],
    });
    await client.call({ ...ask(), maxTokens: 64 });
    const [attempt] = sdk.children(callSpan());
    expect(attempt?.name).toBe('chat gpt-4o-mini');
    expect(attempt?.attributes).toMatchObject({
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.request.max_tokens': 64,
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 5,
    });
    const tokens = await sdk.points('gen_ai.client.token.usage');
    expect(
      tokens.map((p) => [p.attributes['gen_ai.token.type'], (p.value as { sum: number }).sum]).sort(),
    ).toEqual([
      ['input', 12],
      ['output', 5],
    ]);
    await client.stop();
  });

  it('traces a failover: a failed attempt with error.type and HTTP status, an event, then the answer', async () => {
    const { llm, clock } = traced({
      a: [{ throw: { status: 503, headers: {}, body: { error: { message: 'overloaded' } } }, delayMs: 10 }],
      b: [{ text: 'b' }],
    });
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value.provider).toBe('b');
    const call = callSpan();
    const [first, second] = sdk.children(call).sort((x, y) => sdk.ms(x.startTime) - sdk.ms(y.startTime));
    expect(first?.attributes).toMatchObject({
      'gen_ai.provider.name': 'a',
      'error.type': 'provider_error',
      'http.response.status_code': 503,
      'resilient_llm.decision': 'failover',
    });
    expect(first?.status.code).toBe(2);
    expect(second?.attributes).toMatchObject({
      'gen_ai.provider.name': 'b',
      'resilient_llm.decision': 'succeeded',
    });
    expect(sdk.eventNames(call)).toEqual(['resilient_llm.failover']);
    expect(call.events[0]?.attributes).toMatchObject({
      'resilient_llm.provider': 'a',
      'resilient_llm.outcome': 'provider_error',
    });
    expect(call.attributes).toMatchObject({
      'resilient_llm.attempt_count': 2,
      'resilient_llm.provider': 'b',
    });
    const failed = (await sdk.points('gen_ai.client.operation.duration')).filter(
      (p) => p.attributes['error.type'],
    );
    expect(failed.map((p) => p.attributes['error.type'])).toEqual(['provider_error']);
    expect(
      await sdk.count('resilient_llm.attempts', {
        'resilient_llm.outcome': 'provider_error',
        'resilient_llm.decision': 'failover',
      }),
    ).toBe(1);
    await llm.stop();
  });

  it('records a backoff as an event with its delay, and the retry after it', async () => {
    const { llm, clock } = traced({ a: [{ error: 'rate_limit', retryAfterMs: 1_500 }, { text: 'ok' }] });
    await settleWithClock(llm.call(ask()), clock);
    const call = callSpan();
    expect(sdk.eventNames(call)).toEqual(['resilient_llm.backoff']);
    expect(call.events[0]?.attributes?.['resilient_llm.backoff.delay_ms']).toBe(1_500);
    const attempts = sdk.children(call).sort((x, y) => sdk.ms(x.startTime) - sdk.ms(y.startTime));
    expect(attempts.map((s) => sdk.ms(s.startTime))).toEqual([0, 1_500]);
    expect(sdk.ms(call.duration)).toBe(1_500);
    await llm.stop();
  });

  it('records a re-prompt: the invalid answer is an attempt with error.type invalid_response', async () => {
    const { llm, clock } = traced({ a: [{ text: 'nope' }, { text: '{"answer":"yes"}' }] });
    await settleWithClock(llm.call({ ...ask(), schema }), clock);
    const call = callSpan();
    expect(sdk.eventNames(call)).toEqual(['resilient_llm.reprompt']);
    const attempts = sdk
      .children(call)
      .map((s) => [s.attributes['resilient_llm.attempt'], s.attributes['error.type']]);
    expect(attempts).toEqual([
      [1, 'invalid_response'],
      [2, undefined],
    ]);
    await llm.stop();
  });
});

describe('traces: degradation to each tier', () => {
  it('degrades to the cache', async () => {
    const cache = memoryCache();
    const { llm, clock } = traced(
      { a: [{ text: '{"answer":"cached"}' }, { error: 'provider_error' }] },
      { degradation: { cache } },
    );
    await settleWithClock(llm.call({ ...ask(), schema, cacheKey: 'k' }), clock);
    sdk.spanExporter.reset();
    const r = await settleWithClock(llm.call({ ...ask(), schema, cacheKey: 'k' }), clock);
    expect(r.ok && r.value.source).toBe('cache');
    const call = callSpan();
    expect(call.attributes).toMatchObject({
      'resilient_llm.source': 'cache',
      'resilient_llm.degraded': true,
      'resilient_llm.degradation.steps': ['cache'],
    });
    // The last provider backs off and retries a server error before the call degrades.
    expect(sdk.eventNames(call)).toEqual([
      'resilient_llm.backoff',
      'resilient_llm.backoff',
      'resilient_llm.failover',
      'resilient_llm.degrade',
    ]);
    expect(call.events[3]?.attributes?.['resilient_llm.degradation.step']).toBe('cache');
    expect(await sdk.count('resilient_llm.calls', { 'resilient_llm.source': 'cache' })).toBe(1);
    await llm.stop();
  });

  it('degrades to the simplified prompt', async () => {
    const { llm, clock } = traced(
      { a: [{ error: 'content_filtered' }, { text: '{"answer":"short"}' }] },
      // No default rewrite: the content filter goes straight to failover, then to the simplified prompt.
      { degradation: { simplifiedPrompt: 'Answer briefly.' }, contentFilter: { rewriteInstruction: false } },
    );
    const r = await settleWithClock(llm.call({ ...ask(), schema }), clock);
    expect(r.ok && r.value.source).toBe('simplified');
    const call = callSpan();
    expect(call.attributes['resilient_llm.degradation.steps']).toEqual(['simplified']);
    const phases = sdk.children(call).map((s) => s.attributes['resilient_llm.phase']);
    expect(phases).toEqual(['primary', 'simplified']);
    expect(sdk.eventNames(call)).toEqual(['resilient_llm.failover', 'resilient_llm.degrade']);
    expect(await sdk.count('resilient_llm.calls', { 'resilient_llm.source': 'simplified' })).toBe(1);
    await llm.stop();
  });

  it('degrades to the static fallback', async () => {
    const { llm, clock } = traced({ a: [{ error: 'provider_error' }] }, { degradation: { fallback: 'fb' } });
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value.source).toBe('fallback');
    const call = callSpan();
    expect(call.attributes).toMatchObject({
      'resilient_llm.source': 'fallback',
      'resilient_llm.degraded': true,
      'resilient_llm.degradation.steps': ['fallback'],
    });
    expect(call.events.at(-1)?.attributes?.['resilient_llm.degradation.step']).toBe('fallback');
    expect(await sdk.count('resilient_llm.calls', { 'resilient_llm.source': 'fallback' })).toBe(1);
    await llm.stop();
  });
});

describe('traces: abort, failure and streaming', () => {
  it('marks an aborted call and its attempt with error.type aborted', async () => {
    const { llm, clock } = traced({ a: [{ hang: true }] });
    const controller = new AbortController();
    const pending = llm.call({ ...ask(), signal: controller.signal });
    clock.increment(300);
    controller.abort();
    const r = await settleWithClock(pending, clock);
    expect(!r.ok && LLMError.is(r.error) && r.error.type).toBe('aborted');
    const call = callSpan();
    expect(call.status.code).toBe(2);
    expect(call.attributes['error.type']).toBe('aborted');
    const [attempt] = sdk.children(call);
    expect(attempt?.attributes['error.type']).toBe('aborted');
    expect(sdk.ms(attempt?.duration as [number, number])).toBe(300);
    expect(
      await sdk.count('resilient_llm.calls', { 'resilient_llm.source': 'failed', 'error.type': 'aborted' }),
    ).toBe(1);
    await llm.stop();
  });

  it('traces a stream with its time to first token', async () => {
    const { llm, clock } = traced({ a: [{ text: 'one two three', delayMs: 120, tokenDelayMs: 10 }] });
    const stream = llm.stream(ask());
    const r = await settleWithClock(stream.result, clock);
    expect(r.ok && r.value.text).toBe('one two three');
    const call = callSpan();
    expect(call.name).toBe('resilient_llm.stream');
    expect(call.attributes['resilient_llm.mode']).toBe('stream');
    const [attempt] = sdk.children(call);
    expect(attempt?.attributes['resilient_llm.time_to_first_token_ms']).toBe(130);
    expect(sdk.ms(attempt?.duration as [number, number])).toBe(150);
    const ttft = await sdk.points('resilient_llm.stream.time_to_first_token');
    expect(ttft.map((p) => p.value)).toEqual([expect.objectContaining({ count: 1, sum: 0.13 })]);
    await llm.stop();
  });

  it('records no prompt or answer unless captureContent is on', async () => {
    const secret = 'my private question';
    const plain = traced({ a: [{ text: 'private answer' }] });
    await settleWithClock(plain.llm.call(ask(secret)), plain.clock);
    const text = JSON.stringify(sdk.spans().map((s) => [s.attributes, s.events]));
    expect(text).not.toContain(secret);
    expect(text).not.toContain('private answer');
    await plain.llm.stop();
    sdk.spanExporter.reset();
    const opted = setup(
      { a: [{ text: 'private answer' }] },
      { telemetry: { tracer: sdk.tracer, captureContent: true } },
    );
    await settleWithClock(opted.llm.call(ask(secret)), opted.clock);
    const [attempt] = sdk.children(callSpan());
    expect(JSON.parse(String(attempt?.attributes['gen_ai.input.messages']))).toEqual([
      { role: 'user', parts: [{ type: 'text', content: secret }] },
    ]);
    expect(String(attempt?.attributes['gen_ai.output.messages'])).toContain('private answer');
    await opted.llm.stop();
  });
});

describe('traces and metrics: circuit breakers', () => {
  it('spans a breaker incident from its trip to its close, and gauges its state', async () => {
    const { llm, clock } = traced(
      { a: [{ error: 'provider_error' }, { text: 'back' }], b: [{ text: 'b' }] },
      { breaker: { failureThreshold: 1, successThreshold: 1, openMs: 5_000 } },
    );
    await settleWithClock(llm.call(ask()), clock);
    const state = async (name: string) =>
      (await sdk.points('resilient_llm.breaker.state')).find(
        (p) =>
          p.attributes['resilient_llm.provider'] === 'a' &&
          p.attributes['resilient_llm.breaker.state'] === name,
      )?.value;
    expect(await state('open')).toBe(1);
    expect(await state('closed')).toBe(0);
    const skipped = await settleWithClock(llm.call(ask()), clock);
    expect(skipped.ok && skipped.value.provider).toBe('b');
    expect(
      await sdk.count('resilient_llm.attempts', {
        'resilient_llm.provider': 'a',
        'resilient_llm.outcome': 'skipped',
      }),
    ).toBe(1);
    expect(sdk.byName('resilient_llm.breaker a')).toHaveLength(0); // still open
    clock.increment(5_000);
    const probe = await settleWithClock(llm.call(ask()), clock);
    expect(probe.ok && probe.value.provider).toBe('a');
    const [incident] = sdk.byName('resilient_llm.breaker a');
    expect(incident?.events.map((e) => e.attributes?.['resilient_llm.breaker.to'])).toEqual([
      'open',
      'halfOpen',
      'closed',
    ]);
    expect(sdk.ms(incident?.duration as [number, number])).toBe(5_000);
    expect(await state('closed')).toBe(1);
    expect(await sdk.count('resilient_llm.breaker.transitions', { 'resilient_llm.provider': 'a' })).toBe(3);
    await llm.stop();
  });
});
