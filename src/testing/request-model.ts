/**
 * A model of the request lifecycle for model-based testing: the events each state can receive (the done and
 * error events of its actors, its delays, the caller's abort) and a bounded serialization of what the guards
 * read. `modelPaths(requestMachine, { input, events: requestModelEvents, serializeState:
 * serializeRequestModelState })` explores it.
 */
import type { EventObject, SnapshotFrom } from 'xstate';
import { canHedge } from '../../machines/hedge-logic.js';
import type { requestMachine } from '../../machines/request.js';
import type { RequestContext, RequestFeatures, RequestInput } from '../../machines/request-types.js';
import { defaultRetryable, type LLMErrorType } from '../errors/llm-error.js';

type RequestSnapshot = SnapshotFrom<typeof requestMachine>;

/** Errors a provider call can end with, as the model sends them (`retryAfterMs` for rate limits). */
export const MODEL_PROVIDER_ERRORS: ReadonlyArray<{ type: LLMErrorType; retryAfterMs?: number }> = [
  { type: 'rate_limit', retryAfterMs: 100 },
  { type: 'rate_limit', retryAfterMs: 10_000_000 },
  { type: 'quota_exhausted' },
  { type: 'timeout' },
  { type: 'content_filtered' },
  { type: 'context_length' },
  { type: 'authentication' },
  { type: 'bad_request' },
  { type: 'provider_error' },
  { type: 'unknown' },
];

/** Error types after which the simplified prompt may still be answered by that provider. */
const SIMPLIFIABLE = new Set<string>(['context_length', 'content_filtered', 'invalid_response']);

/** The model's valid answer: text and parsed data. */
export const MODEL_ANSWER = { text: '{"answer":"42"}', data: { answer: '42' } } as const;

/** The model's hedge delay (ms): attempts that end while a hedge races them take longer than this. */
export const MODEL_HEDGE_DELAY_MS = 100;

/** A model input: 2 providers, small bounds, the given features (and hedging in the given mode). */
export function requestModelInput(
  features: Partial<RequestFeatures> & {
    fallback?: boolean;
    stream?: boolean;
    hedging?: 'latency' | 'on-failure' | 'both';
  } = {},
): RequestInput {
  const { fallback, stream, hedging, ...rest } = features;
  return {
    requestId: 'model',
    request: {
      messages: [
        { role: 'user', content: 'first question' },
        { role: 'user', content: 'second question' },
      ],
    },
    settings: {
      maxAttempts: 2,
      maxReprompts: 1,
      timeoutRetries: 1,
      attemptMs: 1_000,
      totalMs: 1_000_000,
      baseMs: 10,
      maxMs: 100,
      jitter: 'full',
      rateLimitWait: 'lastResort',
      firstTokenMs: 1_000,
      idleMs: 1_000,
      hedging: hedging ? { mode: hedging, maxHedges: 1, delayMs: MODEL_HEDGE_DELAY_MS } : null,
    },
    features: {
      schema: false,
      cache: false,
      simplified: false,
      rewrite: false,
      truncate: false,
      resumeStream: false,
      ...rest,
    },
    mode: stream ? 'stream' : 'call',
    providerCount: 2,
    startedAt: 0,
    fallback: fallback ? 'fallback answer' : null,
  };
}

const done = (id: string, output: unknown): EventObject =>
  ({ type: `xstate.done.actor.${id}`, output }) as EventObject;
/** A failure as actors and the attempt report it; `extra` goes on the error (a rate limit's `retryAfterMs`). */
const failureWith = (
  context: RequestContext,
  type: LLMErrorType,
  extra: Record<string, unknown> = {},
  failure: Record<string, unknown> = {},
) => ({
  error: { name: 'LLMError', type, message: type, retryable: defaultRetryable[type], ...extra },
  at: context.clockMs,
  ...failure,
});
const failed = (
  id: string,
  context: RequestContext,
  type: LLMErrorType,
  extra: Record<string, unknown> = {},
  failure: Record<string, unknown> = {},
): EventObject =>
  ({ type: `xstate.error.actor.${id}`, error: failureWith(context, type, extra, failure) }) as EventObject;
