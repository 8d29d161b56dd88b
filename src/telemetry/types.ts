/**
 * What the client reports as it runs: the events its observation hooks receive, and the `telemetry` option
 * (OpenTelemetry tracer and meter). The hooks need no OpenTelemetry; the OpenTelemetry types are structural
 * so that `@opentelemetry/api` stays an optional peer dependency.
 */
import type { AttemptDecision, AttemptRecord } from '../../machines/request-types.js';
import type { BreakerReason, BreakerStateName } from '../breaker/types.js';
import type { CallResult } from '../client/call-request.js';
import type { LLMError, LLMErrorType } from '../errors/llm-error.js';
import type { Usage } from '../types.js';

/** One attempt on a provider, reported once when it has ended and the lifecycle has judged it. */
export interface AttemptEvent {
  requestId: string;
  provider: string;
  /** 1-based attempt number on that provider within the call. */
  attempt: number;
  /** `primary` for the main flow, `simplified` for the simplified prompt while degrading. */
  phase: 'primary' | 'simplified';
  /** `success`, or the error type the attempt ended with (`invalid_response` for an answer that failed the schema). */
  outcome: AttemptRecord['outcome'];
  /** What the lifecycle did next. */
  decision: AttemptDecision;
  /** Clock time the attempt started, and how long it ran (ms). */
  startedAt: number;
  durationMs: number;
  /** Machine-readable detail of a failure (`attempt_timeout`, an error code). */
  code?: string;
  retryAfterMs?: number;
  /** The model that answered, and the tokens used, when the provider said. */
  model?: string;
  usage?: Usage;
  /** The provider's HTTP status, when the failure carried one. */
  status?: number;
  /** Streaming: ms from the attempt's start to its first token. */
  timeToFirstTokenMs?: number;
  /** The call's `metadata` (yours; never sent to a provider). */
  metadata?: Record<string, unknown>;
}

/** Where the lifecycle went next: after an attempt, for a skipped provider, or a degradation step. */
export interface DecisionEvent {
  requestId: string;
  /** An attempt's decision; `skipped` for a provider skipped by its breaker, the rate-limit admission or its concurrency limit; `degrade` for a degradation step. */
  decision: AttemptDecision;
  /** Clock time of the decision. */
  at: number;
  /** The provider the decision is about (absent for a degradation step). */
  provider?: string;
  attempt?: number;
  /** What led to it: the attempt's outcome, or `skipped`. */
  outcome?: AttemptRecord['outcome'];
  /** `circuit_open`, `disabled`, `rate_limited`, an error code. */
  code?: string;
  /** `backoff`: how long the lifecycle waits before the next attempt (ms). */
  delayMs?: number;
  /** `degrade`: the degradation step entered. */
  step?: 'cache' | 'simplified' | 'fallback';
  /** The call's `metadata` (yours; never sent to a provider). */
  metadata?: Record<string, unknown>;
}

/** How a call ended: once per call. */
export type ResultEvent = {
  requestId: string;
  mode: 'call' | 'stream';
  durationMs: number;
  /** The call's `metadata` (yours; never sent to a provider). */
  metadata?: Record<string, unknown>;
} & (
  | { ok: true; result: CallResult<unknown>; source: CallResult['source']; provider: string | undefined }
  | { ok: false; error: LLMError; errorType: LLMErrorType }
);

/** A circuit breaker changed state. */
export interface BreakerTransitionEvent {
  provider: string;
  from: BreakerStateName;
  to: BreakerStateName;
  reason: BreakerReason;
  at: number;
}

/** The hook names, as given to `onHookError`. */
export type HookName = 'onAttempt' | 'onDecision' | 'onResult' | 'onBreakerTransition';

/**
 * Synchronous observation hooks, for logging and metrics without OpenTelemetry. A hook that throws never
 * affects a call: the error goes to `onHookError`, or (without it) to one console warning per hook.
 */
export interface ObservationHooks {
  /** Each attempt, once it has ended and been judged. @default undefined */
  onAttempt?: ((event: AttemptEvent) => void) | undefined;
  /** Each decision: retry, backoff (with its delay), re-prompt, failover, skip, degradation step, … @default undefined */
  onDecision?: ((event: DecisionEvent) => void) | undefined;
  /** Each call's outcome, once. @default undefined */
  onResult?: ((event: ResultEvent) => void) | undefined;
  /** Each breaker transition of every provider. @default undefined */
  onBreakerTransition?: ((event: BreakerTransitionEvent) => void) | undefined;
  /** Receives every error a hook throws. @default undefined (one console warning per hook) */
  onHookError?: ((error: unknown, hook: HookName) => void) | undefined;
}

/** The parts of an OpenTelemetry `Tracer` used here (any `@opentelemetry/api` tracer fits). */
export interface TracerLike {
  startSpan(name: string, options?: object, context?: unknown): SpanLike;
}

/** The parts of an OpenTelemetry `Span` used here. */
export interface SpanLike {
  setAttribute(key: string, value: AttributeValue): unknown;
  setAttributes(attributes: Attributes): unknown;
  addEvent(name: string, attributes?: Attributes, time?: HrTime): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  updateName(name: string): unknown;
  end(endTime?: HrTime): void;
  isRecording(): boolean;
}

/** An OpenTelemetry high-resolution time: seconds and nanoseconds since the epoch. */
export type HrTime = [number, number];

/** An OpenTelemetry attribute value. */
export type AttributeValue = string | number | boolean | string[] | number[];
/** OpenTelemetry attributes. */
export type Attributes = Record<string, AttributeValue | undefined>;

/** The parts of an OpenTelemetry `Meter` used here (any `@opentelemetry/api` meter fits). */
export interface MeterLike {
  createHistogram(name: string, options?: object): { record(value: number, attributes?: Attributes): void };
  createCounter(name: string, options?: object): { add(value: number, attributes?: Attributes): void };
  createObservableGauge(
    name: string,
    options?: object,
  ): {
    addCallback(cb: (result: { observe(value: number, attributes?: Attributes): void }) => void): void;
    removeCallback(cb: (result: { observe(value: number, attributes?: Attributes): void }) => void): void;
  };
}

/**
 * OpenTelemetry settings. Without `tracer`/`meter`, the global ones of `@opentelemetry/api` are used whenever
 * a global provider is registered (checked per call, so an SDK started later is picked up).
 */
export interface TelemetryOptions {
  /** Where spans go. @default the global tracer of `@opentelemetry/api` */
  tracer?: TracerLike | undefined;
  /** Where metrics go. @default the global meter of `@opentelemetry/api` */
  meter?: MeterLike | undefined;
  /** Record prompts and answers on attempt spans (`gen_ai.input.messages`, `gen_ai.output.messages`). @default false */
  captureContent?: boolean;
}
