/**
 * Runs one call: builds its runtime scope and the request actor's input, starts the actor, wires the
 * caller's abort, and turns the actor's output into a result or an `LLMError`.
 */
import {
  type AnyActorRef,
  type AnyStateMachine,
  createActor,
  type InspectionEvent,
  type Observer,
  toPromise,
} from 'xstate';
import type { RequestInput, RequestOutput, RequestSettings } from '../../machines/request-types.js';
import { callClock } from '../clock.js';
import { LLMError } from '../errors/llm-error.js';
import type { FastCallRecord } from '../inspect/bridge.js';
import type { RetryBudget } from '../retry-budget.js';
import type { HedgeBudget } from '../routing/hedge-budget.js';
import type { LLMRequest, ToolCallStreamEvent } from '../types.js';
import type { CallRequest, CallResult, ParsedCall } from './call-request.js';
import { onCallerAbort } from './caller-abort.js';
import type { FastLane } from './fast-path.js';
import { type ClientObserver, observeSettlement, stepInfo } from './observer.js';
import type { ResolvedOptions } from './options.js';
import type { ProviderRegistry } from './registry.js';
import type { Replay } from './replay.js';
import { rewritesContentFilter } from './rewrite.js';
import type { CallScope } from './scope.js';
import { callResult, writesCache } from './steps.js';

/** What the runner shares with the client. */
export interface RunnerDeps {
  options: ResolvedOptions;
  registry: ProviderRegistry;
  scopes: Map<string, CallScope>;
  /** Calls in the statechart, by request id. */
  actors: Map<string, AnyActorRef>;
  /** Calls on the fast path. */
  lane: FastLane;
  budget: RetryBudget;
  /** The hedge budget, when hedging is on. */
  hedgeBudget?: HedgeBudget | undefined;
  machine: AnyStateMachine;
  inspect: Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined;
  /** Hooks and telemetry, when any is on. */
  observer: ClientObserver | undefined;
  /**
   * Told about each call the fast path answered, when the observer is an inspector bridge's (which keeps
   * the fast path on); a plain observer turns the fast path off instead.
   */
  fastRecord?: ((record: FastCallRecord) => void) | undefined;
  /** Request ids of the calls in flight (a caller's `requestId` must be unique among them). */
  requestIds?: Set<string>;
  /** Request ids the fast path handed to the statechart and not settled yet (only with `fastRecord`). */
  handedOver?: Set<string>;
}

/** How a call runs: whole answers, or tokens forwarded to `sink`. */
export type RunMode =
  | { mode: 'call' }
  | { mode: 'stream'; sink: (part: string | ToolCallStreamEvent) => void; resume: boolean };

let sequence = 0;

/** The mode of `call()`, shared by every call. */
export const CALL_MODE: RunMode = { mode: 'call' };

/** Runs a validated call to completion: on the fast path when it can, else through the statechart. */
export function runCall<T>(deps: RunnerDeps, req: ParsedCall<T>, how: RunMode): Promise<CallResult<T>> {
  const { options } = deps;
  if (req.signal?.aborted) {
    return Promise.reject(
      new LLMError({ type: 'aborted', message: 'The caller aborted the request.', cause: req.signal.reason }),
    );
  }
  // Generated ids are unique by their sequence; a caller's own id must be unique among the calls in flight.
  const own = req.requestId;
  const requestId =
    own ?? `req_${(++sequence).toString(36)}_${Math.floor(options.random() * 1e9).toString(36)}`;
  deps.requestIds ??= new Set();
  const ids = deps.requestIds;
  if (own !== undefined) {
    if (ids.has(own)) {
      return Promise.reject(
        new LLMError({
          type: 'bad_request',
          message: `Invalid call: ✖ requestId: "${own}" is already in flight`,
          code: 'duplicate_request_id',
        }),
      );
    }
    ids.add(own);
  }
  const startedAt = options.clock.now();
  deps.budget.recordCall();
  deps.hedgeBudget?.recordCall();
  const observation = deps.observer?.callStarted(requestId, how.mode, startedAt, req.request, req.metadata);
  let running: Promise<CallResult<T>>;
  const { fastRecord } = deps;
  // The statechart's alone: per-call timeouts (the fast lane runs every call on the client's) and requests some
  // provider cannot take. With hedging, the fast lane hands a call over at its hedge point (`fast-path.ts`).
  const fast = options.fastPath && req.timeouts === undefined && (req.incapable ?? []).length === 0;
  if (how.mode === 'call' && (deps.inspect === undefined || fastRecord) && fast) {
    running = new Promise<CallResult<T>>((resolve, reject) => {
      const settle = fastRecord
        ? (result: CallResult<unknown>) => {
            if (!deps.handedOver?.delete(requestId))
              recordFast(fastRecord, result, startedAt, options, req.metadata);
            resolve(result as CallResult<T>);
          }
        : (resolve as (result: CallResult<unknown>) => void);
      const fail = fastRecord
        ? (error: unknown) => {
            deps.handedOver?.delete(requestId);
            reject(error);
          }
        : reject;
      if (deps.lane.start(req, requestId, startedAt, settle, fail)) return;
      runMachine<T>(deps, req, how, requestId, startedAt, undefined).then(resolve, reject);
    });
  } else running = runMachine<T>(deps, req, how, requestId, startedAt, undefined);
  if (own !== undefined) running = running.finally(() => ids.delete(own));
  return observation === undefined ? running : observeSettlement(observation, running);
}

