/**
 * One attempt on a provider, held under a breaker permit: taking the permit, releasing it with the outcome
 * (or as cancelled), and running the call. Shared by the call, stream and simplified-prompt actors.
 */
import type { BreakerPermit } from '../breaker/types.js';
import { LLMError } from '../errors/llm-error.js';
import type { LLMRequest, ProviderCallOptions, ProviderResult } from '../types.js';
import { type ActorDeps, classifyFor, fail } from './actor-deps.js';
import type { ProviderEntry } from './registry.js';
import type { Replay } from './replay.js';
import type { CallScope } from './scope.js';
import { missingTextError, recordSuccess } from './steps.js';

/**
 * Accounts for one attempt on its breaker permit. The permit is released the moment the attempt ends —
 * including when the machine stops it (attempt timeout: a counted `timeout` failure; caller abort, total
 * deadline, a lost hedge race or any stopped `hedge`: `cancelled`) — even if the provider ignores its signal. A stopped attempt's late outcome is
 * ignored, so it cannot overwrite what later attempts recorded.
 */
export function guardAttempt(
  deps: ActorDeps,
  scope: CallScope,
  entry: ProviderEntry,
  permit: BreakerPermit,
  signal: AbortSignal,
  started = deps.clock.now(),
  hedge = false,
) {
  const id = entry.provider.id;
  // Once the attempt has ended, stopping its actor (the machine leaving the state on the attempt's own
  // outcome) records nothing more: a stream's failure must not be overwritten by a timeout.
  let ended = false;
  const answersAtStart = scope.answers;
  const onStop = () => {
    if (ended) return;
    const now = deps.clock.now();
    // A hedge, or an attempt whose race another attempt won, is stopped by the race: never a breaker failure.
    const lostRace = hedge || scope.answers > answersAtStart;
    if (lostRace || scope.callerAborted || now >= scope.deadlineAt) permit.release({ kind: 'cancelled' });
    else {
      const error = new LLMError({ type: 'timeout', provider: id, code: 'attempt_timeout' });
      scope.lastErrorByProvider.set(id, 'timeout');
      permit.release({ kind: 'failure', error, durationMs: now - started });
    }
  };
  signal.addEventListener('abort', onStop, { once: true });
  return {
    succeeded(rateLimit?: ProviderResult['rateLimit']) {
      if (signal.aborted) return;
      ended = true;
      recordSuccess(permit, started, deps.clock.now(), rateLimit);
    },
    /** Classifies a throw; records it unless the attempt was already stopped. */
    failed(thrown: unknown): LLMError {
      const error = classifyFor(entry, thrown);
      if (!signal.aborted) {
        ended = true;
        scope.lastErrorByProvider.set(id, error.type);
        permit.release({ kind: 'failure', error, durationMs: deps.clock.now() - started });
      }
      return error;
    },
    dispose() {
      signal.removeEventListener('abort', onStop);
    },
  };
}

/** The permit for an attempt: the one taken while selecting if still good, else a fresh one. */
export function takePermit(deps: ActorDeps, scope: CallScope, entry: ProviderEntry): BreakerPermit {
  const held = scope.heldPermit?.providerId === entry.provider.id ? scope.heldPermit.permit : undefined;
  scope.heldPermit = undefined;
  // A permit taken while selecting is only good while the circuit has not opened since (other calls may
  // have tripped it in between); otherwise it goes back and a fresh one is asked for.
  const stillUsable = entry.breaker.state !== 'open' && entry.breaker.state !== 'forcedOpen';
  if (held && stillUsable) return held;
  held?.release({ kind: 'cancelled' });
  const acquired = entry.breaker.tryAcquire();
  if (!acquired.ok) throw fail(deps, scope, acquired.error);
  return entry.stats.track(acquired.permit, deps.clock);
}

/**
 * Takes over the fast path's first attempt (see `fast-path.ts`): the same accounting as {@link runAttempt},
 * for a provider call that is already running (or settled) under the fast path's controller, which the
 * machine's `stopAttempt` aborts.
 */
export async function adoptAttempt(deps: ActorDeps, scope: CallScope, replay: Replay) {
  scope.heldPermit = undefined;
  const { entry, permit, controller } = replay;
  const guard = guardAttempt(deps, scope, entry, permit, controller.signal, replay.startedAt);
  try {
    return checked(entry, await replay.outcome, guard);
  } catch (thrown) {
    throw guard.failed(thrown);
  } finally {
    guard.dispose();
  }
}

/** An answer without text is an `invalid_response`; one with text releases the permit as a success. */
function checked(entry: ProviderEntry, result: ProviderResult, guard: ReturnType<typeof guardAttempt>) {
  const error = missingTextError(entry.provider.id, result);
  if (error !== undefined) throw error;
  guard.succeeded(result.rateLimit);
  return result;
}

/** Runs one provider call under a breaker permit (see {@link guardAttempt}). */
export async function runAttempt(
  deps: ActorDeps,
  scope: CallScope,
  entry: ProviderEntry,
  permit: BreakerPermit,
  request: LLMRequest,
  attempt: number,
  signal: AbortSignal,
  hedge = false,
) {
  const guard = guardAttempt(deps, scope, entry, permit, signal, deps.clock.now(), hedge);
  try {
    const options: ProviderCallOptions = { signal, requestId: scope.requestId, attempt };
    if (scope.headers !== undefined) options.headers = scope.headers;
    const result = await entry.provider.call(request, options);
    return checked(entry, result, guard);
  } catch (thrown) {
    throw guard.failed(thrown);
  } finally {
    guard.dispose();
  }
}
