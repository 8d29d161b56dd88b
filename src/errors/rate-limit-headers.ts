/**
 * What a provider's rate-limit headers say about its remaining headroom: OpenAI (and Groq, Azure)
 * `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (Azure also spells them `x-rate-limit-…`) and
 * Anthropic `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`.
 * Read from successful answers and from errors alike; parsing is bounded and never throws.
 */
import { type HeaderMap, toHeaderMap } from './header-map.js';
import { parseResetValue } from './retry-after.js';

/**
 * A provider's rate-limit headroom as its last answer reported it. Every field is optional: providers send
 * some, all or none of these headers.
 */
export interface RateLimitInfo {
  /** Requests left in the current window. */
  remainingRequests?: number;
  /** Requests allowed per window. */
  limitRequests?: number;
  /** Tokens left in the current window (the most constrained token bucket). */
  remainingTokens?: number;
  /** Tokens allowed per window (of the same bucket as `remainingTokens`). */
  limitTokens?: number;
  /** Milliseconds until the most constrained bucket refills. */
  resetMs?: number;
}

interface Bucket {
  remaining: number;
  limit: number | undefined;
  resetMs: number | undefined;
}

/** Header name stems per bucket kind: `<prefix><part><suffix>` with part limit / remaining / reset. */
const SPELLINGS = {
  requests: [
    (part: string) => `x-ratelimit-${part}-requests`,
    (part: string) => `x-rate-limit-${part}-requests`,
    (part: string) => `anthropic-ratelimit-requests-${part}`,
  ],
  tokens: [
    (part: string) => `x-ratelimit-${part}-tokens`,
    (part: string) => `x-rate-limit-${part}-tokens`,
    ...['tokens', 'input-tokens', 'output-tokens'].map(
      (bucket) => (part: string) => `anthropic-ratelimit-${bucket}-${part}`,
    ),
  ],
} as const;

function count(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (!/^\d{1,15}(?:\.\d{1,6})?$/.test(text)) return undefined;
  return Number(text);
}

/** Share of a bucket left (remaining ÷ limit; 0 when nothing remains, 1 when the limit is unknown). */
export function bucketFraction(remaining: number, limit: number | undefined): number {
  if (remaining <= 0) return 0;
  if (limit === undefined || limit <= 0) return 1;
  return Math.min(1, remaining / limit);
}

/** The most constrained bucket of one kind (lowest remaining ÷ limit). */
function tightest(headers: HeaderMap, names: ReadonlyArray<(part: string) => string>, now: number) {
  let best: Bucket | undefined;
  for (const name of names) {
    const remaining = count(headers.get(name('remaining')));
    if (remaining === undefined) continue;
    const rawReset = headers.get(name('reset'));
    const bucket: Bucket = {
      remaining,
      limit: count(headers.get(name('limit'))),
      resetMs: rawReset === undefined ? undefined : parseResetValue(rawReset, now),
    };
    if (
      best === undefined ||
      bucketFraction(bucket.remaining, bucket.limit) < bucketFraction(best.remaining, best.limit)
    )
      best = bucket;
  }
  return best;
}

/**
 * The {@link RateLimitInfo} in `headers` (a Web `Headers`, a record or a {@link HeaderMap}), or undefined when
 * they carry no remaining count. `now` (ms since epoch) resolves reset headers given as dates.
 */
export function rateLimitFromHeaders(headers: unknown, now: number = Date.now()): RateLimitInfo | undefined {
  try {
    const map = headers instanceof Map ? (headers as HeaderMap) : toHeaderMap(headers);
    if (map.size === 0) return undefined;
    const requests = tightest(map, SPELLINGS.requests, now);
    const tokens = tightest(map, SPELLINGS.tokens, now);
    if (requests === undefined && tokens === undefined) return undefined;
    const info: RateLimitInfo = {};
    if (requests !== undefined) {
      info.remainingRequests = requests.remaining;
      if (requests.limit !== undefined) info.limitRequests = requests.limit;
    }
    if (tokens !== undefined) {
      info.remainingTokens = tokens.remaining;
      if (tokens.limit !== undefined) info.limitTokens = tokens.limit;
    }
    const [first, second] = [requests, tokens].sort(
      (x, y) =>
        (x ? bucketFraction(x.remaining, x.limit) : 2) - (y ? bucketFraction(y.remaining, y.limit) : 2),
    );
    const resetMs = first?.resetMs ?? second?.resetMs;
    if (resetMs !== undefined && Number.isFinite(resetMs)) info.resetMs = resetMs;
    return info;
  } catch {
    return undefined;
  }
}

/** Share of its rate limit a provider has left according to `info`: the lowest over its buckets (0..1). */
export function headroomOf(info: RateLimitInfo): number {
  let fraction = 1;
  if (info.remainingRequests !== undefined)
    fraction = Math.min(fraction, bucketFraction(info.remainingRequests, info.limitRequests));
  if (info.remainingTokens !== undefined)
    fraction = Math.min(fraction, bucketFraction(info.remainingTokens, info.limitTokens));
  return fraction;
}
