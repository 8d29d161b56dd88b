/**
 * Retry-After, from every form providers use, in milliseconds. Precedence: `retry-after-ms` >
 * `retry-after` > provider reset headers (OpenAI/Groq `x-ratelimit-reset-*`, Azure `x-rate-limit-reset-*`,
 * Anthropic `anthropic-ratelimit-*-reset`) > Gemini `RetryInfo.retryDelay` in the body > message text
 * ("Please try again in 26.604s", "retry after 60 seconds"). All parsing is linear and bounded.
 */
import { type HeaderMap, type HeadersLike, toHeaderMap } from './header-map.js';

/**
 * The longest wait resilient-llm reports or honours: one day. Longer asks (`retry-after: 1e300`) are cut to
 * it, so every `retryAfterMs` is a valid timer delay and every `Retry-After` header we write is a plain
 * integer. Any wait beyond an hour already counts as `quota_exhausted`.
 */
export const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * The one clamp for Retry-After values: a number of milliseconds in `0..MAX_RETRY_AFTER_MS`, or undefined
 * for anything that is no usable wait (not a number, NaN, ±Infinity, negative).
 */
export function clampRetryAfterMs(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
  return Math.min(value, MAX_RETRY_AFTER_MS);
}

/** Only this many characters of a message are scanned for "try again in ..." phrases. */
export const MAX_SCAN_CHARS = 65_536;

const UNIT_MS: Readonly<Record<string, number>> = {
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
  us: 1e-3,
  ns: 1e-6,
};
const UNIT_ALIASES: Readonly<Record<string, string>> = {
  hour: 'h',
  hours: 'h',
  hr: 'h',
  hrs: 'h',
  minute: 'm',
  minutes: 'm',
  min: 'm',
  mins: 'm',
  second: 's',
  seconds: 's',
  sec: 's',
  secs: 's',
  millisecond: 'ms',
  milliseconds: 'ms',
  µs: 'us',
};
/** One `<number><unit>` component; a unit must not run into further letters ("2 months" is no duration). */
const COMPONENT =
  /[ \t]?(\d{1,15}(?:\.\d{1,15})?)(?:[ \t]?(milliseconds?|ms|minutes?|mins?|m|hours?|hrs?|hr|h|seconds?|secs?|s|us|µs|ns)(?![a-zµ])|(?![ \t]?[a-zµ]))/iy;

/**
 * Parses a duration at `start` of `text`: Go style (`6m0s`, `1.5s`, `12ms`, `2m59.56s`), worded
 * (`60 seconds`, `1 minute`) or a bare number of seconds (`55`). Returns milliseconds and where it ended.
 */
function readDuration(text: string, start: number): { ms: number; end: number } | undefined {
  let total = 0;
  let pos = start;
  let parts = 0;
  while (parts < 8) {
    COMPONENT.lastIndex = pos;
    const match = COMPONENT.exec(text);
    if (!match || match[0].length === 0) break;
    const rawUnit = match[2]?.toLowerCase();
    if (rawUnit === undefined && parts > 0) break;
    const unit = rawUnit === undefined ? 's' : (UNIT_ALIASES[rawUnit] ?? rawUnit);
    total += Number(match[1]) * (UNIT_MS[unit] ?? 1_000);
    pos = COMPONENT.lastIndex;
    parts += 1;
    if (rawUnit === undefined) break;
  }
  return parts > 0 && Number.isFinite(total) ? { ms: total, end: pos } : undefined;
}

/** Parses a whole duration string (`6m0s`, `1.5s`, `12ms`, `45s`, `55`) to milliseconds, else undefined. */
export function parseDurationMs(value: string): number | undefined {
  const text = value.trim().slice(0, 64);
  const parsed = readDuration(text, 0);
  return parsed && parsed.end === text.length ? parsed.ms : undefined;
}

