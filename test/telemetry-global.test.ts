/**
 * Telemetry on by default through the global OpenTelemetry providers: nothing is recorded until an SDK is
 * registered (even after the client was created), `telemetry: false` records nothing, and the attempt span
 * is the active span while the provider runs (so an HTTP client's own spans nest under it).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { type Context, type ContextManager, context, metrics, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createResilientLLM } from '../src/client/create-resilient-llm.js';
import { faultyProvider } from '../src/testing/faulty-provider.js';
import { otelSdk } from './helpers/otel.js';

/** A context manager on AsyncLocalStorage (what the SDK's Node context manager does). */
class StorageContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

const ask = { messages: [{ role: 'user' as const, content: 'hi' }] };
const sdk = otelSdk();

afterEach(() => {
  trace.disable();
  metrics.disable();
  context.disable();
  sdk.spanExporter.reset();
});

describe('telemetry through the global providers', () => {
  it('starts recording once an SDK is registered, even after the client was created', async () => {
    const llm = createResilientLLM({ providers: [faultyProvider({ id: 'a', script: [{ text: 'x' }] })] });
    await llm.call(ask);
    expect(sdk.spans()).toHaveLength(0);
    trace.setGlobalTracerProvider(sdk.tracerProvider);
    metrics.setGlobalMeterProvider(sdk.meterProvider);
    await llm.call(ask);
    expect(sdk.byName('resilient_llm.call')).toHaveLength(1);
    expect(sdk.byName('chat')).toHaveLength(1);
    expect(await sdk.count('resilient_llm.calls', { 'resilient_llm.source': 'primary' })).toBe(1);
    await llm.stop();
  });

  it('records nothing with telemetry: false', async () => {
    trace.setGlobalTracerProvider(sdk.tracerProvider);
    const llm = createResilientLLM({
      providers: [faultyProvider({ id: 'a', script: [{ text: 'x' }] })],
      telemetry: false,
    });
    await llm.call(ask);
    expect(sdk.spans()).toHaveLength(0);
    await llm.stop();
  });

  it('makes the attempt span active while the provider runs, under the caller’s span', async () => {
    context.setGlobalContextManager(new StorageContextManager());
    trace.setGlobalTracerProvider(sdk.tracerProvider);
    const seen: Array<string | undefined> = [];
    const llm = createResilientLLM({
      providers: [
        {
          id: 'a',
          call: async () => {
            seen.push(trace.getActiveSpan()?.spanContext().spanId);
            return { text: 'x' };
          },
        },
      ],
    });
    const tracer = trace.getTracer('app');
    await tracer.startActiveSpan('handle request', async (span) => {
      await llm.call(ask);
      span.end();
    });
    const [attempt] = sdk.byName('chat');
    const [call] = sdk.byName('resilient_llm.call');
    const [root] = sdk.byName('handle request');
    expect(seen).toEqual([attempt?.spanContext().spanId]);
    expect(attempt?.parentSpanContext?.spanId).toBe(call?.spanContext().spanId);
    expect(call?.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    await llm.stop();
  });
});
