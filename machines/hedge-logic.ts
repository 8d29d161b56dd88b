/**
 * Pure logic of hedged attempts: when a hedge may start, and how the race's outcomes change the context.
 * The hedge races the attempt in flight on `context.provider`; the first answer wins, the other attempt is
 * stopped (its record says `cancelled`, code `hedge_lost`). When the attempt in flight fails first, the hedge
 * carries on as the call's current attempt (`yieldToHedge`).
 */
import { answerUpdate, attemptsMadeOn, failureUpdate, withAttempt } from './request-logic.js';
import type {
  ActorFailure,
  AttemptRecord,
  CallOutput,
  RequestContext,
  RequestEvent,
} from './request-types.js';
import type { LLMErrorType } from './vocabulary.js';

/** Error types after which `on-failure` hedging races a retry against the next provider. */
const RACE_AFTER: ReadonlySet<LLMErrorType> = new Set(['provider_error', 'timeout', 'unknown']);

/** A hedge may start now: hedging on, hedges left, none in flight, the attempt still running, someone else to ask. */
export function canHedge(context: RequestContext): boolean {
  const hedging = context.settings.hedging;
  if (!hedging || context.mode !== 'call') return false;
  if (hedging.mode === 'on-failure' && !context.raceNow) return false;
  return (
    context.hedges < hedging.maxHedges &&
    context.hedge === null &&
    context.primaryRunning &&
    context.alternatives > 0
  );
}

/** A race after a failure was planned for this attempt and its hedge may start: it starts now, with the retry. */
export function canStartRace(context: RequestContext): boolean {
  return context.raceNow && canHedge(context);
}

/** `on-failure` (or `both`) hedging: after a retryable failure, retry here while a hedge races on the next provider. */
export function canRaceAfterFailure(context: RequestContext): boolean {
  const hedging = context.settings.hedging;
  const error = context.lastError;
  if (!hedging || hedging.mode === 'latency' || context.mode !== 'call' || !error) return false;
  return (
    RACE_AFTER.has(error.type) &&
    error.retryable &&
    context.hedges < hedging.maxHedges &&
    context.alternatives > 0 &&
    context.attemptsOnProvider < context.settings.maxAttempts &&
    context.settings.attemptMs < context.deadlineAt - context.clockMs
  );
}

/**
 * In a racing mode (`on-failure`, `both`), the attempt in flight failed while a latency hedge runs, with a
 * failure that would have been raced (retryable server error, timeout, unknown) and attempts left on its
 * provider: it is retried at once beside the hedge. Without this, a latency hedge that started just before the
 * failure (on a provider whose errors take as long as its answers) would take the call's one hedge and leave
 * the call to the hedge alone, where the race would have retried. A race's own hedge is already the answer to
 * a failed retry: the call yields to it.
 */
export function canRetryBesideHedge(context: RequestContext, error: RequestContext['lastError']): boolean {
  const hedging = context.settings.hedging;
  if (!hedging || hedging.mode === 'latency' || context.mode !== 'call' || error === null) return false;
  return (
    RACE_AFTER.has(error.type) &&
    error.retryable &&
    context.primaryRunning &&
    context.hedge !== null &&
    !context.raceNow &&
    context.attemptsOnProvider < context.settings.maxAttempts
  );
}

/** The retry beside the hedge: the failure is recorded (decision `retry`), the next attempt starts now. */
export function retryBesideHedgeUpdate(
  context: RequestContext,
  failure: ActorFailure,
): Partial<RequestContext> {
  const failed = failureUpdate(context, failure);
  const attempts = (failed.attempts ?? context.attempts).map((a, i, all) =>
    i === all.length - 1 ? { ...a, decision: 'retry' as const } : a,
  );
  return {
    ...failed,
    attempts,
    attemptsOnProvider: context.attemptsOnProvider + 1,
    totalAttempts: context.totalAttempts + 1,
    attemptStartedAt: failure.at,
  };
}

/** The record of an attempt stopped at `at` because the race was decided elsewhere (or cut by a deadline). */
function cancelledRecord(
  provider: string,
  attempt: number,
  startedAt: number,
  at: number,
  code: string,
  hedge: boolean,
): AttemptRecord {
  return {
    provider,
    attempt,
    startedAt,
    durationMs: Math.max(0, at - startedAt),
    outcome: 'cancelled',
    decision: 'hedge',
    code,
    ...(hedge ? { hedge: true as const } : {}),
  };
}

/** The attempts with the racing hedge recorded as stopped at `at` (when one is racing). */
export function withHedgeStopped(context: RequestContext, at: number, code: string): AttemptRecord[] {
  const { hedge } = context;
  if (hedge === null || !context.primaryRunning) return context.attempts;
  return withAttempt(context, cancelledRecord(hedge.provider.id, 1, hedge.startedAt, at, code, true));
}

/** The attempt on `provider` answered first: the racing hedge lost. */
export function primaryAnswerUpdate(context: RequestContext, out: CallOutput): Partial<RequestContext> {
  const attempts = withHedgeStopped(context, out.at, 'hedge_lost');
  // Set, not spread in: on Node 20 a spread followed by a key its source lacks costs ~1 µs (every answer).
  const update = answerUpdate({ ...context, attempts }, out, out.text);
  update.hedge = null;
  return update;
}

