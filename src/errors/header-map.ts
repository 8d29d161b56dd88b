/**
 * Case-insensitive, read-only view of HTTP headers, built once from a Web `Headers` object, a plain record
 * (as SDK errors and fixtures carry them), or anything else (which yields an empty map). Never throws.
 */

/** Headers in any of the forms an error may carry them. */
export type HeadersLike =
  | Headers
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | number | null | undefined>>;

/** Lower-cased header name to its (first) value. */
export type HeaderMap = ReadonlyMap<string, string>;

/** At most this many headers are read from one source, so a hostile object cannot stall classification. */
export const MAX_HEADERS = 256;

/** The names classification and Retry-After parsing look at, for sources that only offer `get(name)`. */
const KNOWN_NAMES = [
  'retry-after',
  'retry-after-ms',
  'x-ratelimit-reset',
  'x-ratelimit-reset-requests',
  'x-ratelimit-reset-tokens',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-remaining-tokens',
  'x-rate-limit-reset-requests',
  'x-rate-limit-reset-tokens',
  'x-rate-limit-remaining-requests',
  'x-rate-limit-remaining-tokens',
  'x-ratelimit-limit-requests',
  'x-ratelimit-limit-tokens',
  'x-rate-limit-limit-requests',
  'x-rate-limit-limit-tokens',
  'x-should-retry',
  'x-amzn-errortype',
  ':exception-type',
  ...['requests', 'tokens', 'input-tokens', 'output-tokens'].flatMap((bucket) => [
    `anthropic-ratelimit-${bucket}-reset`,
    `anthropic-ratelimit-${bucket}-remaining`,
    `anthropic-ratelimit-${bucket}-limit`,
  ]),
];

function headerValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

/** Builds a {@link HeaderMap} from `headers`; unknown shapes, throwing getters and proxies yield what could be read. */
export function toHeaderMap(headers: unknown): HeaderMap {
  const map = new Map<string, string>();
  if (typeof headers !== 'object' || headers === null) return map;
  try {
    const source = headers as { forEach?: unknown; get?: unknown };
    if (typeof source.forEach === 'function' && typeof source.get === 'function') {
      (headers as Headers).forEach((value, name) => {
        if (map.size < MAX_HEADERS) map.set(name.toLowerCase(), value);
      });
      return map;
    }
    if (typeof source.get === 'function') {
      const get = source.get as (name: string) => unknown;
      for (const name of KNOWN_NAMES) {
        const value = headerValue(get.call(headers, name));
        if (value !== undefined) map.set(name, value);
      }
      return map;
    }
    let count = 0;
    for (const name in headers) {
      if (++count > MAX_HEADERS) break;
      if (!Object.hasOwn(headers, name)) continue;
      const value = headerValue((headers as Record<string, unknown>)[name]);
      if (value !== undefined) map.set(name.toLowerCase(), value);
    }
  } catch {
    // A hostile headers object: keep whatever was read before it threw.
  }
  return map;
}
