/**
 * Pure decision logic of the request lifecycle: guard predicates and context updates. Kept apart from the
 * statechart so each rule reads as one small function; `request.ts` names them in `setup()`.
 */

import { jitteredDelay } from './backoff-logic.js';
import type {
  ActorFailure,
  AnswerInfo,
  AttemptDecision,
  AttemptRecord,
  CallOutput,
  RequestContext,
  RequestInput,
} from './request-types.js';
import type { LLMErrorType, LLMRequest, SerializedLLMError } from './vocabulary.js';

/** Error types worth waiting for on the same provider (rate limits always; server errors when no other provider is left). */
const BACKOFF_TYPES: ReadonlySet<LLMErrorType> = new Set(['rate_limit', 'provider_error', 'unknown']);

/** Builds the initial context from the input. */
export function initialContext(input: RequestInput): RequestContext {
  // Field by field, not a spread of `input`: one object shape for every call's context.
  return {
    requestId: input.requestId,
    request: input.request,
    settings: input.settings,
    features: input.features,
    providerCount: input.providerCount,
    startedAt: input.startedAt,
    fallback: input.fallback,
    mode: input.mode,
    metadata: input.metadata,
    deadlineAt: input.startedAt + input.settings.totalMs,
    clockMs: input.startedAt,
    base: input.request,
    provider: null,
    alternatives: Math.max(0, input.providerCount - 1),
    excluded: [],
    attemptsOnProvider: 0,
    timeoutsOnProvider: 0,
    truncated: false,
    rewritten: false,
    reprompts: 0,
    totalAttempts: 0,
    attemptStartedAt: input.startedAt,
    attemptDeadlineAt: input.startedAt + input.settings.attemptMs,
    lastText: null,
    lastValidation: null,
    lastError: null,
    deadlinePassed: false,
    attempts: [],
    answer: null,
    error: null,
    streamedText: '',
    attemptText: '',
    attemptToolCalls: false,
    backoffMs: 0,
    previousBackoffMs: null,
    draw: 0.5,
    hedge: null,
    hedges: 0,
    primaryRunning: true,
    raceNow: false,
  };
}

/** Reads whatever an actor rejected with as an {@link ActorFailure}; foreign throws become `unknown`. */
export function toFailure(thrown: unknown, fallbackAt: number): ActorFailure {
  if (typeof thrown === 'object' && thrown !== null) {
    const candidate = thrown as Partial<ActorFailure>;
    if (
      typeof candidate.error === 'object' &&
      candidate.error !== null &&
      typeof candidate.error.type === 'string'
    ) {
      const failure: ActorFailure = {
        error: candidate.error,
        at: typeof candidate.at === 'number' ? candidate.at : fallbackAt,
      };
      if (typeof candidate.validation === 'string') failure.validation = candidate.validation;
      if (typeof candidate.draw === 'number' && candidate.draw >= 0 && candidate.draw < 1)
        failure.draw = candidate.draw;
      return failure;
    }
  }
  const message = thrown instanceof Error ? thrown.message : 'actor failed';
  return { error: { name: 'LLMError', type: 'unknown', message, retryable: false }, at: fallbackAt };
}

/** A serialized error built by the machine itself (timeouts, aborts, exhaustion). */
export function machineError(
  type: LLMErrorType,
  message: string,
  extra: Partial<SerializedLLMError> = {},
): SerializedLLMError {
  return { name: 'LLMError', type, message, retryable: type === 'timeout', ...extra };
}

/** Ms left before the whole-call deadline, as far as the machine knows. */
export function remainingMs(context: RequestContext): number {
  return context.deadlineAt - context.clockMs;
}

/** The machine's own backoff: exponential without jitter, Retry-After first. The runtime adds jitter. */
export function plainBackoffMs(context: RequestContext): number {
  const hinted = context.lastError?.retryAfterMs;
  if (hinted !== undefined) return hinted;
  const { baseMs, maxMs } = context.settings;
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, context.attemptsOnProvider - 1));
}

/** The exact wait of the next backoff: the provider's Retry-After, else jitter from the failure's draw. */
export function plannedBackoffMs(context: RequestContext): number {
  const hinted = context.lastError?.retryAfterMs;
  if (hinted !== undefined) return Math.ceil(hinted);
  return jitteredDelay(
    Math.max(1, context.attemptsOnProvider),
    context.settings,
    context.previousBackoffMs ?? undefined,
    context.draw,
  );
}

/** True when the last error is of the given type. */
export function lastErrorIs(context: RequestContext, type: LLMErrorType): boolean {
  return context.lastError?.type === type;
}

/**
 * Waiting on this provider makes sense: a backoff-worthy error, attempts and time left, and no other provider
 * able to take the call now.
 */
