/**
 * Invariants the design states, asserted on every step of every generated path. Their oracle is the
 * configuration and the design's rules, not the machine under test, so a wrong machine fails them even
 * when the runtime agrees with it.
 */
import type { BreakerContext } from '../../machines/circuit-breaker-types.js';
import type { RequestContext } from '../../machines/request-types.js';

/** A breaker snapshot as paths carry it. */
interface BreakerStep {
  value: unknown;
  context: BreakerContext;
}

/** What the design says of one breaker step (`before` → `event` → `after`); one line per broken rule. */
export function breakerInvariants(
  before: BreakerStep | undefined,
  event: { type: string },
  after: BreakerStep,
): string[] {
  const broken: string[] = [];
  const { context } = after;
  const { config } = context;
  if (
    after.value === 'halfOpen' &&
    context.source === 'local' &&
    context.inFlight > config.halfOpenMaxCalls
  ) {
    broken.push(
      `halfOpen: ${context.inFlight} probes in flight > halfOpenMaxCalls ${config.halfOpenMaxCalls}`,
    );
  }
  // The design: a half-open round of halfOpenMaxCalls probes tolerates halfOpenMaxCalls - successThreshold
  // counted failures; the next one (and only that) reopens it. Written out here, not through the rule function.
  // (Only for outcomes a local breaker decides: while a store decides, the actor counts without acting.)
  const tolerated = Math.max(0, config.halfOpenMaxCalls - config.successThreshold);
  const outcome = event.type === 'breaker.failure' || event.type === 'breaker.success';
  const decidesLocally = before?.context.source === 'local' && context.source === 'local';
  if (outcome && decidesLocally && after.value === 'halfOpen' && context.halfOpenFailures > tolerated) {
    broken.push(
      `halfOpen: ${context.halfOpenFailures} probe failures kept, but only ${tolerated} are tolerated`,
    );
  }
  if (
    outcome &&
    before?.value === 'halfOpen' &&
    before.context.source === 'local' &&
    after.value === 'open' &&
    before.context.halfOpenFailures < tolerated
  ) {
    broken.push(
      `halfOpen reopened after ${before.context.halfOpenFailures + 1} probe failures; ${tolerated} are tolerated`,
    );
  }
  const refusing = before?.value === 'open' || before?.value === 'forcedOpen';
  if (event.type === 'breaker.acquire' && refusing && context.lastDecision?.allowed === true) {
    broken.push(`a permit was granted while ${String(before?.value)}`);
  }
  // A local trip (an outcome opened it) lasts openMs grown by backoff up to maxOpenMs, or to a Retry-After.
  const trip = event.type === 'breaker.failure' || event.type === 'breaker.success';
  const opened = trip && before?.value !== 'open' && context.source === 'local';
  const { openUntil, openedAt } = context;
  if (opened && after.value === 'open' && openUntil !== null && openedAt !== null) {
    const duration = openUntil - openedAt;
    const longest = Math.max(config.openMs, config.maxOpenMs);
    const { retryAfterMs } = event as { retryAfterMs?: number };
    const hints = [before?.context.hintUntil ?? null, retryAfterMs ? openedAt + retryAfterMs : null];
    const hinted = Math.max(0, ...hints.map((h) => (h === null ? 0 : h - openedAt)));
    if (!(duration >= Math.min(config.openMs, longest)) || duration > Math.max(longest, hinted)) {
      broken.push(`open for ${duration} ms (openMs ${config.openMs}, maxOpenMs ${config.maxOpenMs})`);
    }
  }
  return broken;
}

/** Degradation steps in the order the design gives them. */
const DEGRADATION_ORDER = ['degrading.cache', 'degrading.simplified', 'degrading.fallback'];

/**
 * What the design says of a request's state sequence: degradation runs cache, then simplified, then the
 * fallback, never back, and starts with the cache when one is configured (unless text was streamed).
 */
