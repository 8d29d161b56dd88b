/**
 * The client's observer (see `src/client/observer.ts`): feeds observation hooks, spans and metrics from the
 * same events. Nothing per call happens while nothing listens: no hook set, and (without an explicit tracer or
 * meter) no global tracer or meter provider registered — checked per call, so an SDK started later is seen.
 */
import type { BreakerTransition } from '../breaker/types.js';
import type { CallObservation, ClientObserver } from '../client/observer.js';
import type { Clock } from '../clock.js';
import { classifyError } from '../errors/classify.js';
import { LLMError } from '../errors/llm-error.js';
import type { LLMRequest, Provider, ProviderCallOptions, ProviderStreamEvent } from '../types.js';
import { SCOPE_NAME } from './attributes.js';
import { type AttemptState, type CallSink, CallTracker } from './call-tracker.js';
import { createHookSink, type HookSink } from './hooks.js';
import { loadOtelApi, type OtelApiModule } from './load-api.js';
import { MetricSink, type MetricSources } from './metric-sink.js';
import { TraceSink } from './trace-sink.js';
import type { BreakerTransitionEvent, MeterLike, ObservationHooks, TelemetryOptions } from './types.js';

/** What the observer needs from the client. */
export interface ObserverDeps extends MetricSources {
  hooks: ObservationHooks;
  /** `false`: no OpenTelemetry; `true`/undefined: the global API when installed; or explicit tracer/meter. */
  telemetry: boolean | TelemetryOptions | undefined;
  clock: Clock;
}

function hookCallSink(hooks: HookSink): CallSink {
  return {
    callStarted() {},
    attemptStarted() {},
    attemptEnded: (_call, _attempt, event) => hooks.attempt(event),
    decision: (_call, event) => hooks.decision(event),
    callEnded: (_call, event) => hooks.result(event),
  };
}

/** Where spans and metrics go: fixed when given, else the API's globals whenever they are registered. */
function telemetrySources(deps: ObserverDeps) {
  const options =
    deps.telemetry === false ? undefined : deps.telemetry === true ? {} : (deps.telemetry ?? {});
  if (options === undefined) return { trace: () => undefined, metrics: () => undefined, stop() {} };
  const api: OtelApiModule | undefined = loadOtelApi();
  const capture = options.captureContent === true;
  const fixedTrace = options.tracer ? new TraceSink(options.tracer, api, capture) : undefined;
  const globalTrace =
    api && !fixedTrace ? new TraceSink(api.trace.getTracer(SCOPE_NAME), api, capture) : undefined;
  const noopTracerProvider = api ? new api.ProxyTracerProvider().getDelegate() : undefined;
  const proxy = api?.trace.getTracerProvider() as { getDelegate?: () => unknown } | undefined;
  const traceLive = () => proxy?.getDelegate?.() !== noopTracerProvider;
  const NoopMeter = api?.createNoopMeter().constructor;
  const isNoop = (meter: MeterLike) => NoopMeter !== undefined && meter.constructor === NoopMeter;
  let metricSink = options.meter && !isNoop(options.meter) ? new MetricSink(options.meter, deps) : undefined;
  let meterProvider: unknown;
  const metrics = () => {
    if (options.meter || api === undefined) return metricSink;
    const provider = api.metrics.getMeterProvider();
    if (provider !== meterProvider) {
      meterProvider = provider;
      metricSink?.dispose();
      const meter = provider.getMeter(SCOPE_NAME) as unknown as MeterLike;
      metricSink = isNoop(meter) ? undefined : new MetricSink(meter, deps);
    }
    return metricSink;
  };
  metrics(); // observable gauges are there before the first call
  return {
    trace: () => fixedTrace ?? (globalTrace && traceLive() ? globalTrace : undefined),
    metrics,
    stop(at: number) {
      (fixedTrace ?? globalTrace)?.stop(at);
      metricSink?.dispose();
      metricSink = undefined;
    },
  };
}

