/**
 * One observed call: its attempts as the provider wrapper saw them start and answer, matched to the
 * statechart's attempt records once those are final, and turned into attempt, decision and result events for
 * the sinks (hooks, traces, metrics). Records are the truth about outcomes and decisions; the wrapper adds
 * what only the provider call knows (model, usage, HTTP status, first token) and the live span.
 */
import type { AttemptRecord } from '../../machines/request-types.js';
import type { CallResult } from '../client/call-request.js';
import type { CallObservation, StepInfo } from '../client/observer.js';
import type { Clock } from '../clock.js';
import { LLMError } from '../errors/llm-error.js';
import type { LLMRequest, Provider, ProviderResult, Usage } from '../types.js';
import type { AttemptEvent, DecisionEvent, ResultEvent, SpanLike } from './types.js';

/** An attempt as the provider wrapper saw it. */
export interface AttemptState {
  readonly provider: Provider;
  readonly attempt: number;
  readonly startedAt: number;
  readonly request: LLMRequest;
  span: SpanLike | undefined;
  matched: boolean;
  model?: string | undefined;
  usage?: Usage | undefined;
  finishReason?: string | undefined;
  status?: number | undefined;
  text?: string | undefined;
  firstTokenAt?: number | undefined;
}

/** Receives a call's events; each sink keeps what it needs on the call and attempt states. */
export interface CallSink {
  callStarted(call: CallTracker): void;
  attemptStarted(call: CallTracker, attempt: AttemptState): void;
  attemptEnded(call: CallTracker, attempt: AttemptState | undefined, event: AttemptEvent): void;
  decision(call: CallTracker, event: DecisionEvent): void;
  callEnded(call: CallTracker, event: ResultEvent): void;
}

const DEGRADATION_STEPS = new Set(['cache', 'simplified', 'fallback']);

/** The tracker of one call. */
export class CallTracker implements CallObservation {
  span: SpanLike | undefined = undefined;
  /** Attempts counted (skips excluded), and the degradation steps taken, in order. */
  attemptCount = 0;
  readonly steps: Array<'cache' | 'simplified' | 'fallback'> = [];
  private readonly open: AttemptState[] = [];
  private emitted = 0;
  private done = false;

  constructor(
    readonly requestId: string,
    readonly mode: 'call' | 'stream',
    readonly startedAt: number,
    readonly request: LLMRequest,
    private readonly sinks: readonly CallSink[],
    private readonly clock: Clock,
    private readonly release: (call: CallTracker) => void,
    /** The call's `metadata`, copied onto every event. */
    readonly metadata?: Record<string, unknown>,
  ) {
    for (const sink of sinks) sink.callStarted(this);
  }

  /** The wrapper is about to call `provider`. */
  attemptStarted(provider: Provider, attempt: number, request: LLMRequest): AttemptState {
    const state: AttemptState = {
      provider,
      attempt,
      startedAt: this.clock.now(),
      request,
      span: undefined,
      matched: false,
    };
    this.open.push(state);
    for (const sink of this.sinks) sink.attemptStarted(this, state);
    return state;
  }

  /** The provider answered. */
  answered(state: AttemptState, result: ProviderResult | undefined): void {
    state.model = result?.model;
    state.usage = result?.usage;
    state.finishReason = result?.finishReason;
    state.text = result?.text;
  }

  step(attempts: readonly AttemptRecord[], info: StepInfo): void {
    if (this.done) return;
    let end = attempts.length;
    // An answer's record turns into `invalid_response` if validation fails: final only once validated.
    if (info.active && end > this.emitted && attempts[end - 1]?.outcome === 'success') end--;
    for (let i = this.emitted; i < end; i++) {
      const record = attempts[i] as AttemptRecord;
      const last = i === attempts.length - 1;
      this.record(record, last && record.decision === 'backoff' ? info.backoffMs : undefined);
    }
    this.emitted = Math.max(this.emitted, end);
    const step = info.degrading;
    if (step !== undefined && DEGRADATION_STEPS.has(step)) this.degrade(step as 'cache');
  }

