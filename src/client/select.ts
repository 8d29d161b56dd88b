/**
 * Provider selection, shared by the statechart's `selectProvider` actor and the fast path so both pick the
 * same provider and record the same skips: in the routing strategy's order, providers held back by their
 * rate-limit admission last (paused after an account-wide Retry-After, or shed in proportion to their recent
 * rate limits) and so are providers at their adaptive concurrency limit, each asked for a breaker permit until one grants it.
 */
import type { AttemptRecord } from '../../machines/request-types.js';
import type { BreakerPermit } from '../breaker/types.js';
import type { LLMError } from '../errors/llm-error.js';
import type { AdmissionDecision } from '../routing/admission.js';
import { orderProviders, type SelectPolicy } from '../routing/strategy.js';
import type { ProviderEntry } from './registry.js';

/** The provider picked, with its permit and how many others could still take the call. */
export interface Selection {
  entry: ProviderEntry | undefined;
  permit: BreakerPermit | undefined;
  alternatives: number;
  /** The first breaker refusal met, for the call's final error if nothing answers. */
  refusal: LLMError | undefined;
}

/**
 * A skipped-provider record: a breaker refusal, or the rate-limit admission holding the provider back
 * (`code` `rate_limited` with the rest of the Retry-After, or `rate_limit_shed`), or its concurrency limit
 * (`concurrency_limited`).
 */
export function skipRecord(
  entry: ProviderEntry,
  why: { code?: string | undefined; retryAfterMs?: number | undefined },
  at: number,
): AttemptRecord {
  const record: AttemptRecord = {
    provider: entry.provider.id,
    attempt: 0,
    startedAt: at,
    durationMs: 0,
    outcome: 'skipped',
    decision: 'skipped',
  };
  if (why.code) record.code = why.code;
  if (why.retryAfterMs !== undefined) record.retryAfterMs = why.retryAfterMs;
  return record;
}

type Held = Map<ProviderEntry, AdmissionDecision & { ok: false }>;

/** Providers the rate-limit admission holds back for this call, or undefined when none. */
function heldBack(candidates: readonly ProviderEntry[], now: number, random: () => number): Held | undefined {
  let held: Held | undefined;
  for (const entry of candidates) {
    const decision = entry.stats.admit(now, random);
    if (decision === undefined || decision.ok) continue;
    held ??= new Map();
    held.set(entry, decision);
  }
  return held;
}

/** True the first time `entry` is skipped in the call (`seen`; always true without one). */
function firstSkip(seen: Set<string> | undefined, entry: ProviderEntry): boolean {
  if (seen === undefined) return true;
  if (seen.has(entry.provider.id)) return false;
  seen.add(entry.provider.id);
  return true;
}

/**
 * Picks a provider from `ranked` (minus `excluded`) at `now`. Skips are appended to `skipped`, once per
 * provider per call (`seen`, when the call selects more than once).
 */
export function selectFrom(
  ranked: readonly ProviderEntry[],
  excluded: readonly string[],
  now: number,
  skipped: AttemptRecord[],
  seen: Set<string> | undefined,
  policy: SelectPolicy,
): Selection {
  const remaining = excluded.length === 0 ? ranked : ranked.filter((e) => !excluded.includes(e.provider.id));
  const candidates = orderProviders(policy.strategy, remaining, policy.random);
  const held = heldBack(candidates, now, policy.random);
  // Providers held back go last: tried only when nobody else can take the call.
  const order =
    held === undefined
      ? candidates
      : [...candidates.filter((e) => !held.has(e)), ...candidates.filter((e) => held.has(e))];
  let refusal: LLMError | undefined;
  for (const entry of order) {
    const acquired = entry.breaker.tryAcquire();
    if (!acquired.ok) {
      if (firstSkip(seen, entry)) {
        skipped.push(skipRecord(entry, acquired.error, now));
        refusal ??= acquired.error;
      }
      continue;
    }
    if (held !== undefined) {
      for (const other of candidates) {
        if (other === entry) break;
        const decision = held.get(other);
        if (decision === undefined || !firstSkip(seen, other)) continue;
        skipped.push(skipRecord(other, decision, now));
      }
    }
    // Who else could take this call now: the lifecycle waits on a provider only when nobody can.
    let alternatives = 0;
    for (const other of candidates) {
      const state = other.breaker.state;
      if (other !== entry && state !== 'open' && state !== 'forcedOpen') alternatives++;
    }
    return { entry, permit: entry.stats.track(acquired.permit, policy.clock), alternatives, refusal };
  }
  return { entry: undefined, permit: undefined, alternatives: 0, refusal };
}
