/** The real OpenTelemetry SDK with in-memory exporters, and readers for what they hold. */
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** A metric reader that only exports when asked (`collect()`), into an in-memory exporter. */
class PullReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

/** A tracer and a meter of the real SDK, with helpers to read spans and metric points. */
export function otelSdk() {
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  const reader = new PullReader();
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const meterProvider = new MeterProvider({ readers: [reader] });
  const tracer = tracerProvider.getTracer('test');
  const meter = meterProvider.getMeter('test');

  const spans = () => spanExporter.getFinishedSpans();
  const byName = (name: string) => spans().filter((s) => s.name === name);
  const children = (parent: ReadableSpan) =>
    spans().filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);

  /** Collects metrics (also handing them to the in-memory exporter) and returns every point by metric name. */
  async function points(name: string) {
    const { resourceMetrics } = await reader.collect();
    await new Promise<void>((resolve) => metricExporter.export(resourceMetrics, () => resolve()));
    const found = resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .filter((m) => m.descriptor.name === name);
    return found.flatMap((m) =>
      m.dataPoints.map((p) => ({
        attributes: p.attributes as Record<string, unknown>,
        value: p.value as unknown,
      })),
    );
  }
  /** Sum of counter points whose attributes include `match`. */
  async function count(name: string, match: Record<string, unknown> = {}) {
    const all = await points(name);
    return all
      .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
      .reduce((n, p) => n + (p.value as number), 0);
  }

  return {
    tracer,
    meter,
    tracerProvider,
    meterProvider,
    spanExporter,
    metricExporter,
    reader,
    spans,
    byName,
    children,
    points,
    count,
    eventNames: (span: ReadableSpan) => span.events.map((e) => e.name),
    /** Milliseconds of an hrtime. */
    ms: (t: [number, number]) => t[0] * 1000 + t[1] / 1e6,
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}