/** The context with the hedge as the current attempt (the attempt it raced is over). */
function hedgeAsCurrent(context: RequestContext): RequestContext {
  const { hedge, provider } = context;
  if (hedge === null) return context;
  return {
    ...context,
    provider: hedge.provider,
    excluded: provider ? [...context.excluded, provider.id] : context.excluded,
    alternatives: Math.max(0, context.alternatives - 1),
    attemptsOnProvider: 1,
    timeoutsOnProvider: 0,
    attemptStartedAt: hedge.startedAt,
    previousBackoffMs: null,
    truncated: false,
    primaryRunning: false,
  };
}

/** The attempt in flight failed while a hedge races it: its failure is recorded, the hedge carries on. */
export function yieldToHedgeUpdate(context: RequestContext, failure: ActorFailure): Partial<RequestContext> {
  const failed = failureUpdate(context, failure);
  const attempts = (failed.attempts ?? context.attempts).map((a, i, all) =>
    i === all.length - 1 ? { ...a, decision: 'hedge' as const } : a,
  );
  return { ...hedgeAsCurrent({ ...context, ...failed, attempts }), hedge: context.hedge };
}

/** The hedge answered first: the attempt it raced (if still running) lost, the hedge's provider answers. */
export function hedgeAnswerUpdate(context: RequestContext, out: CallOutput): Partial<RequestContext> {
  let current = context;
  if (context.primaryRunning && context.provider) {
    const lost = cancelledRecord(
      context.provider.id,
      context.attemptsOnProvider,
      context.attemptStartedAt,
      out.at,
      'hedge_lost',
      false,
    );
    current = hedgeAsCurrent({ ...context, attempts: withAttempt(context, lost) });
  }
  const update = answerUpdate(current, out, out.text);
  const attempts = (update.attempts ?? []).map((a, i, all) =>
    i === all.length - 1 ? { ...a, hedge: true as const } : a,
  );
  return { ...current, ...update, attempts, hedge: null };
}

/** The hedge failed: while the attempt it raced runs, only its record is kept; else it is the call's failure. */
export function hedgeFailureUpdate(context: RequestContext, failure: ActorFailure): Partial<RequestContext> {
  const { hedge } = context;
  if (hedge === null) return {};
  if (!context.primaryRunning) {
    const failed = failureUpdate(context, failure);
    const attempts = (failed.attempts ?? []).map((a, i, all) =>
      i === all.length - 1 ? { ...a, hedge: true as const } : a,
    );
    return { ...failed, attempts, hedge: null };
  }
  const record: AttemptRecord = {
    provider: hedge.provider.id,
    attempt: 1,
    startedAt: hedge.startedAt,
    durationMs: Math.max(0, failure.at - hedge.startedAt),
    outcome: failure.error.type,
    decision: 'hedge',
    hedge: true,
    ...(failure.error.code ? { code: failure.error.code } : {}),
  };
  const attempts = withAttempt(context, record);
  // Like a failed attempt of its own: a failure that is not retryable takes the provider out of the call;
  // otherwise a failover may still choose it, going on from this attempt (see `providersOutOfCall`).
  return {
    attempts,
    clockMs: failure.at,
    hedge: null,
    ...(failure.error.retryable ? {} : { excluded: [...context.excluded, hedge.provider.id] }),
  };
}

/**
 * Providers the call may not choose again: those it left (`excluded`), and any whose hedges have used all of
 * its `maxAttempts` in this call (a failover to it would go past the bound).
 */
export function providersOutOfCall(context: RequestContext): readonly string[] {
  if (context.hedges === 0) return context.excluded;
  const spent: string[] = [];
  for (const a of context.attempts) {
    if (!a.hedge || context.excluded.includes(a.provider) || spent.includes(a.provider)) continue;
    if (attemptsMadeOn(context.attempts, a.provider) >= context.settings.maxAttempts) spent.push(a.provider);
  }
  return spent.length === 0 ? context.excluded : [...context.excluded, ...spent];
}

/**
 * Providers a hedge may not go to: those out of the call, the one in flight, and any whose hedge already
 * failed or ran out of time in this call (a hedge is meant to reach a provider that has not failed the call).
 */
export function hedgeExcluded(context: RequestContext): string[] {
  const excluded = [...providersOutOfCall(context)];
  if (context.provider) excluded.push(context.provider.id);
  for (const a of context.attempts) {
    if (!a.hedge || a.attempt === 0 || a.outcome === 'success' || a.outcome === 'skipped') continue;
    if (a.outcome === 'cancelled' && a.code !== 'attempt_timeout') continue;
    if (!excluded.includes(a.provider)) excluded.push(a.provider);
  }
  return excluded;
}

/** A hedge that could not start: the budget was spent, or no other provider could take it. */
export function hedgeRefusedUpdate(context: RequestContext, event: RequestEvent): Partial<RequestContext> {
  if (event.type !== 'hedge.refused') return {};
  const record: AttemptRecord = {
    provider: event.provider ?? context.provider?.id ?? '?',
    attempt: 0,
    startedAt: event.at,
    durationMs: 0,
    outcome: 'skipped',
    decision: 'hedge',
    code: event.code,
    hedge: true,
  };
  return { attempts: withAttempt(context, record), clockMs: event.at };
}
