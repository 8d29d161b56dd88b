/**
 * Spans: one per call (`resilient_llm.call` / `resilient_llm.stream`) with a child per attempt named after the
 * GenAI conventions (`chat {model}`), decisions as events on the call span, and one span per breaker incident
 * (from leaving `closed` until it closes again) with every transition as an event. Prompts and answers are
 * recorded only with `captureContent`; nothing else of a request leaves, and never a credential.
 */

import { redactSecrets } from '../errors/redact.js';
import { type Message, outputTokenLimit } from '../types.js';
import * as A from './attributes.js';
import type { AttemptState, CallSink, CallTracker } from './call-tracker.js';
import type { OtelApiModule } from './load-api.js';
import type {
  AttemptEvent,
  Attributes,
  BreakerTransitionEvent,
  DecisionEvent,
  HrTime,
  ResultEvent,
  SpanLike,
  TracerLike,
} from './types.js';

/**
 * A message as GenAI `gen_ai.input.messages` parts: text, tool calls and tool results; an image by URL as a
 * `uri` part, an inline image as a `blob` part without its bytes.
 */
function messageParts(message: Message): Array<Record<string, unknown>> {
  if (message.role === 'tool') {
    return [{ type: 'tool_call_response', id: message.toolCallId, response: message.content }];
  }
  const parts: Array<Record<string, unknown>> = [];
  const content =
    typeof message.content === 'string'
      ? [{ type: 'text', text: message.content } as const]
      : message.content;
  for (const part of content) {
    if (part.type === 'text') parts.push({ type: 'text', content: part.text });
    else if (part.url !== undefined && !part.url.startsWith('data:'))
      parts.push({ type: 'uri', modality: 'image', uri: part.url });
    else parts.push({ type: 'blob', modality: 'image', mime_type: part.mediaType });
  }
  if (message.role === 'assistant') {
    for (const call of message.toolCalls ?? []) {
      parts.push({ type: 'tool_call', id: call.id, name: call.name, arguments: call.input });
    }
  }
  return parts;
}

/** Longest metadata value put on a span, in characters (longer ones are cut). */
const METADATA_VALUE_MAX = 1_024;

/**
 * The call's `metadata` as call-span attributes `resilient_llm.metadata.<key>`: strings, numbers and booleans
 * as they are, anything else as JSON; strings scrubbed of registered secrets and cut at 1 KiB.
 */
export function metadataAttributes(metadata: Record<string, unknown> | undefined): Attributes {
  const attributes: Attributes = {};
  if (metadata === undefined) return attributes;
  for (const [key, value] of Object.entries(metadata)) {
    if (value === undefined) continue;
    if (typeof value === 'number' || typeof value === 'boolean') {
      attributes[A.RL_METADATA_PREFIX + key] = value;
      continue;
    }
    let text: string;
    try {
      text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
    } catch {
      text = String(value);
    }
    attributes[A.RL_METADATA_PREFIX + key] = redactSecrets(text).slice(0, METADATA_VALUE_MAX);
  }
  return attributes;
}

const SPAN_KIND_INTERNAL = 0;
const SPAN_KIND_CLIENT = 2;
const STATUS_ERROR = 2;

/** The request model a provider declares, if any (adapters may carry `model`). */
export function requestModelOf(provider: object): string | undefined {
  const model = (provider as { model?: unknown }).model;
  return typeof model === 'string' && model.length > 0 ? model : undefined;
}

/**
 * A clock time (ms) as OpenTelemetry hrtime: always read as time since the epoch (a plain number below
 * `performance.now()`, such as a simulated clock's, would be read as a performance timestamp).
 */
export function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

function defined(attributes: Attributes): Attributes {
  for (const key of Object.keys(attributes)) if (attributes[key] === undefined) delete attributes[key];
  return attributes;
}

/** A span sink on `tracer`; `api` (when loaded) gives parent contexts and makes attempt spans active. */
export class TraceSink implements CallSink {
  private readonly incidents = new Map<string, SpanLike>();