/** The attempt's outcome events (`attempt.done`, `attempt.failed`), as `callProvider` sends them. */
const attemptDone = (output: unknown): EventObject => ({ type: 'attempt.done', output }) as EventObject;
const attemptFailed = (
  context: RequestContext,
  type: LLMErrorType,
  extra: Record<string, unknown> = {},
  failure: Record<string, unknown> = {},
): EventObject =>
  ({ type: 'attempt.failed', failure: failureWith(context, type, extra, failure) }) as EventObject;

/** What a synchronous step raises: `select.done`, `prepare.done`, `validate.done`. */
const stepDone = (type: string, output: unknown): EventObject => ({ type, output }) as EventObject;
/** A failed step's event (`prepare.failed`, `validate.failed`), carrying the failure as actors report it. */
const stepFailed = (
  type: string,
  context: RequestContext,
  errorType: LLMErrorType,
  failure: Record<string, unknown> = {},
): EventObject => ({ type, failure: { ...failedWith(context, errorType), ...failure } }) as EventObject;

/** The failure an actor reports, as it travels on a `*.failed` event. */
function failedWith(context: RequestContext, type: LLMErrorType) {
  return {
    error: { name: 'LLMError', type, message: type, retryable: defaultRetryable[type] },
    at: context.clockMs,
  };
}

/** The latest answer beat a racing attempt (its record follows the loser's `hedge_lost` record). */
function wonRace(context: RequestContext): boolean {
  return context.attempts.at(-2)?.code === 'hedge_lost';
}

/** Where the machine is, as `active.attempting`. */
export function statePath(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, inner] = Object.entries(value as Record<string, unknown>)[0] ?? ['?', undefined];
  return inner === undefined ? key : `${key}.${statePath(inner)}`;
}

/** Whether some provider's last error in this call leaves it able to take the simplified prompt. */
function hasSimplifiable(context: RequestContext): boolean {
  const last = new Map<string, string>();
  for (const a of context.attempts) if (a.outcome !== 'skipped') last.set(a.provider, a.outcome);
  return [...last.values()].some((outcome) => SIMPLIFIABLE.has(outcome));
}

/**
 * Events the runtime can produce in each state. The caller's abort and the total deadline are modelled at the
 * first attempt, where a path executor can reproduce them exactly.
 */
