/**
 * Implementations named by the request-lifecycle statechart: actor slots the runtime fills, guards, actions
 * and delays. Every one is named so it shows in `machine.toJSON()` and on the inspector's diagram.
 */
import { assign, fromCallback, fromPromise, setup } from 'xstate';
import {
  canBackoff,
  canReprompt,
  canRetryTimeout,
  canRewrite,
  canTruncate,
  finalError,
  machineError,
  plannedBackoffMs,
  repromptRequest,
  resumeRequest,
  streamCommitted,
  toFailure,
  withAttempt,
  withDecision,
} from './request-logic.js';
import type {
  AttemptDecision,
  CacheOutput,
  CallInput,
  CallOutput,
  PrepareInput,
  PrepareOutput,
  ReadCacheInput,
  RequestContext,
  RequestEvent,
  RequestInput,
  RequestOutput,
  RewriteInput,
  RewriteOutput,
  SelectInput,
  SelectOutput,
  SimplifiedInput,
  SimplifiedOutput,
  ValidateInput,
  ValidateOutput,
  WriteCacheInput,
} from './request-types.js';

/** Placeholder for an actor the runtime must supply. */
function required<TOutput, TInput>(name: string) {
  return fromPromise<TOutput, TInput>(async () => {
    throw new Error(
      `requestMachine: actor "${name}" was not provided; supply it with machine.provide({ actors })`,
    );
  });
}

const outputOf = <T>(event: unknown): T => (event as { output: T }).output;
const errorOf = (event: unknown, context: RequestContext) =>
  toFailure((event as { error: unknown }).error, context.clockMs);