export function degradationInvariants(states: readonly string[], features: { cache: boolean }): string[] {
  const steps = states.filter((s) => DEGRADATION_ORDER.includes(s));
  const broken: string[] = [];
  const ranks = steps.map((s) => DEGRADATION_ORDER.indexOf(s));
  if (ranks.some((rank, i) => i > 0 && rank <= (ranks[i - 1] as number))) {
    broken.push(`degradation out of order: ${steps.join(' → ')}`);
  }
  if (features.cache && steps.length > 0 && steps[0] !== 'degrading.cache') {
    broken.push(`degradation skipped the cache: ${steps.join(' → ')}`);
  }
  return broken;
}

/** What hedging invariants read of a request step. */
interface RequestStep {
  value: unknown;
  status: string;
  context: RequestContext;
}

/**
 * What the design says of hedging on one request step (`state` is the path, e.g. `active.attempting.waiting`):
 * at most `1 + maxHedges` attempts in flight and at most `maxHedges` hedges per call; a hedge only exists
 * while attempting and never goes to the provider in flight or one the call already left; an answer comes
 * from the provider of the last successful attempt record; a provider chosen after its hedge failed goes on
 * from that attempt's number (no fresh set of attempts); a race after a failure is planned only in a mode
 * that races (`on-failure`, `both`) and only while attempting, and it ends with its hedge.
 */
export function hedgingInvariants(state: string, step: RequestStep): string[] {
  const broken: string[] = [];
  const { context } = step;
  const maxHedges = context.settings.hedging?.maxHedges ?? 0;
  const attempting = state.startsWith('active.attempting');
  const inFlight = (attempting && context.primaryRunning ? 1 : 0) + (context.hedge !== null ? 1 : 0);
  if (inFlight > 1 + maxHedges) broken.push(`${inFlight} attempts in flight > 1 + maxHedges ${maxHedges}`);
  if (context.hedges > maxHedges) broken.push(`${context.hedges} hedges > maxHedges ${maxHedges}`);
  if (context.raceNow) {
    if (context.settings.hedging?.mode === 'latency') broken.push('a race planned in latency mode');
    if (!attempting) broken.push(`a race planned in ${state}`);
    // Before its hedge starts, a race belongs to the retry on the provider that just failed, never to a later
    // attempt elsewhere (which would be hedged at once).
    const failed = context.attempts.filter((a) => a.decision === 'hedge' && !a.hedge).at(-1);
    const waiting = state === 'active.attempting.waiting' || state === 'active.attempting.hedgePending';
    if (waiting && failed !== undefined && failed.provider !== context.provider?.id)
      broken.push(`a race planned after ${failed.provider} failed, on an attempt on ${context.provider?.id}`);
  }
  const hedge = context.hedge;
  if (hedge !== null) {
    if (!attempting) broken.push(`a hedge in flight in ${state}`);
    if (context.excluded.includes(hedge.provider.id))
      broken.push(`hedge on ${hedge.provider.id}, which the call left`);
    if (context.primaryRunning && hedge.provider.id === context.provider?.id)
      broken.push(`hedge on ${hedge.provider.id}, the provider in flight`);
  }
  // A provider chosen after its hedge failed goes on from that attempt: it gets no fresh set of attempts. (A
  // failed fit check before an attempt, `context_length`, carries the number of attempts already made.)
  const failedHedge = new Map<string, number>();
  for (const a of context.attempts) {
    const after = failedHedge.get(a.provider);
    const counted = a.attempt > 0 && a.outcome !== 'skipped' && a.outcome !== 'context_length';
    if (after !== undefined && !a.hedge && counted && a.attempt <= after)
      broken.push(`attempt ${a.attempt} on ${a.provider} after its hedge (attempt ${after}) failed`);
    if (a.hedge && counted && a.outcome !== 'success' && a.outcome !== 'cancelled')
      failedHedge.set(a.provider, a.attempt);
  }
  if (step.status === 'done' && context.answer?.source === 'primary') {
    const winner = context.attempts.filter((a) => a.outcome === 'success').at(-1);
    if (winner?.provider !== context.answer.provider)
      broken.push(`answer from ${context.answer.provider}, last success on ${winner?.provider}`);
  }
  return broken;
}
