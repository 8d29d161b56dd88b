/**
 * `createResilientLLM`: one client, one breaker actor per provider, and per call either the fast path (an
 * uneventful first attempt in plain code) or one request-lifecycle actor.
 */
import type { InspectionEvent, Observer } from 'xstate';
import { requestMachine } from '../../machines/request.js';
import type { BreakerOptions } from '../breaker/options.js';
import { LLMError } from '../errors/llm-error.js';
import type { FastPathObserver } from '../inspect/bridge.js';
import { createInspectBridge } from '../inspect/lazy-bridge.js';
import { createRetryBudget } from '../retry-budget.js';
import { createHedgeBudget } from '../routing/hedge-budget.js';
import { createClientObserver } from '../telemetry/create-observer.js';
import { createRequestActors, createRequestDelays } from './actors.js';
import { createAttemptActions } from './attempt-actions.js';
import {
  type CallRequest,
  type CallResult,
  checkCapabilities,
  hasImages,
  type ParsedCall,
  parseCallRequest,
  parseStreamRequest,
  type StreamRequest,
} from './call-request.js';
import { onCallerAbort } from './caller-abort.js';
import { FastLane } from './fast-path.js';
import { createKeepAlive } from './keep-alive.js';
import { type ResilientLLMOptions, resolveOptions } from './options.js';
import { type ProviderConfig, ProviderRegistry } from './registry.js';
import { CALL_MODE, type RunnerDeps, runCall, runMachine } from './run.js';
import type { CallScope } from './scope.js';
import { createRequestSteps } from './step-actions.js';
import { createTokenQueue, type LLMStream, type StreamPart } from './token-stream.js';
import { wholeToolCallEvents } from './tool-call-events.js';