/** Parses a `Retry-After` value: seconds (possibly fractional) or an HTTP date relative to `now`. */
export function parseRetryAfterValue(value: string, now: number = Date.now()): number | undefined {
  const text = value.trim().slice(0, 64);
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text) * 1_000;
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A reset header value: Go duration or seconds, an RFC 3339 / HTTP date, or a Unix epoch (s or ms). */
export function parseResetValue(value: string, now: number): number | undefined {
  const text = value.trim().slice(0, 64);
  if (/^\d+(?:\.\d+)?$/.test(text)) {
    const n = Number(text);
    if (n > 1e12) return Math.max(0, n - now);
    if (n > 1e9) return Math.max(0, n * 1_000 - now);
    return n * 1_000;
  }
  const duration = parseDurationMs(text);
  if (duration !== undefined) return duration;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const RESET_BUCKETS: ReadonlyArray<readonly [reset: string, remaining: string]> = [
  ['x-ratelimit-reset-requests', 'x-ratelimit-remaining-requests'],
  ['x-ratelimit-reset-tokens', 'x-ratelimit-remaining-tokens'],
  ['x-rate-limit-reset-requests', 'x-rate-limit-remaining-requests'],
  ['x-rate-limit-reset-tokens', 'x-rate-limit-remaining-tokens'],
  ['x-ratelimit-reset', 'x-ratelimit-remaining'],
  ...['requests', 'tokens', 'input-tokens', 'output-tokens'].map(
    (bucket) => [`anthropic-ratelimit-${bucket}-reset`, `anthropic-ratelimit-${bucket}-remaining`] as const,
  ),
];

/**
 * Wait from provider reset headers. When some bucket reports `remaining: 0`, the longest wait among the
 * exhausted buckets; otherwise the longest wait of all.
 */
export function retryAfterFromResetHeaders(headers: HeaderMap, now: number = Date.now()): number | undefined {
  let exhausted: number | undefined;
  let any: number | undefined;
  for (const [resetName, remainingName] of RESET_BUCKETS) {
    const raw = headers.get(resetName);
    const ms = raw === undefined ? undefined : parseResetValue(raw, now);
    if (ms === undefined) continue;
    any = Math.max(any ?? 0, ms);
    if (headers.get(remainingName)?.trim() === '0') exhausted = Math.max(exhausted ?? 0, ms);
  }
  return exhausted ?? any;
}

/** Wait from HTTP headers alone, honouring `retry-after-ms` > `retry-after` > reset headers. */
export function retryAfterFromHeaders(headers: HeaderMap, now: number = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== undefined && /^\s*\d+(?:\.\d+)?\s*$/.test(ms)) return Number(ms);
  const seconds = headers.get('retry-after');
  const fromRetryAfter = seconds === undefined ? undefined : parseRetryAfterValue(seconds, now);
  return fromRetryAfter ?? retryAfterFromResetHeaders(headers, now);
}

/** Wait from a Google `RetryInfo` entry in an error's `details` (`retryDelay: "45s"` or `{ seconds, nanos }`). */
export function retryAfterFromDetails(details: unknown): number | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const entry of details.slice(0, 32)) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { '@type': kind, retryDelay: delay } = entry as { '@type'?: unknown; retryDelay?: unknown };
    if (typeof kind === 'string' && !kind.endsWith('RetryInfo')) continue;
    if (typeof delay === 'string') return parseDurationMs(delay);
    if (typeof delay === 'object' && delay !== null) {
      const { seconds, nanos } = delay as { seconds?: unknown; nanos?: unknown };
      const total = Number(seconds ?? 0) * 1_000 + Number(nanos ?? 0) / 1e6;
      if (Number.isFinite(total) && total >= 0) return total;
    }
  }
  return undefined;
}

const PHRASE = /\b(?:try again|retry)(?: (?:after|in))?[ \t]+(?:about |~)?/gi;

/** Wait from message text: "try again in 26.604s", "retry after 60 seconds", "Please retry in 1m30s". */
export function retryAfterFromText(text: string): number | undefined {
  const scanned = text.length > MAX_SCAN_CHARS ? text.slice(0, MAX_SCAN_CHARS) : text;
  PHRASE.lastIndex = 0;
  for (let match = PHRASE.exec(scanned); match; match = PHRASE.exec(scanned)) {
    const parsed = readDuration(scanned, PHRASE.lastIndex);
    if (parsed) return parsed.ms;
  }
  return undefined;
}

/**
 * Retry-After in milliseconds from headers (a Web `Headers` or a record, any case), then the body's Google
 * `RetryInfo` (`body.error.details` or `body.details`), then message text (`body` as text, or its
 * `error.message` / `message`). `now` (ms since epoch) resolves HTTP dates and RFC 3339 reset times.
 * The result is clamped with {@link clampRetryAfterMs}.
 */
export function parseRetryAfter(
  headers?: HeadersLike | null,
  body?: unknown,
  now: number = Date.now(),
): number | undefined {
  try {
    return clampRetryAfterMs(retryAfterFrom(toHeaderMap(headers), body, now));
  } catch {
    return undefined;
  }
}

function retryAfterFrom(headers: HeaderMap, body: unknown, now: number): number | undefined {
  const fromHeaders = retryAfterFromHeaders(headers, now);
  if (fromHeaders !== undefined) return fromHeaders;
  if (typeof body === 'string') return retryAfterFromText(body);
  if (typeof body !== 'object' || body === null) return undefined;
  const inner = (body as { error?: unknown }).error;
  const error = (typeof inner === 'object' && inner !== null ? inner : body) as Record<string, unknown>;
  const fromDetails = retryAfterFromDetails(error.details);
  if (fromDetails !== undefined) return fromDetails;
  return typeof error.message === 'string' ? retryAfterFromText(error.message) : undefined;
}