/** Creates the observer, or undefined when the options ask for no observation at all. */
export function createClientObserver(deps: ObserverDeps): ClientObserver | undefined {
  const hookSink = createHookSink(deps.hooks);
  const hooks = hookSink ? hookCallSink(hookSink) : undefined;
  if (hooks === undefined && deps.telemetry === false) return undefined;
  if (hooks === undefined && typeof deps.telemetry !== 'object' && loadOtelApi() === undefined)
    return undefined;
  const sources = telemetrySources(deps);
  const { clock } = deps;
  const calls = new Map<string, CallTracker>();
  const release = (call: CallTracker) => calls.delete(call.requestId);
  let cached: { trace: CallSink | undefined; metrics: CallSink | undefined; sinks: CallSink[] } | undefined;
  const sinksNow = (): CallSink[] => {
    const trace = sources.trace();
    const metrics = sources.metrics();
    if (cached === undefined || cached.trace !== trace || cached.metrics !== metrics) {
      const sinks = [hooks, trace, metrics].filter((s): s is CallSink => s !== undefined);
      cached = { trace, metrics, sinks };
    }
    return cached.sinks;
  };

  const failedAttempt = (provider: Provider, state: AttemptState, thrown: unknown) => {
    const error = LLMError.is(thrown)
      ? thrown
      : (provider.classify?.(thrown) ?? classifyError(thrown, { provider: provider.id }));
    state.status = error.status;
  };

  /** Calls `run` as attempt `state`, with its span active when traced. */
  const inSpan = <T>(state: AttemptState, run: () => T): T => {
    const trace = sources.trace();
    return trace === undefined ? run() : trace.withSpan(state.span, run);
  };

  async function* observedStream(
    call: CallTracker,
    provider: Provider & { stream: NonNullable<Provider['stream']> },
    request: LLMRequest,
    options: ProviderCallOptions,
  ): AsyncIterable<ProviderStreamEvent> {
    const state = call.attemptStarted(provider, options.attempt ?? 1, request);
    let text = '';
    try {
      const events = inSpan(state, () => provider.stream(request, options));
      for await (const event of events) {
        if (event.type === 'delta') {
          if (state.firstTokenAt === undefined && event.text) state.firstTokenAt = clock.now();
          text += event.text;
        } else {
          call.answered(state, { text, ...event });
        }
        yield event;
      }
    } catch (thrown) {
      failedAttempt(provider, state, thrown);
      throw thrown;
    }
  }

  return {
    provider(inner) {
      const wrapped = Object.create(inner) as Provider;
      wrapped.call = (request, options) => {
        const call = calls.get(options.requestId ?? '');
        if (call === undefined) return inner.call(request, options);
        const state = call.attemptStarted(inner, options.attempt ?? 1, request);
        let out: ReturnType<Provider['call']>;
        try {
          out = inSpan(state, () => inner.call(request, options));
        } catch (thrown) {
          failedAttempt(inner, state, thrown);
          throw thrown;
        }
        Promise.resolve(out).then(
          (result) => call.answered(state, result),
          (thrown: unknown) => failedAttempt(inner, state, thrown),
        );
        return out;
      };
      const stream = inner.stream;
      if (typeof stream === 'function') {
        const streaming = inner as Provider & { stream: typeof stream };
        wrapped.stream = (request, options) => {
          const call = calls.get(options.requestId ?? '');
          return call === undefined
            ? streaming.stream(request, options)
            : observedStream(call, streaming, request, options);
        };
      }
      return wrapped;
    },

    callStarted(requestId, mode, startedAt, request, metadata): CallObservation | undefined {
      const sinks = sinksNow();
      if (sinks.length === 0) return undefined;
      const call = new CallTracker(requestId, mode, startedAt, request, sinks, clock, release, metadata);
      // Only traced, and the tracer does not record this call (a no-op tracer, or not sampled): nothing to do.
      if (call.span === undefined && sinks.length === 1 && sinks[0] === cached?.trace) return undefined;
      calls.set(requestId, call);
      return call;
    },

    call: (requestId) => calls.get(requestId),

    breakerTransition(provider: string, transition: BreakerTransition) {
      const event: BreakerTransitionEvent = { provider, ...transition };
      hookSink?.breakerTransition(event);
      sources.trace()?.breakerTransition(event);
      sources.metrics()?.breakerTransition(event);
    },

    stop() {
      sources.stop(clock.now());
    },
  };
}
