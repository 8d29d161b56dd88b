/**
 * The side effects of the request lifecycle that wait: the actors `src/` supplies to `requestMachine` through
 * `provide()` (the synchronous steps are entry actions, `step-actions.ts`; the attempt is two actions,
 * `attempt-actions.ts`). Each finds its call's runtime state by request id and reports times from the injected clock.
 */
import { fromPromise } from 'xstate';
import type {
  CacheOutput,
  ReadCacheInput,
  RequestContext,
  RewriteInput,
  RewriteOutput,
  WriteCacheInput,
} from '../../machines/request-types.js';
import { type Clock, sleep } from '../clock.js';
import { LLMError } from '../errors/llm-error.js';
import { validateAnswer } from '../validation/validate.js';
import { type ActorDeps, scopeOf } from './actor-deps.js';
import { type HedgeDeps, hedgeDelayMs, hedgeProviderActor } from './hedge-actor.js';
import { rewriteAfterFilter } from './rewrite.js';
import { callSimplifiedActor } from './simplified.js';
import { streamProviderActor } from './stream-actor.js';

/**
 * Settles with `work`, or with `null` after `ms` on the injected clock (or when `signal` aborts); the timer
 * is always cleared and a late rejection of `work` is swallowed.
 */
async function raceWithClock<T>(
  clock: Clock,
  work: Promise<T>,
  ms: number,
  signal: AbortSignal,
): Promise<T | null> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const timeout = sleep(clock, ms, stop.signal).then(
    () => null,
    () => null,
  );
  try {
    return await Promise.race([work, timeout]);
  } finally {
    stop.abort();
    signal.removeEventListener('abort', onAbort);
    work.catch(() => {});
  }
}

/** The actor implementations for `requestMachine.provide({ actors })`. */
export function createRequestActors(deps: HedgeDeps) {
  const { clock, options } = deps;

  return {
    writeCache: fromPromise<void, WriteCacheInput>(async ({ input, signal }) => {
      const scope = scopeOf(deps, input.requestId);
      const cache = options.degradation.cache;
      if (!cache || scope.cacheKey === undefined || !input.answer) return;
      const write = cache.set(scope.cacheKey, {
        text: input.answer.text,
        data: input.answer.data,
        provider: input.answer.provider ?? 'unknown',
        ...(input.answer.model !== undefined ? { model: input.answer.model } : {}),
        storedAt: clock.now(),
      });
      // The answer is already good: a slow cache may delay it only until the call's deadline.
      await raceWithClock(clock, write, Math.max(scope.deadlineAt - clock.now(), 0), signal);
    }),

    readCache: fromPromise<CacheOutput, ReadCacheInput>(async ({ input, signal }) => {
      const scope = scopeOf(deps, input.requestId);
      const cache = options.degradation.cache;
      if (!cache || scope.cacheKey === undefined) return { hit: null, at: clock.now() };
      // A slow cache must not hold the call past its deadline (a little grace when the deadline already passed).
      const budget = Math.max(scope.deadlineAt - clock.now(), 10);
      const timer = new AbortController();
      signal.addEventListener('abort', () => timer.abort(), { once: true });
      const read = cache.get(scope.cacheKey).then((hit) => {
        if (hit === undefined) return null;
        // Only schema-valid answers are ever returned, even if the cache was filled by someone else.
        const valid = validateAnswer(hit.text, scope.schema, undefined, options.validation);
        if (!valid.ok) return null;
        return {
          text: hit.text,
          data: valid.data,
          provider: hit.provider,
          ...(hit.model ? { model: hit.model } : {}),
        };
      });
      return { hit: await raceWithClock(clock, read, budget, signal), at: clock.now() };
    }),

    rewritePrompt: fromPromise<RewriteOutput, RewriteInput>(async ({ input }) => {
      const scope = scopeOf(deps, input.requestId);
      const error = scope.lastError ?? new LLMError({ type: 'content_filtered' });
      const instruction = options.contentFilter.rewriteInstruction;
      const rewritten = await rewriteAfterFilter(input.base, error, options.hooks, instruction);
      return { request: rewritten ?? null, at: clock.now() };
    }),

    callSimplified: callSimplifiedActor(deps),
    streamProvider: streamProviderActor(deps),
    hedgeProvider: hedgeProviderActor(deps),
  };
}

/**
 * The delays `src/` supplies. The total deadline is an instant (`deadlineAt`), so it runs for the time left
 * when the actor starts — all of it normally, less for a call the fast path handed over. The first attempt of a
 * handed-over call started before the actor did, so it too runs only for the time it has left.
 */
export function createRequestDelays(deps: ActorDeps) {
  const { clock } = deps;
  const replayOf = (context: RequestContext) => deps.scopes.get(context.requestId)?.replay;
  return {
    totalDeadline: ({ context }: { context: RequestContext }) =>
      Math.max(0, context.deadlineAt - clock.now()),
    attemptTimeout: ({ context }: { context: RequestContext }) => {
      const replay = replayOf(context);
      const { attemptMs } = context.settings;
      return replay === undefined || context.totalAttempts !== 1
        ? attemptMs
        : Math.max(0, replay.startedAt + attemptMs - clock.now());
    },
    hedgeDelay: ({ context }: { context: RequestContext }) => hedgeDelayMs(deps, context),
  };
}