/** A resilient LLM client. */
export interface ResilientLLM {
  /** Answers a request, failing over and degrading as needed; throws an `LLMError` when nothing can answer. */
  call<T = string>(request: CallRequest<T>): Promise<CallResult<T>>;
  /**
   * Streams an answer: iterate for text tokens (or `.events()` for text and tool calls as they stream), await
   * `.result` for the outcome. Before the first token or tool-call event a failure fails over like `call()`;
   * after it, the stream ends with an `LLMError` carrying `partialText`, unless `resumeOnFailure` continues on
   * the next provider with the partial answer as context (text only: not after a tool call started streaming).
   */
  stream(request: StreamRequest): LLMStream;
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

/** Creates a client. Options are validated here; a bad option throws one `TypeError` naming the field. */
export function createResilientLLM(options: ResilientLLMOptions): ResilientLLM {
  const resolved = resolveOptions(options);
  const { clock } = resolved;
  // Inspection: an observer as given, or a bridge to the inspector page for a URL (or the env var).
  const target =
    resolved.inspect === undefined ? process.env.RESILIENT_LLM_INSPECT || undefined : resolved.inspect;
  const bridge = typeof target === 'string' ? createInspectBridge({ url: target }) : undefined;
  const inspect = bridge ? bridge.observer : target ? (target as Observer<InspectionEvent>) : undefined;
  const breakerOptions: BreakerOptions = {
    ...(resolved.breaker as BreakerOptions),
    clock,
    ...(inspect ? { inspect } : {}),
    ...(resolved.store ? { store: resolved.store } : {}),
  };
  const budget = createRetryBudget(resolved.retry.budget, clock);
  const hedgeBudget =
    resolved.hedging === false ? undefined : createHedgeBudget(resolved.hedging.budget, clock);
  // Observation (hooks, OpenTelemetry): every attempt goes through the wrapped providers, on either path.
  const observer = createClientObserver({
    hooks: resolved.hooks,
    telemetry: resolved.telemetry,
    clock,
    breakers: () => registry.all().map((e) => e.breaker),
    budget,
    budgetOptions: resolved.retry.budget,
  });
  const providers = observer ? resolved.providers.map((p) => observer.provider(p)) : resolved.providers;
  const registry = new ProviderRegistry(providers, breakerOptions, {
    admission: resolved.retry.rateLimitCooldown ? resolved.admission : false,
    concurrency: resolved.concurrency,
    policy: { strategy: resolved.routing, random: resolved.random, clock },
  });
  if (observer)
    for (const { breaker } of registry.all())
      breaker.onTransition((transition) => observer.breakerTransition(breaker.id, transition));
  const scopes = new Map<string, CallScope>();
  const actors: RunnerDeps['actors'] = new Map();
  const lane = new FastLane(resolved, registry);
  const keepAlive = createKeepAlive();
  let stopped = false;

  const actorDeps = { options: resolved, registry, scopes, clock, hedgeBudget };
  const machine = requestMachine.provide({
    actions: { ...createRequestSteps(actorDeps), ...createAttemptActions(actorDeps) },
    actors: createRequestActors(actorDeps),
    delays: createRequestDelays(actorDeps),
    guards: { retryBudgetAllows: () => budget.tryRetry() },
  });

  const deps: RunnerDeps = {
    options: resolved,
    registry,
    scopes,
    actors,
    lane,
    budget,
    hedgeBudget,
    machine,
    inspect,
    observer,
  };
  // An inspector bridge keeps the fast path on and gets a compact record of each call it answers.
  const fastAware = inspect as Partial<FastPathObserver> | undefined;
  if (typeof fastAware?.fastPath === 'function') {
    deps.fastRecord = fastAware.fastPath(resolved.fastPath);
    deps.handedOver = new Set();
  }
  lane.handover = (fast) => {
    deps.handedOver?.add(fast.requestId);
    return runMachine(deps, fast.req, CALL_MODE, fast.requestId, fast.startedAt, fast);
  };
  const ensureRunning = () => {
    if (stopped)
      throw new LLMError({
        type: 'bad_request',
        message: 'This client was stopped.',
        code: 'client_stopped',
      });
  };

  /** The call, with the providers that cannot take it (throws when none can). */
  const capable = <T>(req: ParsedCall<T>): ParsedCall<T> => {
    if (!hasImages(req.request)) return req; // the common case: nothing to check, nothing to allocate
    const providers = registry.ranked().map((e) => e.provider);
    const incapable = checkCapabilities(req.request, providers);
    return incapable.length === 0 ? req : { ...req, incapable };
  };

  function call<T>(raw: CallRequest<T>): Promise<CallResult<T>> {
    try {
      ensureRunning();
      return keepAlive.track(
        runCall(deps, capable(parseCallRequest(raw, resolved.degradation.fallback)), CALL_MODE),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  function stream(raw: StreamRequest): LLMStream {
    const controller = new AbortController();
    const queue = createTokenQueue(() => controller.abort());
    let streamed = false;
    let offCaller: (() => void) | undefined;
    const result = (async () => {
      ensureRunning();
      const { resumeOnFailure = false, ...rest } = raw ?? ({} as StreamRequest);
      const req = capable(parseStreamRequest(rest as CallRequest<string>));
      const callerSignal = req.signal;
      if (callerSignal?.aborted) controller.abort(callerSignal.reason);
      if (callerSignal) offCaller = onCallerAbort(callerSignal, () => controller.abort(callerSignal.reason));
      const sink = (part: StreamPart) => {
        streamed = true;
        queue.push(part);
      };
      return keepAlive.track(
        runCall(
          deps,
          { ...req, signal: controller.signal },
          { mode: 'stream', sink, resume: resumeOnFailure },
        ),
      );
    })().then(
      (r) => {
        offCaller?.();
        // Answers that did not stream (cache, simplified prompt, fallback) arrive as one token and whole tool calls.
        if (!streamed && r.text) queue.push(r.text);
        if (!streamed) for (const event of wholeToolCallEvents(r.toolCalls)) queue.push(event);
        queue.end();
        return r;
      },
      (error: unknown) => {
        offCaller?.();
        const llmError = LLMError.is(error) ? error : new LLMError({ type: 'unknown', cause: error });
        queue.fail(llmError);
        throw llmError;
      },
    );
    result.catch(() => {}); // the iterator reports the error too; an unread result must not be unhandled
    return {
      result,
      [Symbol.asyncIterator]: () => queue.iterator(),
      events: () => ({ [Symbol.asyncIterator]: () => queue.events() }),
    };
  }

  const llm: ResilientLLM = {
    call,
    stream,
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
      return actors.size + lane.size;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const [id, actor] of actors) {
        const scope = scopes.get(id);
        if (scope) scope.callerAborted = true;
        actor.send({ type: 'request.abort', at: clock.now(), reason: 'The client was stopped.' });
      }
      lane.abortAll(clock.now(), 'The client was stopped.');
      registry.stop();
      observer?.stop();
      await bridge?.close();
    },
  };
  // The page's breaker panel and ops controls (force open, disable, reset, re-rank) act on this client.
  bridge?.attach(llm);
  return llm;
}
