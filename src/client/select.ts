/**
 * Provider selection, shared by the statechart's `selectProvider` actor and the fast path so both pick the
 * same provider and record the same skips: by rank, providers cooling down after a Retry-After last, each
 * asked for a breaker permit until one grants it.
 */
import type { AttemptRecord } from '../../machines/request-types.js';
import type { BreakerPermit } from '../breaker/types.js';
import type { LLMError } from '../errors/llm-error.js';
import type { ProviderEntry } from './registry.js';

/** The provider picked, with its permit and how many others could still take the call. */
export interface Selection {
  entry: ProviderEntry | undefined;
  permit: BreakerPermit | undefined;
  alternatives: number;
  /** The first breaker refusal met, for the call's final error if nothing answers. */
  refusal: LLMError | undefined;
}

/** A skipped-provider record: a breaker refusal, or a cool-down after a Retry-After (`code` rate_limited). */
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
): Selection {
  const candidates = excluded.length === 0 ? ranked : ranked.filter((e) => !excluded.includes(e.provider.id));
  const cooling = (entry: ProviderEntry) => entry.coolUntil > now;
  const anyCooling = candidates.some(cooling);
  // Providers cooling down after a Retry-After go last: tried only when nobody else can take the call.
  const order = anyCooling
    ? [...candidates.filter((e) => !cooling(e)), ...candidates.filter(cooling)]
    : candidates;
  const firstSkip = (entry: ProviderEntry) => {
    if (seen === undefined) return true;
    if (seen.has(entry.provider.id)) return false;
    seen.add(entry.provider.id);
    return true;
  };
  let refusal: LLMError | undefined;
  for (const entry of order) {
    const acquired = entry.breaker.tryAcquire();
    if (!acquired.ok) {
      if (firstSkip(entry)) {
        skipped.push(skipRecord(entry, acquired.error, now));
        refusal ??= acquired.error;
      }
      continue;
    }
    for (const other of candidates) {
      if (other === entry) break;
      if (!cooling(other) || !firstSkip(other)) continue;
      skipped.push(skipRecord(other, { code: 'rate_limited', retryAfterMs: other.coolUntil - now }, now));
    }
    // Who else could take this call now: the lifecycle waits on a provider only when nobody can.
    let alternatives = 0;
    for (const other of candidates) {
      const state = other.breaker.state;
      if (other !== entry && state !== 'open' && state !== 'forcedOpen') alternatives++;
    }
    return { entry, permit: acquired.permit, alternatives, refusal };
  }
  return { entry: undefined, permit: undefined, alternatives: 0, refusal };
}
