/**
 * Implementations named by the request-lifecycle statechart: actor slots the runtime fills, guards, actions
 * and delays. Every one is named so it shows in `machine.toJSON()` and on the inspector's diagram.
 */
import { assign, fromCallback, fromPromise, setup } from 'xstate';
import {
  canHedge,
  canRaceAfterFailure,
  canRetryBesideHedge,
  canStartRace,
  hedgeAnswerUpdate,
  hedgeFailureUpdate,
  hedgeRefusedUpdate,
  primaryAnswerUpdate,
  retryBesideHedgeUpdate,
  withHedgeStopped,
  yieldToHedgeUpdate,
} from './hedge-logic.js';
import {
  answerUpdate,
  attemptsAtDeadline,
  attemptsMadeOn,
  canBackoff,
  canReprompt,
  canResumeStream,
  canRetryTimeout,
  canRewrite,
  canTruncate,
  failureUpdate,
  finalError,
  machineError,
  plannedBackoffMs,
  repromptRequest,
  resumeRequest,
  streamCommitted,
  timeoutUpdate,
  toFailure,
  withAttempt,
  withDecision,
  withRecords,
} from './request-logic.js';
import type {
  AttemptDecision,
  CacheOutput,
  CallInput,
  CallOutput,
  HedgeInput,
  PrepareOutput,
  ReadCacheInput,
  RequestContext,
  RequestEvent,
  RequestInput,
  RequestOutput,
  RewriteInput,
  RewriteOutput,
  SelectOutput,
  SimplifiedInput,
  SimplifiedOutput,
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

/**
 * Placeholder for a synchronous step the runtime must supply: an entry action that raises the step's
 * `*.done` (or `*.failed`) event. A test can leave it a no-op and send those events itself.
 */
function requiredStep(name: string) {
  return (_args: unknown, _params: undefined): void => {
    throw new Error(
      `requestMachine: action "${name}" was not provided; supply it with machine.provide({ actions })`,
    );
  };
}

const outputOf = <T>(event: unknown): T => (event as { output: T }).output;
/** The failure a step reported (`prepare.failed`, `validate.failed`). */
const failureOf = (event: unknown, context: RequestContext) =>
  toFailure((event as { failure: unknown }).failure, context.clockMs);

/** Typed setup shared by `requestMachine`. */
export const requestSetup = setup({
  types: {
    context: {} as RequestContext,
    events: {} as RequestEvent,
    input: {} as RequestInput,
    output: {} as RequestOutput,
  },
  actors: {
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
    /**
     * Starts a hedge on another provider, reporting `hedge.started` (or `hedge.refused`), then `hedge.answered`
     * or `hedge.failed`, to the parent; stopping it aborts the hedge's provider call.
     */
    hedgeProvider: fromCallback<RequestEvent, HedgeInput>(() => {
      throw new Error(
        'requestMachine: actor "hedgeProvider" was not provided; supply it with machine.provide({ actors })',
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
    isCallMode: ({ context }) => context.mode === 'call',
    hasStreamed: ({ context }) => context.streamedText.length > 0,
    streamCommitted: ({ context }) => streamCommitted(context),
    canResumeStream: ({ context }) => canResumeStream(context),
    canHedge: ({ context }) => canHedge(context),
    canStartRace: ({ context }) => canStartRace(context),
    canRaceAfterFailure: ({ context }) => canRaceAfterFailure(context),
    canRetryBesideHedge: ({ context, event }) =>
      event.type === 'attempt.failed' && canRetryBesideHedge(context, failureOf(event, context).error),
    hedgeInFlight: ({ context }) => context.hedge !== null,
    primaryRunning: ({ context }) => context.primaryRunning,
  },
  actions: {
    /** Selects the next provider and raises `select.done` (runtime-supplied; synchronous). */
    selectProvider: requiredStep('selectProvider'),
    /** Checks the request against the provider's context window, raising `prepare.done` or `prepare.failed`. */
    prepareRequest: requiredStep('prepareRequest'),
    /** Checks the answer against the caller's schema, raising `validate.done` or `validate.failed`. */
    validateOutput: requiredStep('validateOutput'),
    /**
     * Starts the attempt's provider call (entry of `attempting`); the runtime sends `attempt.done` or
     * `attempt.failed` when it settles, and nothing once `stopAttempt` stopped it.
     */
    callProvider: requiredStep('callProvider'),
    /** Stops the attempt if it still runs (exit of `attempting`): aborts its call. A no-op by default. */
    stopAttempt: () => {},
    useSelectedProvider: assign(({ context, event }) => {
      const out = outputOf<SelectOutput>(event);
      return {
        provider: out.provider,
        alternatives: out.alternatives ?? Math.max(0, context.providerCount - context.excluded.length - 1),
        attempts: withRecords(context.attempts, out.skipped),
        clockMs: out.at,
        attemptsOnProvider:
          context.attempts.length === 0 ? 0 : attemptsMadeOn(context.attempts, out.provider?.id),
        timeoutsOnProvider: 0,
        truncated: false,
        lastError: null,
        previousBackoffMs: null,
      };
    }),
    recordSkipped: assign(({ context, event }) => {
      const out = outputOf<SelectOutput>(event);
      return { attempts: withRecords(context.attempts, out.skipped), clockMs: out.at };
    }),
    usePreparedRequest: assign(({ context, event }) => {
      const out = outputOf<PrepareOutput>(event);
      return { request: out.request, truncated: context.truncated || out.truncated, clockMs: out.at };
    }),
    recordPrepareFailure: assign(({ context, event }) => {
      const failure = failureOf(event, context);
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
      attemptDeadlineAt: context.clockMs + context.settings.attemptMs,
      attemptText: '',
      attemptToolCalls: false,
      hedge: null,
      primaryRunning: true,
    })),
    /** A hedge is being started: it counts against `maxHedges` whether it starts or is refused. */
    countHedge: assign(({ context }) => ({ hedges: context.hedges + 1 })),
    /**
     * A race is over: its hedge was started and decided or refused, or the attempt it was planned for ended first.
     * The next hedge of the call, if any, is a latency hedge.
     */
    endRace: assign({ raceNow: false }),
    useHedgeProvider: assign(({ context, event }) =>
      event.type === 'hedge.started'
        ? {
            hedge: {
              provider: event.provider,
              startedAt: event.at,
              deadlineAt: context.attemptDeadlineAt,
            },
            totalAttempts: context.totalAttempts + 1,
            clockMs: event.at,
          }
        : {},
    ),
    recordHedgeRefused: assign(({ context, event }) => hedgeRefusedUpdate(context, event)),
    useHedgeAnswer: assign(({ context, event }) =>
      event.type === 'hedge.answered' ? hedgeAnswerUpdate(context, event.output) : {},
    ),
    recordHedgeFailure: assign(({ context, event }) =>
      event.type === 'hedge.failed'
        ? hedgeFailureUpdate(context, toFailure(event.failure, context.clockMs))
        : {},
    ),
    yieldToHedge: assign(({ context, event }) => yieldToHedgeUpdate(context, failureOf(event, context))),
    retryBesideHedge: assign(({ context, event }) =>
      retryBesideHedgeUpdate(context, failureOf(event, context)),
    ),
    planRace: assign({ raceNow: true }),
    recordToken: assign(({ context, event }) => {
      if (event.type !== 'stream.token') return {};
      if (event.tool) return { attemptToolCalls: true, clockMs: event.at };
      return {
        attemptText: context.attemptText + event.text,
        streamedText: context.streamedText + event.text,
        clockMs: event.at,
      };
    }),
    recordStreamEnd: assign(({ context, event }) =>
      event.type === 'stream.end' ? answerUpdate(context, event.output, context.streamedText) : {},
    ),
    recordStreamFailure: assign(({ context, event }) =>
      event.type === 'stream.failed' ? failureUpdate(context, toFailure(event.failure, context.clockMs)) : {},
    ),
    recordStreamTimeout: assign(({ context }, params: { code: 'first_token_timeout' | 'stream_idle' }) => {
      const provider = context.provider?.id ?? '?';
      const first = params.code === 'first_token_timeout';
      const waited = first ? context.settings.firstTokenMs : context.settings.idleMs;
      const what = first ? 'No first token' : 'The stream stalled';
      const at = Math.max(context.clockMs, context.attemptStartedAt) + waited;
      return timeoutUpdate(context, params.code, `${what} from ${provider} within ${waited} ms.`, at);
    }),
    carryPartialAnswer: assign(({ context }) => {
      const request = resumeRequest(context);
      return { base: request, request, attemptText: '' };
    }),
    recordAnswer: assign(({ context, event }) => primaryAnswerUpdate(context, outputOf<CallOutput>(event))),
    recordFailure: assign(({ context, event }) => failureUpdate(context, failureOf(event, context))),
    recordTimeout: assign(({ context }) => {
      const provider = context.provider?.id ?? '?';
      const { attemptMs } = context.settings;
      const message = `Attempt on ${provider} exceeded ${attemptMs} ms.`;
      // The window's end: a hedge carrying on alone, or a retry started beside it, is cut when the attempt
      // they raced would have timed out.
      const at = context.attemptDeadlineAt;
      const attempts = withHedgeStopped(context, at, 'attempt_timeout');
      return { ...timeoutUpdate({ ...context, attempts }, 'attempt_timeout', message, at), hedge: null };
    }),
    recordInvalidOutput: assign(({ context, event }) => {
      const failure = failureOf(event, context);
      const last = context.attempts.at(-1);
      const attempts = last
        ? [
            ...context.attempts.slice(0, -1),
            {
              ...last,
              outcome: failure.error.type,
              decision: 'fail' as const,
              message: failure.error.message,
              ...(failure.validation !== undefined ? { issues: failure.validation } : {}),
            },
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
      attempts: attemptsAtDeadline(
        { ...context, attempts: withHedgeStopped(context, context.deadlineAt, 'total_deadline') },
        context.deadlineAt,
      ),
      hedge: null,
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
      return { clockMs: out.at, answer: out.answer, attempts: withRecords(context.attempts, out.attempts) };
    }),
    recordSimplifiedAttempts: assign(({ context, event }) => {
      const out = outputOf<SimplifiedOutput>(event);
      return { clockMs: out.at, attempts: withRecords(context.attempts, out.attempts) };
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
    /** How long the attempt runs alone before a latency hedge starts (a race after a failure waits for none). */
    hedgeDelay: ({ context }) => context.settings.hedging?.delayMs ?? context.settings.attemptMs,
  },
});
