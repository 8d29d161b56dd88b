/**
 * Telemetry contenders of the overhead benchmark: resilient-llm's fast path (an instant provider, no schema)
 * with telemetry off; on with the OpenTelemetry API installed but no SDK registered (the default for an app
 * without OpenTelemetry); on with an explicit no-op tracer and meter (every span and metric call made, none
 * recorded); and on with the real SDK (spans to an in-memory exporter, metrics in a reader never collected).
 */
import { createNoopMeter, ProxyTracerProvider } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createResilientLLM } from '../../src/client/create-resilient-llm.js';
import type { TelemetryOptions } from '../../src/telemetry/types.js';
import { ATTEMPT_MS, FALLBACK, type RawProvider, type Subject } from './subjects.js';

/** Names of the telemetry contenders. */
export const TELEMETRY_SUBJECTS = [
  'telemetry-off',
  'telemetry-api-idle',
  'telemetry-noop',
  'telemetry-sdk',
] as const;
/** A telemetry contender's name. */
export type TelemetrySubjectName = (typeof TELEMETRY_SUBJECTS)[number];

class IdleReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

const messages = [{ role: 'user' as const, content: 'ping' }];

/** Builds the named telemetry contender around `provider`. */
export function createTelemetrySubject(name: TelemetrySubjectName, provider: RawProvider): Subject {
  let telemetry: boolean | TelemetryOptions = true;
  let exporter: InMemorySpanExporter | undefined;
  let shutdown = async () => {};
  if (name === 'telemetry-off') telemetry = false;
  if (name === 'telemetry-noop') {
    telemetry = { tracer: new ProxyTracerProvider().getTracer('bench'), meter: createNoopMeter() };
  }
  if (name === 'telemetry-sdk') {
    exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const meterProvider = new MeterProvider({ readers: [new IdleReader()] });
    telemetry = { tracer: tracerProvider.getTracer('bench'), meter: meterProvider.getMeter('bench') };
    shutdown = async () => {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    };
  }
  const llm = createResilientLLM({
    providers: [{ id: 'inproc', call: async (_req, { signal }) => ({ text: await provider(signal) }) }],
    timeouts: { attemptMs: ATTEMPT_MS },
    degradation: { fallback: FALLBACK },
    inspect: false,
    telemetry,
  });
  let calls = 0;
  return {
    call: () => {
      // Finished spans are kept in memory by the exporter: dropped now and then so the heap stays flat.
      if (exporter !== undefined && ++calls % 1024 === 0) exporter.reset();
      return llm.call({ messages });
    },
    stop: async () => {
      await llm.stop();
      await shutdown();
    },
  };
}