  constructor(
    private readonly tracer: TracerLike,
    readonly api: OtelApiModule | undefined,
    private readonly captureContent: boolean,
  ) {}

  /** Starts the call span; an unsampled call (a span that does not record) gets no spans at all. */
  callStarted(call: CallTracker): void {
    const span = this.tracer.startSpan(
      call.mode === 'stream' ? A.STREAM_SPAN : A.CALL_SPAN,
      {
        kind: SPAN_KIND_INTERNAL,
        startTime: hrTime(call.startedAt),
        attributes: {
          [A.RL_REQUEST_ID]: call.requestId,
          [A.RL_MODE]: call.mode,
          [A.GEN_AI_OPERATION]: A.OPERATION_CHAT,
          ...metadataAttributes(call.metadata),
        },
      },
      this.api?.context.active(),
    );
    call.span = span.isRecording() ? span : undefined;
  }

  attemptStarted(call: CallTracker, attempt: AttemptState): void {
    if (call.span === undefined) return;
    attempt.span = this.startAttemptSpan(call, attempt.provider, attempt.startedAt, attempt);
  }

  /** Runs `fn` with `span` as the active span, so the provider client's own spans nest under the attempt. */
  withSpan<T>(span: SpanLike | undefined, fn: () => T): T {
    const api = this.api;
    if (api === undefined || span === undefined) return fn();
    return api.context.with(api.trace.setSpan(api.context.active(), span as never), fn);
  }

  attemptEnded(call: CallTracker, attempt: AttemptState | undefined, event: AttemptEvent): void {
    if (call.span === undefined) return;
    // An attempt without a provider call (the request did not fit the window) still gets its span.
    const span =
      attempt?.span ?? this.startAttemptSpan(call, { id: event.provider }, event.startedAt, undefined);
    const failed = event.outcome !== 'success';
    span.setAttributes(
      defined({
        [A.RL_ATTEMPT]: event.attempt,
        [A.RL_OUTCOME]: event.outcome,
        [A.RL_DECISION]: event.decision,
        [A.RL_PHASE]: event.phase,
        [A.RL_CODE]: event.code,
        [A.RL_RETRY_AFTER]: event.retryAfterMs,
        [A.GEN_AI_RESPONSE_MODEL]: event.model,
        [A.GEN_AI_INPUT_TOKENS]: event.usage?.inputTokens,
        [A.GEN_AI_OUTPUT_TOKENS]: event.usage?.outputTokens,
        [A.GEN_AI_FINISH_REASONS]: attempt?.finishReason ? [attempt.finishReason] : undefined,
        [A.ERROR_TYPE]: failed ? event.outcome : undefined,
        [A.HTTP_STATUS]: event.status,
        [A.RL_TTFT]: event.timeToFirstTokenMs,
      }),
    );
    if (this.captureContent && attempt?.text !== undefined) {
      const output = [{ role: 'assistant', parts: [{ type: 'text', content: attempt.text }] }];
      span.setAttribute(A.GEN_AI_OUTPUT_MESSAGES, JSON.stringify(output));
    }
    if (failed) span.setStatus({ code: STATUS_ERROR, message: event.outcome });
    span.end(hrTime(event.startedAt + event.durationMs));
  }

  decision(call: CallTracker, event: DecisionEvent): void {
    if (event.decision === 'succeeded' || call.span === undefined) return;
    call.span.addEvent(
      A.DECISION_EVENT_PREFIX + event.decision,
      defined({
        [A.RL_PROVIDER]: event.provider,
        [A.RL_ATTEMPT]: event.provider === undefined ? undefined : event.attempt,
        [A.RL_OUTCOME]: event.outcome,
        [A.RL_CODE]: event.code,
        [A.RL_DELAY]: event.delayMs,
        [A.RL_STEP]: event.step,
      }),
      hrTime(event.at),
    );
  }

