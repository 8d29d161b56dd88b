/**
 * The runtime side of hedging: the `hedgeProvider` actor (select a provider other than the one in flight,
 * ask the hedge budget, run the same request there), the `hedgeDelay` (a provider's latency quantile or a
 * fixed delay) and the check that keeps an invalid answer from winning a race while another attempt runs.
 */
import { fromCallback } from 'xstate';
import type { ActorFailure, HedgeInput, RequestContext, RequestEvent } from '../../machines/request-types.js';
import type { LLMError } from '../errors/llm-error.js';
import type { HedgeBudget } from '../routing/hedge-budget.js';
import type { ProviderResult } from '../types.js';
import { type ActorDeps, fail, scopeOf } from './actor-deps.js';
import { callOutputOf, judgeAnswer } from './answer.js';
import { runAttempt } from './attempt.js';
import { latencyHedgeDelayMs } from './hedging-options.js';
import type { CallScope } from './scope.js';
import { selectFrom } from './select.js';

/** What hedging needs besides the actors' usual dependencies. */
export interface HedgeDeps extends ActorDeps {
  hedgeBudget: HedgeBudget | undefined;
}

/** A rejection value already built by `fail()` (raced validation), not a provider's throw. */
export function isActorFailure(thrown: unknown): thrown is ActorFailure {
  return (
    typeof thrown === 'object' &&
    thrown !== null &&
    'error' in thrown &&
    'at' in thrown &&
    !('type' in thrown)
  );
}

/**
 * While another attempt of the call is still running, an answer that fails the call's schema does not win
 * the race: it is thrown as the attempt's `invalid_response` (the provider answered, so its permit already
 * went back as a success). A winning answer is counted, so the attempt it beat is stopped as `cancelled`.
 */
export function raceChecked(deps: ActorDeps, scope: CallScope, result: ProviderResult, provider: string) {
  if (scope.attemptsRunning > 1 && scope.schema !== undefined) {
    const checked = judgeAnswer(result, scope, provider, deps.options.validation);
    if (!checked.ok) throw fail(deps, scope, checked.error, checked.validation);
  }
  scope.answers++;
  // The winner's tool calls, for the validating step (the statechart keeps only the text).
  scope.toolCalls = result.toolCalls;
  return result;
}

/** The `hedgeProvider` actor: reports `hedge.started` or `hedge.refused`, then `hedge.answered` or `hedge.failed`. */
export function hedgeProviderActor(deps: HedgeDeps) {
  const { clock, registry } = deps;
  return fromCallback<RequestEvent, HedgeInput>(({ input, sendBack }) => {
    const scope = scopeOf(deps, input.requestId);
    const now = clock.now();
    const picked = selectFrom(registry.ranked(), input.excluded, now, [], new Set(), registry.policy);
    const { entry, permit } = picked;
    if (entry === undefined || permit === undefined) {
      sendBack({ type: 'hedge.refused', provider: null, code: 'no_hedge_provider', at: now });
      return;
    }
    const { hedging } = deps.options;
    const share = input.race && hedging !== false && hedging.mode === 'both' ? hedging.raceShare : 1;
    // A race whose retry never reached its provider (the breaker refused it: the circuit opened meanwhile)
    // sends one upstream call, not two: this hedge is the call's failover, not an extra call, so it is not
    // charged to the budget that bounds extra calls.
    const extra = !input.race || scope.attemptsRunning > 0;
    if (extra && deps.hedgeBudget !== undefined && !deps.hedgeBudget.tryHedge(share)) {
      permit.release({ kind: 'cancelled' });
      sendBack({ type: 'hedge.refused', provider: entry.provider.id, code: 'hedge_budget', at: now });
      return;
    }
    const controller = new AbortController();
    sendBack({ type: 'hedge.started', provider: entry.ref, at: now });
    scope.attemptsRunning++;
    let running = true;
    const done = () => {
      if (running) scope.attemptsRunning--;
      running = false;
    };
    runAttempt(deps, scope, entry, permit, input.request, 1, controller.signal, true)
      .then((result) => {
        if (controller.signal.aborted) return;
        const won = raceChecked(deps, scope, result, entry.provider.id);
        done();
        sendBack({ type: 'hedge.answered', output: callOutputOf(won, clock.now()) });
      })
      .catch((thrown: unknown) => {
        done();
        if (controller.signal.aborted) return;
        const failure = isActorFailure(thrown) ? thrown : fail(deps, scope, thrown as LLMError);
        sendBack({ type: 'hedge.failed', failure });
      });
    return () => {
      done();
      controller.abort();
    };
  });
}

/**
 * The latency hedge delay of the attempt in flight (a race after a failure waits for none): what is left of
 * {@link latencyHedgeDelayMs} since the attempt started (all of it, except for an attempt the fast path
 * handed over at its hedge point, which hedges at once).
 */
export function hedgeDelayMs(deps: ActorDeps, context: RequestContext): number {
  const hedging = deps.options.hedging;
  if (hedging === false || context.settings.hedging == null) return context.settings.attemptMs;
  const id = context.provider?.id;
  const sketch = id === undefined ? undefined : deps.registry.get(id).stats.sketch;
  const elapsed = Math.max(0, deps.clock.now() - context.attemptStartedAt);
  return Math.max(0, latencyHedgeDelayMs(hedging, sketch) - elapsed);
}
