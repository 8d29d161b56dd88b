/**
 * The side effects of the request lifecycle: the actors `src/` supplies to `requestMachine` through
 * `provide()`. Each finds its call's runtime state by request id and reports times from the injected clock.
 */
import { fromPromise } from 'xstate';
import type {
  AttemptRecord,
  CacheOutput,
  CallInput,
  CallOutput,
  PrepareInput,
  PrepareOutput,
  ReadCacheInput,
  RequestContext,
  RewriteInput,
  RewriteOutput,
  SelectInput,
  SelectOutput,
  ValidateInput,
  ValidateOutput,
  WriteCacheInput,
} from '../../machines/request-types.js';
import { type Clock, sleep } from '../clock.js';
import { LLMError } from '../errors/llm-error.js';
import type { ProviderResult } from '../types.js';
import { validateAnswer } from '../validation/validate.js';
import { type ActorDeps, fail, scopeOf } from './actor-deps.js';
import { callOutputOf, judgeAnswer } from './answer.js';
import { adoptAttempt, runAttempt, takePermit } from './attempt.js';
import {
  type HedgeDeps,
  hedgeDelayMs,
  hedgeProviderActor,
  isActorFailure,
  raceChecked,
} from './hedge-actor.js';
import { takeReplay } from './replay.js';
import { rewriteAfterFilter } from './rewrite.js';
import { selectFrom, skipRecord } from './select.js';
import { callSimplifiedActor } from './simplified.js';
import { fromStep } from './step-actor.js';
import { overflowOf } from './steps.js';
import { streamProviderActor } from './stream-actor.js';
import { estimateTokens, truncateRequest } from './truncate.js';

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
  const { clock, registry, options } = deps;
  const countTokens = options.hooks.countTokens ?? estimateTokens;
  const truncate = options.hooks.truncate ?? truncateRequest;

  return {
    selectProvider: fromStep<SelectOutput, SelectInput>(({ input }) => {
      const scope = scopeOf(deps, input.requestId);
      const replay = takeReplay(scope.replay, 'selection');
      if (replay !== undefined) {
        const { provider, alternatives, startedAt: at } = replay;
        return { provider, alternatives, skipped: [...replay.skips], at };
      }
      const skipped: AttemptRecord[] = [];
      const incapable = scope.incapable;
      for (const id of incapable) {
        if (scope.skipped.has(id)) continue;
        scope.skipped.add(id);
        skipped.push(skipRecord(registry.get(id), { code: 'no_vision' }, clock.now()));
      }
      const picked = selectFrom(
        registry.ranked(),
        incapable.length === 0 ? input.excluded : [...input.excluded, ...incapable],
        clock.now(),
        skipped,
        scope.skipped,
        registry.policy,
      );
      scope.lastError ??= picked.refusal;
      if (picked.entry !== undefined && picked.permit !== undefined) {
        scope.heldPermit = { providerId: picked.entry.provider.id, permit: picked.permit };
        return { provider: picked.entry.ref, alternatives: picked.alternatives, skipped, at: clock.now() };
      }
      return { provider: null, skipped, at: clock.now() };
    }),

    prepareRequest: fromStep<PrepareOutput, PrepareInput>(({ input }) => {
      const scope = scopeOf(deps, input.requestId);
      const replay = takeReplay(scope.replay, 'preparation');
      if (replay !== undefined) return { request: replay.request, truncated: false, at: replay.startedAt };
      const overflow = overflowOf(input.base, input.provider?.contextWindow, countTokens, input.force);
      if (overflow === undefined) return { request: input.base, truncated: false, at: clock.now() };
      const { tokens, budget } = overflow;
      // Forced (the provider said "too long" although the estimate fit): aim for 3/4 of the estimate.
      const target = Math.min(
        budget ?? Number.POSITIVE_INFINITY,
        input.force ? Math.floor(tokens * 0.75) : tokens,
      );
      const request =
        budget !== undefined && budget <= 0
          ? input.base
          : truncate(input.base, { maxTokens: target, countTokens });
      const stillTooLong = budget !== undefined && (budget <= 0 || countTokens(request) > budget);
      const noProgress = input.force && countTokens(request) >= tokens;
      if (stillTooLong || noProgress) {
        throw fail(
          deps,
          scope,
          new LLMError({
            type: 'context_length',
            message: `The request needs about ${tokens} tokens; ${input.provider?.id} takes ${input.provider?.contextWindow}.`,
            provider: input.provider?.id,
            code: 'context_window',
          }),
        );
      }
      return { request, truncated: true, at: clock.now() };
    }),

    callProvider: fromPromise<CallOutput, CallInput>(async ({ input, signal }) => {
      const scope = scopeOf(deps, input.requestId);
      const replay = takeReplay(scope.replay, 'attempt');
      const entry = replay !== undefined ? replay.entry : registry.get(input.provider?.id ?? '');
      const permit = replay !== undefined ? replay.permit : takePermit(deps, scope, entry);
      scope.attemptsRunning++;
      let running = true;
      try {
        const answered: ProviderResult = replay
          ? await adoptAttempt(deps, scope, replay, signal)
          : await runAttempt(deps, scope, entry, permit, input.request, input.attempt, signal);
        const result = raceChecked(deps, scope, answered, entry.provider.id);
        scope.attemptsRunning--;
        running = false;
        scope.toolCalls = result.toolCalls;
        return callOutputOf(result, clock.now());
      } catch (error) {
        throw isActorFailure(error) ? error : fail(deps, scope, error as LLMError);
      } finally {
        if (running) scope.attemptsRunning--;
      }
    }),

    validateOutput: fromStep<ValidateOutput, ValidateInput>(({ input }) => {
      const scope = scopeOf(deps, input.requestId);
      const result = judgeAnswer(
        { text: input.text, toolCalls: scope.toolCalls },
        scope,
        input.provider ?? undefined,
        options.validation,
      );
      if (result.ok) return { data: result.data, at: clock.now() };
      if (input.provider !== null) scope.lastErrorByProvider.set(input.provider, 'invalid_response');
      throw fail(deps, scope, result.error, result.validation);
    }),

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