export function canBackoff(context: RequestContext): boolean {
  const error = context.lastError;
  if (!error || !BACKOFF_TYPES.has(error.type) || !error.retryable) return false;
  if (context.attemptsOnProvider >= context.settings.maxAttempts) return false;
  // Server errors fail over while another provider may answer; they are retried only on the last resort.
  // Waiting only makes sense when no other provider can answer now: a healthy alternative beats a wait.
  // Rate limits may be configured to wait anyway (`rateLimitWait: 'always'`).
  const alwaysWait = error.type === 'rate_limit' && context.settings.rateLimitWait === 'always';
  if (!alwaysWait && !isLastResort(context)) return false;
  return plainBackoffMs(context) < remainingMs(context);
}

/** After a timeout, one more try on the same provider (bounded by `timeoutRetries` and attempts). */
export function canRetryTimeout(context: RequestContext): boolean {
  return (
    lastErrorIs(context, 'timeout') &&
    context.timeoutsOnProvider <= context.settings.timeoutRetries &&
    context.attemptsOnProvider < context.settings.maxAttempts &&
    context.settings.attemptMs < remainingMs(context)
  );
}

/** No provider besides the current one could take the call (as of its selection). */
export function isLastResort(context: RequestContext): boolean {
  return context.alternatives <= 0;
}

/** Invalid output with a schema and re-prompts left. */
export function canReprompt(context: RequestContext): boolean {
  return (
    lastErrorIs(context, 'invalid_response') &&
    context.features.schema &&
    context.lastText !== null &&
    context.reprompts < context.settings.maxReprompts
  );
}

/** A content filter hit and a rewrite hook not used yet. */
export function canRewrite(context: RequestContext): boolean {
  return lastErrorIs(context, 'content_filtered') && context.features.rewrite && !context.rewritten;
}

/** Context too long and truncation possible (declared window or a user hook), not yet tried here. */
export function canTruncate(context: RequestContext): boolean {
  const knowsWindow = context.provider?.contextWindow !== undefined || context.features.truncate;
  return lastErrorIs(context, 'context_length') && knowsWindow && !context.truncated;
}

/**
 * The attempts once the total deadline has passed at `at`: an attempt still in flight (started, no record yet)
 * is recorded as a `timeout` with code `total_deadline`, so the cut attempt shows in `attempts`.
 */
export function attemptsAtDeadline(context: RequestContext, at: number): AttemptRecord[] {
  const provider = context.provider?.id;
  if (provider === undefined || context.attemptsOnProvider === 0) return context.attempts;
  const recorded = context.attempts.some(
    (a) =>
      a.provider === provider &&
      a.attempt === context.attemptsOnProvider &&
      a.startedAt === context.attemptStartedAt,
  );
  if (recorded) return context.attempts;
  return withTimedOutAttempt(context, provider, 'total_deadline', at);
}

/** The attempts with the current attempt on `provider` recorded as a `timeout` (`code`) ending at `at`. */
function withTimedOutAttempt(
  context: RequestContext,
  provider: string,
  code: string,
  at: number,
): AttemptRecord[] {
  return withAttempt(context, {
    provider,
    attempt: context.attemptsOnProvider,
    startedAt: context.attemptStartedAt,
    durationMs: at - context.attemptStartedAt,
    outcome: 'timeout',
    decision: 'fail',
    code,
  });
}

/** Appends an attempt record. */
export function withAttempt(context: RequestContext, record: AttemptRecord): AttemptRecord[] {
  return [...context.attempts, record];
}

/**
 * Attempts the call has already made on `provider` (skips and refusals are not attempts). A provider chosen
 * again after its hedge failed goes on from this count, so a call never makes more than `maxAttempts` on one.
 */
export function attemptsMadeOn(attempts: readonly AttemptRecord[], provider: string | undefined): number {
  let made = 0;
  for (const a of attempts) if (a.provider === provider && a.attempt > 0 && a.outcome !== 'skipped') made++;
  return made;
}

/** Appends `records` (the same array when there are none: no copy per step). */
export function withRecords(attempts: AttemptRecord[], records: readonly AttemptRecord[]): AttemptRecord[] {
  return records.length === 0 ? attempts : [...attempts, ...records];
}

/** Sets the decision of the latest attempt record. */
export function withDecision(attempts: AttemptRecord[], decision: AttemptDecision): AttemptRecord[] {
  const last = attempts.at(-1);
  if (!last || last.outcome === 'skipped') return attempts;
  return [...attempts.slice(0, -1), { ...last, decision }];
}

/** The request for a re-prompt: the base request plus the bad answer and what was wrong with it. */
export function repromptRequest(context: RequestContext): LLMRequest {
  const feedback =
    'Your previous answer did not match the required format.\n' +
    `${context.lastValidation ?? 'It was not valid JSON.'}\n` +
    'Reply again with only the corrected JSON, no prose and no code fences.';
  return {
    ...context.base,
    messages: [
      ...context.base.messages,
      { role: 'assistant', content: context.lastText ?? '' },
      { role: 'user', content: feedback },
    ],
  };
}