export function requestModelEvents(snapshot: RequestSnapshot): EventObject[] {
  const context = snapshot.context;
  const at = context.clockMs;
  const first =
    context.totalAttempts === 1 &&
    context.excluded.length === 0 &&
    context.clockMs === context.startedAt &&
    context.hedges === 0;
  switch (statePath(snapshot.value)) {
    case 'active.selecting':
      return context.excluded.length < context.providerCount
        ? [stepDone('select.done', { provider: { id: `p${context.excluded.length}` }, skipped: [], at })]
        : [stepDone('select.done', { provider: null, skipped: [], at })];
    case 'active.preparing': {
      // Too long: when forced to truncate, or when a provider's window is too small for the original request
      // (a rewritten request is assumed to fit, as a rewrite hook shortens rather than grows a prompt).
      const forced = context.lastError?.type === 'context_length';
      return [
        stepDone('prepare.done', { request: context.base, truncated: forced, at }),
        ...(forced || !context.rewritten ? [stepFailed('prepare.failed', context, 'context_length')] : []),
      ];
    }
    case 'active.attempting.waiting':
    case 'active.attempting.hedgePending': {
      // While a hedge may start, its delay (shorter than the attempt's and the call's) passes before them.
      const hedgeFirst = canHedge(context);
      const hedgeDelay = { type: 'xstate.after.hedgeDelay.request.active.attempting.hedgePending' };
      return [
        ...(hedgeFirst ? [hedgeDelay] : []),
        attemptDone({ text: MODEL_ANSWER.text, at }),
        ...MODEL_PROVIDER_ERRORS.map((e) =>
          attemptFailed(context, e.type, e.retryAfterMs ? { retryAfterMs: e.retryAfterMs } : {}),
        ),
        ...(hedgeFirst ? [] : [{ type: 'xstate.after.attemptTimeout.request.active.attempting' }]),
        ...(first
          ? [
              ...(hedgeFirst ? [] : [{ type: 'xstate.after.totalDeadline.request.active' }]),
              { type: 'request.abort', at } as EventObject,
            ]
          : []),
      ];
    }
    case 'active.attempting.hedging.launching': {
      const taken = new Set([...context.excluded, context.provider?.id]);
      const next = Array.from({ length: context.providerCount }, (_, i) => `p${i}`).find(
        (id) => !taken.has(id),
      );
      return [
        ...(next ? [{ type: 'hedge.started', provider: { id: next }, at } as EventObject] : []),
        { type: 'hedge.refused', provider: next ?? null, code: 'hedge_budget', at } as EventObject,
      ];
    }
    case 'active.attempting.hedging.racing': {
      const hedgeFailure = { type: 'hedge.failed', failure: failedWith(context, 'provider_error') };
      return [
        { type: 'hedge.answered', output: { text: MODEL_ANSWER.text, at } } as EventObject,
        hedgeFailure as EventObject,
        { type: 'xstate.after.attemptTimeout.request.active.attempting' },
        ...(context.primaryRunning
          ? [
              attemptDone({ text: MODEL_ANSWER.text, at }),
              attemptFailed(context, 'provider_error'),
              ...(context.features.schema
                ? [attemptFailed(context, 'invalid_response', {}, { validation: 'bad' })]
                : []),
            ]
          : []),
      ];
    }
    case 'active.streaming.awaitingFirstToken':
    case 'active.streaming.receiving': {
      const receiving = statePath(snapshot.value).endsWith('receiving');
      return [
        { type: 'stream.token', text: 'tok ', at } as EventObject,
        { type: 'stream.end', output: { text: context.streamedText, at } } as EventObject,
        ...MODEL_PROVIDER_ERRORS.filter(
          (e) => !receiving || e.type === 'provider_error' || e.type === 'rate_limit',
        ).map(
          (e) =>
            ({
              type: 'stream.failed',
              failure: failureWith(context, e.type, e.retryAfterMs ? { retryAfterMs: e.retryAfterMs } : {}),
            }) as EventObject,
        ),
        receiving
          ? { type: 'xstate.after.idleTimeout.request.active.streaming.receiving' }
          : { type: 'xstate.after.firstTokenTimeout.request.active.streaming.awaitingFirstToken' },
        ...(first && !receiving
          ? [
              { type: 'xstate.after.totalDeadline.request.active' },
              { type: 'request.abort', at } as EventObject,
            ]
          : []),
      ];
    }
    case 'active.validating':
      return [
        stepDone('validate.done', { data: MODEL_ANSWER.data, at }),
        // An answer that won a race was checked before it won (an invalid one would not have won).
        ...(context.features.schema && !wonRace(context)
          ? [stepFailed('validate.failed', context, 'invalid_response', { validation: 'bad' })]
          : []),
      ];
    case 'active.backingOff':
      return [{ type: 'xstate.after.backoffDelay.request.active.backingOff' }];
    case 'active.rewriting':
      return [
        done('rewritePrompt', { request: context.base, at }),
        done('rewritePrompt', { request: null, at }),
        failed('rewritePrompt', context, 'unknown'),
      ];
    case 'storing':
      return [done('writeCache', undefined), failed('writeCache', context, 'unknown')];
    case 'degrading.cache':
      return [
        done('readCache', { hit: { ...MODEL_ANSWER, provider: 'p0' }, at }),
        done('readCache', { hit: null, at }),
        failed('readCache', context, 'unknown'),
      ];
    case 'degrading.simplified':
      return [
        ...(hasSimplifiable(context)
          ? [
              done('callSimplified', {
                answer: { ...MODEL_ANSWER, source: 'simplified', provider: 'p0' },
                attempts: [],
                at,
              }),
            ]
          : []),
        done('callSimplified', { answer: null, attempts: [], at }),
      ];
    default:
      return [];
  }
}

/** What the guards read, bounded: no clock values, no unbounded counters. */
export function serializeRequestModelState(snapshot: RequestSnapshot): string {
  const c = snapshot.context;
  return JSON.stringify([
    statePath(snapshot.value),
    c.attemptsOnProvider,
    c.timeoutsOnProvider,
    c.reprompts,
    c.rewritten,
    c.truncated,
    c.excluded.length,
    c.lastError?.type ?? null,
    c.lastError?.retryAfterMs ?? null,
    c.answer?.source ?? null,
    c.deadlinePassed,
    c.totalAttempts === 1 && c.clockMs === c.startedAt,
    c.lastText !== null,
    hasSimplifiable(c),
    c.attemptText.length > 0,
    c.streamedText.length > 0,
    c.hedges,
    c.hedge !== null,
    c.primaryRunning,
    c.raceNow,
    wonRace(c),
    snapshot.status,
  ]);
}