/** Typed setup shared by `requestMachine`. */
export const requestSetup = setup({
  types: {
    context: {} as RequestContext,
    events: {} as RequestEvent,
    input: {} as RequestInput,
    output: {} as RequestOutput,
  },
  actors: {
    selectProvider: required<SelectOutput, SelectInput>('selectProvider'),
    prepareRequest: required<PrepareOutput, PrepareInput>('prepareRequest'),
    callProvider: required<CallOutput, CallInput>('callProvider'),
    validateOutput: required<ValidateOutput, ValidateInput>('validateOutput'),
    writeCache: required<void, WriteCacheInput>('writeCache'),
    readCache: required<CacheOutput, ReadCacheInput>('readCache'),
    rewritePrompt: required<RewriteOutput, RewriteInput>('rewritePrompt'),
    callSimplified: required<SimplifiedOutput, SimplifiedInput>('callSimplified'),
    /** Streams one attempt, reporting `stream.token`, then `stream.end` or `stream.failed`, to the parent. */
    streamProvider: fromCallback<RequestEvent, CallInput>(() => {
      throw new Error(
        'requestMachine: actor "streamProvider" was not provided; supply it with machine.provide({ actors })',
      );
    }),
  },
  guards: {
    foundProvider: ({ event }) => outputOf<SelectOutput>(event).provider !== null,
    isFailFast: ({ context }) => context.lastError?.type === 'bad_request',
    canReprompt: ({ context }) => canReprompt(context),
    canRewrite: ({ context }) => canRewrite(context),
    canTruncate: ({ context }) => canTruncate(context),
    canRetryTimeout: ({ context }) => canRetryTimeout(context),
    canBackoff: ({ context }) => canBackoff(context),
    /** The shared retry budget; the runtime provides the real one (default: always allows). */
    retryBudgetAllows: () => true,
    shouldCache: ({ context }) => context.features.cache && context.answer?.source === 'primary',
    hasCache: ({ context }) => context.features.cache,
    canSimplify: ({ context }) => context.features.simplified && !context.deadlinePassed,
    hasFallback: ({ context }) => context.fallback !== null,
    isCacheHit: ({ event }) => outputOf<CacheOutput>(event).hit !== null,
    gotSimplifiedAnswer: ({ event }) => outputOf<SimplifiedOutput>(event).answer !== null,
    gotRewrite: ({ event }) => outputOf<RewriteOutput>(event).request !== null,
    isStreamMode: ({ context }) => context.mode === 'stream',
    hasStreamed: ({ context }) => context.streamedText.length > 0,
    streamCommitted: ({ context }) => streamCommitted(context),
    canResumeStream: ({ context }) =>
      context.features.resumeStream && context.excluded.length + 1 < context.providerCount,
  },
  actions: {
    useSelectedProvider: assign(({ context, event }) => {
      const out = outputOf<SelectOutput>(event);
      return {
        provider: out.provider,
        attempts: [...context.attempts, ...out.skipped],
        clockMs: out.at,
        attemptsOnProvider: 0,
        timeoutsOnProvider: 0,
        truncated: false,
        lastError: null,
        previousBackoffMs: null,
      };
    }),
    recordSkipped: assign(({ context, event }) => {
      const out = outputOf<SelectOutput>(event);
      return { attempts: [...context.attempts, ...out.skipped], clockMs: out.at };
    }),
    usePreparedRequest: assign(({ context, event }) => {
      const out = outputOf<PrepareOutput>(event);
      return { request: out.request, truncated: context.truncated || out.truncated, clockMs: out.at };
    }),
    recordPrepareFailure: assign(({ context, event }) => {
      const failure = errorOf(event, context);
      return {
        lastError: failure.error,
        truncated: true,
        clockMs: failure.at,
        attempts: withAttempt(context, {
          provider: context.provider?.id ?? '?',
          attempt: context.attemptsOnProvider,
          startedAt: failure.at,
          durationMs: 0,
          outcome: failure.error.type,
          decision: 'fail',
          ...(failure.error.code ? { code: failure.error.code } : {}),
        }),
      };
    }),
    startAttempt: assign(({ context }) => ({
      attemptsOnProvider: context.attemptsOnProvider + 1,
      totalAttempts: context.totalAttempts + 1,
      attemptStartedAt: context.clockMs,
      attemptText: '',
    })),
    recordToken: assign(({ context, event }) => {
      if (event.type !== 'stream.token') return {};
      return {
        attemptText: context.attemptText + event.text,
        streamedText: context.streamedText + event.text,
        clockMs: event.at,
      };
    }),
    recordStreamEnd: assign(({ context, event }) => {
      if (event.type !== 'stream.end') return {};
      const out = event.output;
      const provider = context.provider?.id ?? '?';
      return {
        lastText: context.streamedText,
        clockMs: out.at,
        answer: {
          text: context.streamedText,
          data: null,
          source: 'primary' as const,
          provider,
          ...(out.model !== undefined ? { model: out.model } : {}),
          ...(out.usage !== undefined ? { usage: out.usage } : {}),
        },
        attempts: withAttempt(context, {
          provider,
          attempt: context.attemptsOnProvider,
          startedAt: context.attemptStartedAt,
          durationMs: out.at - context.attemptStartedAt,
          outcome: 'success',
          decision: 'succeeded',
        }),
      };
    }),
    recordStreamFailure: assign(({ context, event }) => {
      if (event.type !== 'stream.failed') return {};
      const failure = toFailure(event.failure, context.clockMs);
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
        }),
      };
    }),
    recordStreamTimeout: assign(({ context }, params: { code: 'first_token_timeout' | 'stream_idle' }) => {
      const provider = context.provider?.id ?? '?';
      const waited =
        params.code === 'first_token_timeout' ? context.settings.firstTokenMs : context.settings.idleMs;
      const at = Math.max(context.clockMs, context.attemptStartedAt) + waited;
      const what = params.code === 'first_token_timeout' ? 'No first token' : 'The stream stalled';
      return {
        lastError: machineError('timeout', `${what} from ${provider} within ${waited} ms.`, {
          provider,
          code: params.code,
        }),
        clockMs: at,
        timeoutsOnProvider: context.timeoutsOnProvider + 1,
        attempts: withAttempt(context, {
          provider,
          attempt: context.attemptsOnProvider,
          startedAt: context.attemptStartedAt,
          durationMs: at - context.attemptStartedAt,
          outcome: 'timeout',
          decision: 'fail',
          code: params.code,
        }),
      };
    }),
    carryPartialAnswer: assign(({ context }) => {
      const request = resumeRequest(context);
      return { base: request, request, attemptText: '' };
    }),
    recordAnswer: assign(({ context, event }) => {
      const out = outputOf<CallOutput>(event);
      const provider = context.provider?.id ?? '?';
      return {
        lastText: out.text,
        clockMs: out.at,
        answer: {
          text: out.text,
          data: null,
          source: 'primary' as const,
          provider,
          ...(out.model !== undefined ? { model: out.model } : {}),
          ...(out.usage !== undefined ? { usage: out.usage } : {}),
        },
        attempts: withAttempt(context, {
          provider,
          attempt: context.attemptsOnProvider,
          startedAt: context.attemptStartedAt,
          durationMs: out.at - context.attemptStartedAt,
          outcome: 'success',
          decision: 'succeeded',
        }),
      };
    }),
    recordFailure: assign(({ context, event }) => {
      const failure = errorOf(event, context);
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
        }),
      };
    }),
    recordTimeout: assign(({ context }) => {
      const at = context.attemptStartedAt + context.settings.attemptMs;
      const provider = context.provider?.id ?? '?';
      return {
        lastError: machineError(
          'timeout',
          `Attempt on ${provider} exceeded ${context.settings.attemptMs} ms.`,
          {
            provider,
            code: 'attempt_timeout',
          },
        ),
        clockMs: at,
        timeoutsOnProvider: context.timeoutsOnProvider + 1,
        attempts: withAttempt(context, {
          provider,
          attempt: context.attemptsOnProvider,
          startedAt: context.attemptStartedAt,
          durationMs: context.settings.attemptMs,
          outcome: 'timeout',
          decision: 'fail',
          code: 'attempt_timeout',
        }),
      };
    }),
    recordInvalidOutput: assign(({ context, event }) => {
      const failure = errorOf(event, context);
      const last = context.attempts.at(-1);
      const attempts = last
        ? [
            ...context.attempts.slice(0, -1),
            { ...last, outcome: failure.error.type, decision: 'fail' as const },
          ]
        : context.attempts;
      return {
        lastError: failure.error,
        lastValidation: failure.validation ?? failure.error.message,
        clockMs: failure.at,
        attempts,
        answer: null,
      };
    }),
    useValidatedData: assign(({ context, event }) => {
      const out = outputOf<ValidateOutput>(event);
      return { clockMs: out.at, answer: context.answer ? { ...context.answer, data: out.data } : null };
    }),
    decide: assign(({ context }, params: { decision: AttemptDecision }) => ({
      attempts: withDecision(context.attempts, params.decision),
    })),
    applyReprompt: assign(({ context }) => ({
      reprompts: context.reprompts + 1,
      request: repromptRequest(context),
    })),
    applyRewrite: assign(({ context, event }) => {
      const out = outputOf<RewriteOutput>(event);
      const request = out.request ?? context.base;
      return { base: request, request, rewritten: true, clockMs: out.at };
    }),
    planBackoff: assign(({ context }) => {
      const backoffMs = plannedBackoffMs(context);
      return { backoffMs, previousBackoffMs: backoffMs };
    }),
    /** The wait is over: the machine's time moves on by exactly the planned delay. */
    finishBackoff: assign(({ context }) => ({ clockMs: context.clockMs + context.backoffMs })),
    excludeProvider: assign(({ context }) => ({
      excluded: context.provider ? [...context.excluded, context.provider.id] : context.excluded,
    })),
    markDeadlinePassed: assign(({ context }) => ({
      deadlinePassed: true,
      clockMs: context.deadlineAt,
      lastError: machineError(
        'timeout',
        `The call exceeded its total deadline of ${context.settings.totalMs} ms.`,
        {
          code: 'total_deadline',
          retryable: false,
        },
      ),
    })),
    useCachedAnswer: assign(({ event }) => {
      const out = outputOf<CacheOutput>(event);
      const hit = out.hit;
      return {
        clockMs: out.at,
        answer: hit
          ? {
              text: hit.text,
              data: hit.data,
              source: 'cache' as const,
              provider: hit.provider,
              ...(hit.model ? { model: hit.model } : {}),
            }
          : null,
      };
    }),
    useSimplifiedAnswer: assign(({ context, event }) => {
      const out = outputOf<SimplifiedOutput>(event);
      return { clockMs: out.at, answer: out.answer, attempts: [...context.attempts, ...out.attempts] };
    }),
    recordSimplifiedAttempts: assign(({ context, event }) => {
      const out = outputOf<SimplifiedOutput>(event);
      return { clockMs: out.at, attempts: [...context.attempts, ...out.attempts] };
    }),
    useFallback: assign(({ context }) => ({
      answer: { text: context.fallback ?? '', data: null, source: 'fallback' as const },
    })),
    assignAborted: assign(({ context, event }) => {
      const abort = event.type === 'request.abort' ? event : undefined;
      const error = machineError('aborted', abort?.reason ?? 'The caller aborted the request.', {
        retryable: false,
      });
      return { clockMs: abort?.at ?? context.clockMs, lastError: error, error, answer: null };
    }),
    settleFailure: assign(({ context }) => {
      const error = context.error ?? finalError(context);
      return { error: streamCommitted(context) ? { ...error, retryable: false } : error, answer: null };
    }),
  },
  delays: {
    attemptTimeout: ({ context }) => context.settings.attemptMs,
    totalDeadline: ({ context }) => context.settings.totalMs,
    /** The planned backoff: Retry-After, else jitter computed from the failure's draw. */
    backoffDelay: ({ context }) => context.backoffMs,
    firstTokenTimeout: ({ context }) => context.settings.firstTokenMs,
    idleTimeout: ({ context }) => context.settings.idleMs,
  },
});