/** The error a failed call ends with: the last real error, else why no provider could be tried. */
export function finalError(context: RequestContext): SerializedLLMError {
  if (context.lastError) return context.lastError;
  const skipped = context.attempts.filter((a) => a.outcome === 'skipped');
  if (skipped.length > 0) {
    const waits = skipped.map((a) => a.retryAfterMs).filter((ms): ms is number => ms !== undefined);
    return machineError('provider_error', 'Every provider is unavailable (circuit open or disabled).', {
      code: 'circuit_open',
      retryable: false,
      ...(waits.length > 0 ? { retryAfterMs: Math.min(...waits) } : {}),
    });
  }
  return machineError('provider_error', 'No provider is configured or enabled.', {
    code: 'no_provider',
    retryable: false,
  });
}

/** Streaming: tokens or tool-call events of this attempt already reached the caller, so a plain retry would repeat them. */
export function streamCommitted(context: RequestContext): boolean {
  return context.mode === 'stream' && (context.attemptText.length > 0 || context.attemptToolCalls);
}

/** Streaming: a broken stream continues on the next provider when asked, unless it broke within tool calls. */
export function canResumeStream(context: RequestContext): boolean {
  return context.features.resumeStream && context.alternatives > 0 && !context.attemptToolCalls;
}

/** The request for resuming a broken stream elsewhere: the base request plus the partial answer. */
export function resumeRequest(context: RequestContext): LLMRequest {
  return {
    ...context.base,
    messages: [
      ...context.base.messages,
      { role: 'assistant', content: context.streamedText },
      {
        role: 'user',
        content: 'Your answer was cut off. Continue exactly where it stopped, without repeating anything.',
      },
    ],
  };
}

/**
 * The answer of a successful attempt on `provider` (data not yet validated). One builder for the statechart's
 * success path and the runtime's fast path.
 */
export function primaryAnswer(provider: string, out: Omit<CallOutput, 'at'>, text = out.text): AnswerInfo {
  const answer: AnswerInfo = { text, data: null, source: 'primary', provider };
  if (out.model !== undefined) answer.model = out.model;
  if (out.usage !== undefined) answer.usage = out.usage;
  if (out.toolCalls?.length) answer.toolCalls = out.toolCalls;
  if (out.finishReason !== undefined) answer.finishReason = out.finishReason;
  return answer;
}

/** The attempt record of a success: `attempt` on `provider`, from `startedAt` to `at`. */
export function successRecord(
  provider: string,
  attempt: number,
  startedAt: number,
  at: number,
): AttemptRecord {
  return {
    provider,
    attempt,
    startedAt,
    durationMs: at - startedAt,
    outcome: 'success',
    decision: 'succeeded',
  };
}

/** Context changes for a finished attempt that produced `text` (a whole answer or a completed stream). */
export function answerUpdate(
  context: RequestContext,
  out: CallOutput,
  text: string,
): Partial<RequestContext> {
  const provider = context.provider?.id ?? '?';
  return {
    lastText: text,
    clockMs: out.at,
    answer: primaryAnswer(provider, out, text),
    attempts: withAttempt(context, {
      ...successRecord(provider, context.attemptsOnProvider, context.attemptStartedAt, out.at),
      ...(out.model !== undefined ? { model: out.model } : {}),
      ...(out.usage !== undefined ? { usage: out.usage } : {}),
    }),
  };
}

/** Context changes for an attempt that failed with `failure` (its decision is set by `deciding`). */
export function failureUpdate(context: RequestContext, failure: ActorFailure): Partial<RequestContext> {
  return {
    lastError: failure.error,
    clockMs: failure.at,
    draw: failure.draw ?? 0.5,
    attempts: withAttempt(context, {
      provider: context.provider?.id ?? '?',
      attempt: context.attemptsOnProvider,
      startedAt: context.attemptStartedAt,
      durationMs: failure.at - context.attemptStartedAt,
      outcome: failure.error.type,
      decision: 'fail',
      ...(failure.error.code ? { code: failure.error.code } : {}),
      ...(failure.error.retryAfterMs !== undefined ? { retryAfterMs: failure.error.retryAfterMs } : {}),
      ...(failure.error.model !== undefined ? { model: failure.error.model } : {}),
      ...(failure.error.message ? { message: failure.error.message } : {}),
    }),
  };
}

/** Context changes for an attempt that ran out of time at `at` (attempt, first-token or idle deadline). */
export function timeoutUpdate(
  context: RequestContext,
  code: string,
  message: string,
  at: number,
): Partial<RequestContext> {
  const provider = context.provider?.id ?? '?';
  return {
    lastError: machineError('timeout', message, { provider, code }),
    clockMs: at,
    timeoutsOnProvider: context.timeoutsOnProvider + 1,
    attempts: withTimedOutAttempt(context, provider, code, at),
  };
}
