/**
 * The lifecycle's synchronous steps — selection, the fit check and validation — as the entry actions `src/`
 * supplies to `requestMachine.provide({ actions })`. Each runs its step and raises the result
 * (`select.done`, `prepare.done` / `prepare.failed`, `validate.done` / `validate.failed`), which the machine
 * takes in the same macrostep: no child actor per step (an invoked actor per step cost about 60 µs of CPU
 * each, a third of the statechart path). Each finds its call's runtime state by request id.
 */
import { raise } from 'xstate';
import { providersOutOfCall } from '../../machines/hedge-logic.js';
import type {
  AttemptRecord,
  PrepareOutput,
  RequestContext,
  RequestEvent,
  SelectOutput,
} from '../../machines/request-types.js';
import { LLMError } from '../errors/llm-error.js';
import { type ActorDeps, fail, scopeOf } from './actor-deps.js';
import { judgeAnswer } from './answer.js';
import { takeReplay } from './replay.js';
import { selectFrom, skipRecord } from './select.js';
import { overflowOf } from './steps.js';
import { estimateTokens, truncateRequest } from './truncate.js';

type StepArgs = { context: RequestContext };
const prepared = (output: PrepareOutput): RequestEvent => ({ type: 'prepare.done', output });
/** An entry action raising the event `step` computes from the machine's context. */
const raising = (step: (args: StepArgs) => RequestEvent) =>
  raise<RequestContext, RequestEvent, RequestEvent, undefined, never, never>(step);

/** The step actions for `requestMachine.provide({ actions })`. */
export function createRequestSteps(deps: ActorDeps) {
  const { clock, registry, options } = deps;
  const countTokens = options.hooks.countTokens ?? estimateTokens;
  const truncate = options.hooks.truncate ?? truncateRequest;

  const select = (context: RequestContext): SelectOutput => {
    const scope = scopeOf(deps, context.requestId);
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
      incapable.length === 0 ? providersOutOfCall(context) : [...providersOutOfCall(context), ...incapable],
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
  };

  const prepare = (context: RequestContext): RequestEvent => {
    const scope = scopeOf(deps, context.requestId);
    const replay = takeReplay(scope.replay, 'preparation');
    if (replay !== undefined)
      return prepared({ request: replay.request, truncated: false, at: replay.startedAt });
    const { base, provider } = context;
    // The provider said "too long" although the estimate fit: truncate anyway.
    const force = context.lastError?.type === 'context_length';
    const overflow = overflowOf(base, provider?.contextWindow, countTokens, force);
    if (overflow === undefined) return prepared({ request: base, truncated: false, at: clock.now() });
    const { tokens, budget } = overflow;
    // Forced: aim for 3/4 of the estimate.
    const target = Math.min(budget ?? Number.POSITIVE_INFINITY, force ? Math.floor(tokens * 0.75) : tokens);
    const request =
      budget !== undefined && budget <= 0 ? base : truncate(base, { maxTokens: target, countTokens });
    const stillTooLong = budget !== undefined && (budget <= 0 || countTokens(request) > budget);
    const noProgress = force && countTokens(request) >= tokens;
    if (stillTooLong || noProgress) {
      const failure = fail(
        deps,
        scope,
        new LLMError({
          type: 'context_length',
          message: `The request needs about ${tokens} tokens; ${provider?.id} takes ${provider?.contextWindow}.`,
          provider: provider?.id,
          code: 'context_window',
        }),
      );
      return { type: 'prepare.failed', failure };
    }
    return prepared({ request, truncated: true, at: clock.now() });
  };

  const validate = (context: RequestContext): RequestEvent => {
    const scope = scopeOf(deps, context.requestId);
    const provider = context.provider?.id;
    const text = context.lastText ?? '';
    const result = judgeAnswer({ text, toolCalls: scope.toolCalls }, scope, provider, options.validation);
    if (result.ok) return { type: 'validate.done', output: { data: result.data, at: clock.now() } };
    if (provider !== undefined) scope.lastErrorByProvider.set(provider, 'invalid_response');
    return { type: 'validate.failed', failure: fail(deps, scope, result.error, result.validation) };
  };

  return {
    selectProvider: raising(({ context }) => ({ type: 'select.done', output: select(context) })),
    prepareRequest: raising(({ context }) => prepare(context)),
    validateOutput: raising(({ context }) => validate(context)),
  };
}