  callEnded(call: CallTracker, event: ResultEvent): void {
    const span = call.span;
    if (span === undefined) return;
    const attributes: Attributes = {
      [A.RL_ATTEMPTS]: call.attemptCount,
      [A.RL_DEGRADATION_STEPS]: call.steps.length > 0 ? [...call.steps] : undefined,
    };
    if (event.ok) {
      const { result } = event;
      attributes[A.RL_SOURCE] = event.source;
      attributes[A.RL_PROVIDER] = event.provider;
      attributes[A.RL_DEGRADED] = event.source !== 'primary';
      attributes[A.GEN_AI_RESPONSE_MODEL] = result.model;
      attributes[A.GEN_AI_INPUT_TOKENS] = result.usage?.inputTokens;
      attributes[A.GEN_AI_OUTPUT_TOKENS] = result.usage?.outputTokens;
    } else {
      attributes[A.ERROR_TYPE] = event.errorType;
      attributes[A.RL_DEGRADED] = call.steps.length > 0;
      span.setStatus({ code: STATUS_ERROR, message: event.errorType });
    }
    span.setAttributes(defined(attributes));
    span.end(hrTime(call.startedAt + event.durationMs));
  }

  breakerTransition(event: BreakerTransitionEvent): void {
    if (event.from === event.to) return;
    let span = this.incidents.get(event.provider);
    if (span === undefined) {
      if (event.to === 'closed') return;
      span = this.tracer.startSpan(
        `${A.BREAKER_SPAN} ${event.provider}`,
        {
          kind: SPAN_KIND_INTERNAL,
          startTime: hrTime(event.at),
          attributes: { [A.RL_PROVIDER]: event.provider },
        },
        this.api?.ROOT_CONTEXT,
      );
      this.incidents.set(event.provider, span);
    }
    span.addEvent(
      A.BREAKER_EVENT,
      { [A.RL_BREAKER_FROM]: event.from, [A.RL_BREAKER_TO]: event.to, [A.RL_BREAKER_REASON]: event.reason },
      hrTime(event.at),
    );
    span.setAttribute(A.RL_BREAKER_STATE, event.to);
    if (event.to === 'closed') {
      this.incidents.delete(event.provider);
      span.end(hrTime(event.at));
    }
  }

  /** Ends the spans of breaker incidents still open (the client stopped). */
  stop(at: number): void {
    for (const span of this.incidents.values()) span.end(hrTime(at));
    this.incidents.clear();
  }

  private startAttemptSpan(
    call: CallTracker,
    provider: { id: string },
    startedAt: number,
    attempt: AttemptState | undefined,
  ): SpanLike {
    const model = requestModelOf(provider);
    const api = this.api;
    const parent =
      api === undefined || call.span === undefined
        ? undefined
        : api.trace.setSpan(api.context.active(), call.span as never);
    const request = attempt?.request;
    const span = this.tracer.startSpan(
      model === undefined ? A.OPERATION_CHAT : `${A.OPERATION_CHAT} ${model}`,
      {
        kind: SPAN_KIND_CLIENT,
        startTime: hrTime(startedAt),
        attributes: defined({
          [A.GEN_AI_OPERATION]: A.OPERATION_CHAT,
          [A.GEN_AI_PROVIDER]: provider.id,
          [A.GEN_AI_REQUEST_MODEL]: model,
          [A.GEN_AI_REQUEST_MAX_TOKENS]: request === undefined ? undefined : outputTokenLimit(request),
          [A.GEN_AI_REQUEST_TEMPERATURE]: request?.temperature,
          [A.RL_PROVIDER]: provider.id,
          [A.RL_ATTEMPT]: attempt?.attempt,
        }),
      },
      parent,
    );
    if (this.captureContent && request !== undefined) {
      const input = request.messages.map((m) => ({
        role: m.role,
        parts: messageParts(m),
      }));
      span.setAttribute(A.GEN_AI_INPUT_MESSAGES, JSON.stringify(input));
    }
    return span;
  }
}
