/**
 * `createResilientLLM`: one client, one breaker actor per provider, one request-lifecycle actor per call.
 */
import { type AnyActorRef, createActor, type InspectionEvent, type Observer, toPromise } from 'xstate';
import { requestMachine } from '../../machines/request.js';
import { plainBackoffMs } from '../../machines/request-logic.js';
import type { RequestInput, RequestOutput } from '../../machines/request-types.js';
import { computeBackoff } from '../backoff.js';
import type { BreakerOptions } from '../breaker/options.js';
import { LLMError } from '../errors/llm-error.js';
import { createRetryBudget } from '../retry-budget.js';
import { createRequestActors } from './actors.js';
import { type CallRequest, type CallResult, parseCallRequest } from './call-request.js';
import { type ResilientLLMOptions, resolveOptions } from './options.js';
import { type ProviderConfig, ProviderRegistry } from './registry.js';
import type { CallScope } from './scope.js';

/** A resilient LLM client. */
export interface ResilientLLM {
  /** Answers a request, failing over and degrading as needed; throws an `LLMError` when nothing can answer. */
  call<T = string>(request: CallRequest<T>): Promise<CallResult<T>>;
  /** Ops: enable or disable a provider for later calls. */
  setProviderEnabled(id: string, enabled: boolean): void;
  /** Ops: change a provider's rank (lower first) for later calls. */
  setProviderPriority(id: string, priority: number): void;
  /** Ops: apply `{ [id]: { priority?, enabled? } }` (object or JSON text), validated whole before applying. */
  configureProviders(config: ProviderConfig | string): void;
  /** Each provider's breaker (state, snapshot, ops controls), by id. */
  breaker(id: string): ProviderRegistryBreaker;
  /** Providers with their live priority, enabled flag and breaker state. */
  providers(): Array<{ id: string; priority: number; enabled: boolean; breaker: string }>;
  /** Calls in flight. */
  readonly inFlight: number;
  /** Aborts calls in flight, stops every actor and timer. The process can exit by itself afterwards. */
  stop(): Promise<void>;
}

type ProviderRegistryBreaker = ReturnType<ProviderRegistry['get']>['breaker'];

let sequence = 0;

/** Creates a client. Options are validated here; a bad option throws one `TypeError` naming the field. */
export function createResilientLLM(options: ResilientLLMOptions): ResilientLLM {
  const resolved = resolveOptions(options);
  const { clock } = resolved;
  const inspect = resolved.inspect ? (resolved.inspect as Observer<InspectionEvent>) : undefined;
  const breakerOptions: BreakerOptions = {
    ...(resolved.breaker as BreakerOptions),
    clock,
    ...(inspect ? { inspect } : {}),
  };
  const registry = new ProviderRegistry(resolved.providers, breakerOptions);
  const scopes = new Map<string, CallScope>();
  const actors = new Map<string, AnyActorRef>();
  const budget = createRetryBudget(resolved.retry.budget, clock);
  const retryOptions = { ...resolved.retry };
  let stopped = false;

  const machine = requestMachine.provide({
    actors: createRequestActors({ options: resolved, registry, scopes, clock }),
    guards: { retryBudgetAllows: () => budget.tryRetry() },
    delays: {
      backoffDelay: ({ context }) =>
        computeBackoff(context.attemptsOnProvider, retryOptions, {
          ...(context.lastError?.retryAfterMs !== undefined
            ? { retryAfterMs: context.lastError.retryAfterMs }
            : {}),
          remainingMs: Math.max(1, context.deadlineAt - clock.now()),
          random: resolved.random,
        }) ?? plainBackoffMs(context),
    },
  });

  async function call<T>(raw: CallRequest<T>): Promise<CallResult<T>> {
    if (stopped)
      throw new LLMError({
        type: 'bad_request',
        message: 'This client was stopped.',
        code: 'client_stopped',
      });
    const req = parseCallRequest(raw);
    if (req.signal?.aborted)
      throw new LLMError({
        type: 'aborted',
        message: 'The caller aborted the request.',
        cause: req.signal.reason,
      });
    const requestId = `req_${(++sequence).toString(36)}_${Math.floor(resolved.random() * 1e9).toString(36)}`;
    const startedAt = clock.now();
    const scope: CallScope = {
      requestId,
      request: req.request,
      schema: req.schema,
      cacheKey: req.cacheKey,
      deadlineAt: startedAt + resolved.timeouts.totalMs,
      callerAborted: false,
      heldPermit: undefined,
      skipped: new Set(),
      lastErrorByProvider: new Map(),
      lastError: undefined,
    };
    const input: RequestInput = {
      requestId,
      request: req.request,
      startedAt,
      providerCount: registry.ranked().length,
      fallback: resolved.degradation.fallback ?? null,
      settings: {
        maxAttempts: resolved.retry.maxAttempts,
        maxReprompts: resolved.validation.maxReprompts,
        timeoutRetries: resolved.timeouts.timeoutRetries,
        attemptMs: resolved.timeouts.attemptMs,
        totalMs: resolved.timeouts.totalMs,
        baseMs: resolved.retry.baseMs,
        maxMs: resolved.retry.maxMs,
      },
      features: {
        schema: req.schema !== undefined,
        cache: resolved.degradation.cache !== undefined && req.cacheKey !== undefined,
        simplified: resolved.degradation.simplifiedPrompt !== undefined,
        rewrite: resolved.hooks.rewritePrompt !== undefined,
        truncate: resolved.hooks.truncate !== undefined,
      },
    };
    scopes.set(requestId, scope);
    budget.recordCall();
    const actor = createActor(machine, { input, clock, id: requestId, ...(inspect ? { inspect } : {}) });
    actors.set(requestId, actor);
    const onAbort = () => {
      scope.callerAborted = true;
      actor.send({ type: 'request.abort', at: clock.now() });
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      actor.start();
      const output = (await toPromise(actor)) as RequestOutput;
      return toResult<T>(output, scope, startedAt, clock.now(), req.schema !== undefined);
    } catch (error) {
      throw LLMError.is(error)
        ? error
        : new LLMError({ type: 'unknown', message: 'The request lifecycle failed.', cause: error });
    } finally {
      req.signal?.removeEventListener('abort', onAbort);
      scope.heldPermit?.permit.release({ kind: 'cancelled' });
      scopes.delete(requestId);
      actors.delete(requestId);
      actor.stop();
    }
  }

  return {
    call,
    setProviderEnabled: (id, enabled) => registry.setEnabled(id, enabled),
    setProviderPriority: (id, priority) => registry.setPriority(id, priority),
    configureProviders: (config) => registry.configure(config),
    breaker: (id) => registry.get(id).breaker,
    providers: () =>
      registry.all().map((e) => ({
        id: e.provider.id,
        priority: e.priority,
        enabled: e.enabled,
        breaker: e.breaker.state,
      })),
    get inFlight() {
      return scopes.size;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const [id, actor] of actors) {
        const scope = scopes.get(id);
        if (scope) scope.callerAborted = true;
        actor.send({ type: 'request.abort', at: clock.now(), reason: 'The client was stopped.' });
      }
      registry.stop();
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
    throw new LLMError({ ...output.error, ...(cause ? { cause } : {}) });
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
