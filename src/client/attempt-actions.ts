/**
 * The attempt of the request lifecycle as the two actions `src/` supplies to `requestMachine.provide({ actions
 * })`: `callProvider` (entry of `attempting`) starts the provider call and sends `attempt.done` or
 * `attempt.failed` back when it settles; `stopAttempt` (exit of `attempting`) aborts it if it is still running.
 *
 * Before, the attempt was an invoked promise actor: a child actor per attempt costs ~70 µs of CPU to create,
 * start, report and stop, as much as the rest of an uneventful call's statechart run (`bench/overhead/
 * xstate-floor.ts`). The semantics are the child's: the machine leaving `attempting` stops the attempt (its
 * permit goes back as a `timeout` failure or as `cancelled`, `attempt.ts`), and a stopped attempt reports
 * nothing, so a late answer cannot reach a later state.
 */
import type { ActorFailure, CallOutput, RequestContext, RequestEvent } from '../../machines/request-types.js';
import type { LLMError } from '../errors/llm-error.js';
import type { ProviderResult } from '../types.js';
import { fail, scopeOf } from './actor-deps.js';
import { callOutputOf } from './answer.js';
import { adoptAttempt, runAttempt, takePermit } from './attempt.js';
import { type HedgeDeps, isActorFailure, raceChecked } from './hedge-actor.js';
import { type Replay, takeReplay } from './replay.js';
import type { CallScope, RunningAttempt } from './scope.js';

/** What the two actions receive from XState: the call's context and its actor, to send the outcome to. */
interface AttemptActionArgs {
  context: RequestContext;
  self: { send(event: RequestEvent): void; getSnapshot(): { status: string } };
}

/** Runs the attempt: the fast path's first attempt when the call was handed over, else a fresh provider call. */
async function attemptOutcome(
  deps: HedgeDeps,
  scope: CallScope,
  context: RequestContext,
  replay: Replay | undefined,
  signal: AbortSignal,
): Promise<CallOutput> {
  const entry = replay !== undefined ? replay.entry : deps.registry.get(context.provider?.id ?? '');
  scope.attemptsRunning++;
  let running = true;
  try {
    const answered: ProviderResult =
      replay !== undefined
        ? await adoptAttempt(deps, scope, replay)
        : await runAttempt(
            deps,
            scope,
            entry,
            takePermit(deps, scope, entry),
            context.request,
            context.attemptsOnProvider,
            signal,
          );
    const result = raceChecked(deps, scope, answered, entry.provider.id);
    scope.attemptsRunning--;
    running = false;
    return callOutputOf(result, deps.clock.now());
  } catch (error) {
    throw isActorFailure(error) ? error : fail(deps, scope, error as LLMError);
  } finally {
    if (running) scope.attemptsRunning--;
  }
}

/** The attempt actions for `requestMachine.provide({ actions })`. */
export function createAttemptActions(deps: HedgeDeps) {
  return {
    callProvider: ({ context, self }: AttemptActionArgs): void => {
      let scope: CallScope;
      try {
        scope = scopeOf(deps, context.requestId);
      } catch (error) {
        // No runtime state for this call (not reachable through the client): the attempt fails at once.
        const failure = fail(deps, undefined, error as LLMError);
        Promise.resolve().then(() => self.send({ type: 'attempt.failed', failure }));
        return;
      }
      // A handed-over call's first attempt already runs under the fast path's controller: stopping aborts it.
      const replay = takeReplay(scope.replay, 'attempt');
      const attempt: RunningAttempt = {
        controller: replay?.controller ?? new AbortController(),
        over: false,
      };
      scope.attempt = attempt;
      const report = (event: RequestEvent) => {
        if (attempt.over) return;
        attempt.over = true;
        if (self.getSnapshot().status === 'active') self.send(event);
      };
      attemptOutcome(deps, scope, context, replay, attempt.controller.signal).then(
        (output) => report({ type: 'attempt.done', output }),
        (failure: ActorFailure) => report({ type: 'attempt.failed', failure }),
      );
    },
    stopAttempt: ({ context }: AttemptActionArgs): void => {
      const scope = deps.scopes.get(context.requestId);
      const attempt = scope?.attempt;
      if (scope === undefined || attempt === undefined) return;
      scope.attempt = undefined;
      if (attempt.over) return;
      attempt.over = true;
      attempt.controller.abort();
    },
  };
}