/** The client's timeouts with the call's overrides. */
function timeoutsOf(options: ResolvedOptions, req: CallRequest<unknown>): ResolvedOptions['timeouts'] {
  const override = req.timeouts;
  if (override === undefined) return options.timeouts;
  const merged = { ...options.timeouts };
  for (const key of ['attemptMs', 'totalMs', 'firstTokenMs', 'idleMs'] as const) {
    const value = override[key];
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}

function recordFast(
  record: (r: FastCallRecord) => void,
  result: CallResult<unknown>,
  startedAt: number,
  options: ResolvedOptions,
  metadata: Record<string, unknown> | undefined,
): void {
  record({
    ...(metadata === undefined ? {} : { metadata }),
    requestId: result.requestId,
    provider: result.provider ?? '',
    model: result.model,
    startedAt,
    endedAt: options.clock.now(),
    skipped: result.attempts.filter((a) => a.outcome === 'skipped').map((a) => a.provider),
  });
}

/** Runs a call through the request statechart (taking over from the fast path when `replay` is given). */
export async function runMachine<T>(
  deps: RunnerDeps,
  req: ParsedCall<T>,
  how: RunMode,
  requestId: string,
  startedAt: number,
  replay: Replay | undefined,
): Promise<CallResult<T>> {
  const { options, scopes, actors } = deps;
  const { clock } = options;
  const scope: CallScope = {
    requestId,
    request: req.request,
    schema: req.schema,
    cacheKey: req.cacheKey,
    schemaTarget: req.schemaTarget,
    incapable: req.incapable ?? [],
    headers: req.headers,
    toolCalls: undefined,
    deadlineAt: startedAt + timeoutsOf(options, req).totalMs,
    callerAborted: replay?.abort !== undefined,
    // A hand-over's permit goes back (cancelled) if the statechart never reaches the attempt.
    heldPermit: replay === undefined ? undefined : { providerId: replay.provider.id, permit: replay.permit },
    skipped: new Set(replay?.skips.map((record) => record.provider)),
    lastErrorByProvider: new Map(),
    lastError: replay?.refusal,
    replay,
    attemptsRunning: 0,
    answers: 0,
    sink: how.mode === 'stream' ? how.sink : undefined,
  };
  const input = inputFor(deps, requestId, startedAt, req, how);
  scopes.set(requestId, scope);
  const actor = createActor(deps.machine, {
    input,
    clock: callClock(clock),
    id: requestId,
    ...(deps.inspect ? { inspect: deps.inspect } : {}),
  });
  actors.set(requestId, actor);
  const observation = deps.observer?.call(requestId);
  if (observation !== undefined)
    actor.subscribe({
      next: (snapshot) => observation.step(snapshot.context.attempts, stepInfo(snapshot)),
      error: () => {}, // the call's promise reports it
    });
  const onAbort = () => {
    scope.callerAborted = true;
    actor.send({ type: 'request.abort', at: clock.now() });
  };
  const unsubscribe = req.signal === undefined ? undefined : onCallerAbort(req.signal, onAbort);
  // Settled: a later abort of the caller's signal has nothing to stop (and must not reach the done actor).
  if (unsubscribe !== undefined) actor.subscribe({ complete: unsubscribe, error: unsubscribe });
  try {
    actor.start();
    if (replay?.abort !== undefined) actor.send({ type: 'request.abort', ...replay.abort });
    const output = (await toPromise(actor)) as RequestOutput;
    return toResult<T>(output, scope, startedAt, clock.now(), req.fallbackData);
  } catch (error) {
    throw LLMError.is(error)
      ? error
      : new LLMError({ type: 'unknown', message: 'The request lifecycle failed.', cause: error });
  } finally {
    unsubscribe?.();
    scope.heldPermit?.permit.release({ kind: 'cancelled' });
    if (replay !== undefined && replay.stage !== 'taken') replay.controller.abort();
    scopes.delete(requestId);
    actors.delete(requestId);
    actor.stop();
  }
}

function inputFor(
  deps: RunnerDeps,
  requestId: string,
  startedAt: number,
  req: CallRequest<unknown> & { request: LLMRequest },
  how: RunMode,
): RequestInput {
  const { options, registry } = deps;
  const { degradation, hooks } = options;
  return {
    requestId,
    request: req.request,
    startedAt,
    mode: how.mode,
    metadata: req.metadata,
    providerCount: registry.ranked().length,
    fallback: degradation.fallback ?? null,
    settings:
      req.timeouts === undefined
        ? settingsOf(options, how.mode)
        : buildSettings(options, how.mode, timeoutsOf(options, req)),
    features: {
      schema: req.schema !== undefined,
      cache: writesCache(options, req.cacheKey),
      simplified: degradation.simplifiedPrompt !== undefined,
      rewrite: rewritesContentFilter(hooks, options.contentFilter.rewriteInstruction),
      truncate: hooks.truncate !== undefined,
      resumeStream: how.mode === 'stream' && how.resume,
    },
  };
}

/** The machine's settings, built once per client (they depend on its options only; the machine never changes them). */
const settingsByOptions = new WeakMap<ResolvedOptions, Partial<Record<RunMode['mode'], RequestSettings>>>();
/** The settings of a call without per-call timeouts: built once per client and mode. */
function settingsOf(options: ResolvedOptions, mode: RunMode['mode']): RequestSettings {
  const known = settingsByOptions.get(options)?.[mode];
  if (known !== undefined) return known;
  const settings = buildSettings(options, mode, options.timeouts);
  settingsByOptions.set(options, { ...settingsByOptions.get(options), [mode]: settings });
  return settings;
}

function buildSettings(
  options: ResolvedOptions,
  mode: RunMode['mode'],
  timeouts: ResolvedOptions['timeouts'],
): RequestSettings {
  const { retry, hedging } = options;
  return {
    maxAttempts: retry.maxAttempts,
    maxReprompts: options.validation.maxReprompts,
    timeoutRetries: timeouts.timeoutRetries,
    attemptMs: timeouts.attemptMs,
    totalMs: timeouts.totalMs,
    baseMs: retry.baseMs,
    maxMs: retry.maxMs,
    jitter: retry.jitter,
    rateLimitWait: retry.rateLimitWait,
    firstTokenMs: timeouts.firstTokenMs ?? timeouts.attemptMs,
    idleMs: timeouts.idleMs ?? timeouts.attemptMs,
    // Streams are not hedged: tokens already sent to the caller cannot be raced.
    hedging:
      hedging === false || mode !== 'call'
        ? null
        : {
            mode: hedging.mode,
            maxHedges: hedging.maxHedges,
            delayMs: typeof hedging.delayMs === 'number' ? hedging.delayMs : hedging.fallbackDelayMs,
          },
  };
}

function toResult<T>(
  output: RequestOutput,
  scope: CallScope,
  startedAt: number,
  now: number,
  fallbackData: { value: unknown } | undefined,
): CallResult<T> {
  if (output.status === 'failed') {
    const cause = scope.lastError?.type === output.error.type ? scope.lastError : undefined;
    throw new LLMError({
      ...output.error,
      ...(cause ? { cause } : {}),
      ...(output.partialText ? { partialText: output.partialText } : {}),
      ...(output.error.model === undefined && cause?.model !== undefined ? { model: cause.model } : {}),
    });
  }
  const { answer } = output;
  let data: unknown = answer.data;
  // The static fallback was checked against the call's schema before any provider was called.
  if (answer.source === 'fallback') data = fallbackData ? fallbackData.value : answer.text;
  return callResult<T>(answer, data, output.attempts, scope.requestId, now - startedAt);
}
