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
import type { RequestInput, RequestOutput } from '../../machines/request-types.js';
import { callClock } from '../clock.js';
import { LLMError } from '../errors/llm-error.js';
import type { RetryBudget } from '../retry-budget.js';
import type { LLMRequest } from '../types.js';
import type { CallRequest, CallResult } from './call-request.js';
import type { FastLane, Replay } from './fast-path.js';
import type { ResolvedOptions } from './options.js';
import type { ProviderRegistry } from './registry.js';
import type { CallScope } from './scope.js';

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
  machine: AnyStateMachine;
  inspect: Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined;
}

/** How a call runs: whole answers, or tokens forwarded to `sink`. */
export type RunMode = { mode: 'call' } | { mode: 'stream'; sink: (text: string) => void; resume: boolean };

let sequence = 0;

/** The mode of `call()`, shared by every call. */
export const CALL_MODE: RunMode = { mode: 'call' };

/** Runs a validated call to completion: on the fast path when it can, else through the statechart. */
export function runCall<T>(
  deps: RunnerDeps,
  req: CallRequest<T> & { request: LLMRequest },
  how: RunMode,
): Promise<CallResult<T>> {
  const { options } = deps;
  if (req.signal?.aborted) {
    return Promise.reject(
      new LLMError({ type: 'aborted', message: 'The caller aborted the request.', cause: req.signal.reason }),
    );
  }
  const requestId = `req_${(++sequence).toString(36)}_${Math.floor(options.random() * 1e9).toString(36)}`;
  const startedAt = options.clock.now();
  deps.budget.recordCall();
  if (how.mode === 'call' && deps.inspect === undefined && options.fastPath) {
    return new Promise<CallResult<T>>((resolve, reject) => {
      const settle = resolve as (result: CallResult<unknown>) => void;
      if (deps.lane.start(req, requestId, startedAt, settle, reject)) return;
      runMachine<T>(deps, req, how, requestId, startedAt, undefined).then(resolve, reject);
    });
  }
  return runMachine<T>(deps, req, how, requestId, startedAt, undefined);
}

/** Runs a call through the request statechart (taking over from the fast path when `replay` is given). */
export async function runMachine<T>(
  deps: RunnerDeps,
  req: CallRequest<T> & { request: LLMRequest },
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
    deadlineAt: startedAt + options.timeouts.totalMs,
    callerAborted: replay?.abort !== undefined,
    // A hand-over's permit goes back (cancelled) if the statechart never reaches the attempt.
    heldPermit: replay === undefined ? undefined : { providerId: replay.provider.id, permit: replay.permit },
    skipped: new Set(replay?.skips.map((record) => record.provider)),
    lastErrorByProvider: new Map(),
    lastError: replay?.refusal,
    replay,
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
  const onAbort = () => {
    scope.callerAborted = true;
    actor.send({ type: 'request.abort', at: clock.now() });
  };
  req.signal?.addEventListener('abort', onAbort, { once: true });
  // Settled: a later abort of the caller's signal has nothing to stop (and must not reach the done actor).
  const detach = () => req.signal?.removeEventListener('abort', onAbort);
  actor.subscribe({ complete: detach, error: detach });
  try {
    actor.start();
    if (replay?.abort !== undefined) actor.send({ type: 'request.abort', ...replay.abort });
    const output = (await toPromise(actor)) as RequestOutput;
    return toResult<T>(output, scope, startedAt, clock.now(), req.schema !== undefined);
  } catch (error) {
    throw LLMError.is(error)
      ? error
      : new LLMError({ type: 'unknown', message: 'The request lifecycle failed.', cause: error });
  } finally {
    req.signal?.removeEventListener('abort', onAbort);
    scope.heldPermit?.permit.release({ kind: 'cancelled' });
    if (replay !== undefined && !replay.adopted) replay.controller.abort();
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
  const { timeouts, retry, degradation, hooks } = options;
  return {
    requestId,
    request: req.request,
    startedAt,
    mode: how.mode,
    providerCount: registry.ranked().length,
    fallback: degradation.fallback ?? null,
    settings: {
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
    },
    features: {
      schema: req.schema !== undefined,
      cache: degradation.cache !== undefined && req.cacheKey !== undefined,
      simplified: degradation.simplifiedPrompt !== undefined,
      rewrite: hooks.rewritePrompt !== undefined,
      truncate: hooks.truncate !== undefined,
      resumeStream: how.mode === 'stream' && how.resume,
    },
  };
}

function toResult<T>(
  output: RequestOutput,
  scope: CallScope,
  startedAt: number,
  now: number,
  hasSchema: boolean,
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
  if (answer.source === 'fallback') data = hasSchema ? undefined : answer.text;
  return {
    data: data as T,
    text: answer.text,
    source: answer.source,
    provider: answer.provider,
    model: answer.model,
    usage: answer.usage,
    attempts: output.attempts,
    durationMs: now - startedAt,
    requestId: scope.requestId,
  } as CallResult<T>;
}