  /** A degradation step (the fallback's state is passed through at once, so it is seen in the result). */
  private degrade(step: 'cache' | 'simplified' | 'fallback'): void {
    if (this.steps.at(-1) === step) return;
    this.steps.push(step);
    this.emitDecision({ requestId: this.requestId, decision: 'degrade', at: this.clock.now(), step });
  }

  succeeded(result: CallResult<unknown>): void {
    if (this.done) return;
    this.step(result.attempts, { active: false, backoffMs: 0, degrading: undefined });
    if (result.source !== 'primary') this.degrade(result.source);
    this.finish(undefined, {
      requestId: this.requestId,
      mode: this.mode,
      durationMs: this.clock.now() - this.startedAt,
      ok: true,
      result,
      source: result.source,
      provider: result.provider,
    });
  }

  failed(thrown: LLMError): void {
    if (this.done) return;
    const error = LLMError.is(thrown) ? thrown : new LLMError({ type: 'unknown', cause: thrown });
    this.finish(error, {
      requestId: this.requestId,
      mode: this.mode,
      durationMs: this.clock.now() - this.startedAt,
      ok: false,
      error,
      errorType: error.type,
    });
  }

  private finish(error: LLMError | undefined, event: ResultEvent): void {
    this.done = true;
    this.release(this);
    if (this.metadata !== undefined) event.metadata = this.metadata;
    // Attempts still running when the call settled (its deadline, an abort): judged by the call's end.
    const now = this.clock.now();
    for (const state of this.open) {
      if (state.matched) continue;
      state.matched = true;
      this.endAttempt(state, {
        requestId: this.requestId,
        provider: state.provider.id,
        attempt: state.attempt,
        phase: 'primary',
        outcome: error ? error.type : 'timeout',
        decision: error ? 'fail' : 'degrade',
        startedAt: state.startedAt,
        durationMs: now - state.startedAt,
      });
    }
    for (const sink of this.sinks) sink.callEnded(this, event);
  }

  private record(record: AttemptRecord, delayMs: number | undefined): void {
    const at = record.startedAt + record.durationMs;
    if (record.outcome !== 'skipped') {
      const state = this.open.find(
        (s) => !s.matched && s.provider.id === record.provider && s.attempt === record.attempt,
      );
      if (state) state.matched = true;
      const event: AttemptEvent = {
        requestId: this.requestId,
        provider: record.provider,
        attempt: record.attempt,
        phase: record.phase ?? 'primary',
        outcome: record.outcome,
        decision: record.decision,
        startedAt: record.startedAt,
        durationMs: record.durationMs,
      };
      if (record.code !== undefined) event.code = record.code;
      if (record.retryAfterMs !== undefined) event.retryAfterMs = record.retryAfterMs;
      this.endAttempt(state, event);
    }
    const decision: DecisionEvent = {
      requestId: this.requestId,
      decision: record.decision,
      at,
      provider: record.provider,
      attempt: record.attempt,
      outcome: record.outcome,
    };
    if (record.code !== undefined) decision.code = record.code;
    if (delayMs !== undefined) decision.delayMs = delayMs;
    this.emitDecision(decision);
  }

  private endAttempt(state: AttemptState | undefined, event: AttemptEvent): void {
    this.attemptCount++;
    if (this.metadata !== undefined) event.metadata = this.metadata;
    if (state !== undefined) {
      if (state.model !== undefined) event.model = state.model;
      if (state.usage !== undefined) event.usage = state.usage;
      if (state.status !== undefined && event.outcome !== 'success') event.status = state.status;
      if (state.firstTokenAt !== undefined) event.timeToFirstTokenMs = state.firstTokenAt - state.startedAt;
    }
    for (const sink of this.sinks) sink.attemptEnded(this, state, event);
  }

  private emitDecision(event: DecisionEvent): void {
    if (this.metadata !== undefined) event.metadata = this.metadata;
    for (const sink of this.sinks) sink.decision(this, event);
  }
}
