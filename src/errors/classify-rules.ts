/**
 * The decision table: from what was read (status, provider code/type, Bedrock exception type, Gemini
 * details, message text, the thrown error's class names) to an {@link LLMErrorType} and a short code.
 * Rules run in order; the first that matches wins. The order encodes the traps: billing and quota before
 * rate limits, a request larger than its limit before rate limits, status 4xx before generic server words.
 */
import type { LLMErrorType } from './llm-error.js';

/** Everything the rules look at, normalised (lower-case strings). */
export interface Signals {
  /** Effective status: the HTTP status, or a status-like code from the error body of a 200 stream. */
  status?: number;
  /** Provider error code (`insufficient_quota`, `context_length_exceeded`, ...). */
  code?: string;
  /** Provider error type or Google status (`rate_limit_error`, `resource_exhausted`, ...). */
  kind?: string;
  /** AWS exception type (`throttlingexception`, ...). */
  exception?: string;
  /** Lower-cased message, codes, types and detail reasons joined, bounded: what patterns test. */
  hay: string;
  /** Provider message (original case), for `Requested N > Limit M`. */
  message: string;
  /** Google `details` entries, when present. */
  details?: unknown;
  /** Thrown error's `name` and class chain. */
  names: readonly string[];
  /** System error code of a network failure. */
  errno?: string;
  /** Content filter a successful body signals. */
  filterReason?: string;
  /** Whether an error body or an error status (>= 400) was seen. */
  hasError: boolean;
}

/** A classification before retry-after adjustments. */
export interface Decision {
  /** Taxonomy type. */
  type: LLMErrorType;
  /** Short machine reason (`insufficient_quota`, `overloaded`, `request_too_large`, ...). */
  code?: string;
}

const TIMEOUT_ERRNOS = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const has = (hay: string, words: readonly string[]) => words.some((word) => hay.includes(word));
const oneOf = (value: string | undefined, words: readonly string[]) =>
  value !== undefined && words.includes(value);

const FILTER_WORDS = [
  'content management policy',
  'content_policy_violation',
  'responsibleaipolicyviolation',
];
const AUTH_KINDS = ['authentication_error', 'permission_error', 'unauthenticated', 'permission_denied'];
const AUTH_WORDS = ['invalid_api_key', 'api_key_invalid', 'api key not valid', 'incorrect api key'];
const AUTH_EXCEPTIONS = ['accessdeniedexception', 'unrecognizedclientexception', 'expiredtokenexception'];
const QUOTA_WORDS = [
  'insufficient_quota',
  'credit balance is too low',
  'insufficient credits',
  'billing_error',
  'spend_limit_reached',
  'servicequotaexceededexception',
];
const CONTEXT_WORDS = [
  'context_length_exceeded',
  'maximum context length',
  'context window',
  'context limit',
  'prompt is too long',
  'input is too long',
  'exceeds the maximum number of tokens',
  'too many input tokens',
  'reduce the length of the messages',
];
const OVERLOAD_WORDS = ['overloaded', 'capacity exceeded', 'over capacity'];
const RATE_CODES = ['rate_limit_exceeded', 'rate_limited', 'rate_limit', 'too_many_requests'];
const RATE_KINDS = [
  'rate_limit_error',
  'rate_limit_exceeded',
  'rate_limited',
  'tokens',
  'requests',
  'resource_exhausted',
];
const SERVER_KINDS = [
  'server_error',
  'api_error',
  'internal',
  'unavailable',
  'internal_server_error',
  'service_unavailable_error',
];
const SERVER_EXCEPTIONS = [
  'internalserverexception',
  'serviceunavailableexception',
  'modelstreamerrorexception',
  'modelnotreadyexception',
  'modelerrorexception',
];
const BAD_REQUEST_KINDS = ['invalid_request_error', 'invalid_argument', 'not_found_error', 'badrequesterror'];

/** `Limit 7000, Used 0, Requested ~12903`: the request alone is over the limit and can never succeed. */
export function requestExceedsLimit(message: string): boolean {
  const text = message.slice(0, 4_096);
  const limit = /\blimit:? ~?(\d[\d,]{0,15})/i.exec(text)?.[1];
  const requested = /\brequested:? ~?(\d[\d,]{0,15})/i.exec(text)?.[1];
  if (limit === undefined || requested === undefined) return false;
  return Number(requested.replaceAll(',', '')) > Number(limit.replaceAll(',', ''));
}

/** Gemini RESOURCE_EXHAUSTED: per-minute (retry soon) unless a daily quota or `limit: 0` says otherwise. */
function isGeminiPerMinute(s: Signals): boolean {
  if (/\blimit: 0\b/.test(s.hay) || s.hay.includes('perday')) return false;
  return s.hay.includes('perminute') || s.hay.includes('persecond') || s.hay.includes('retryinfo');
}

function fromThrown(s: Signals): Decision | undefined {
  const { names, errno } = s;
  if (names.includes('AbortError') || names.includes('APIUserAbortError'))
    return { type: 'aborted', code: 'aborted' };
  if (names.includes('TimeoutError') || names.includes('APIConnectionTimeoutError'))
    return { type: 'timeout' };
  if (errno !== undefined && TIMEOUT_ERRNOS.has(errno)) return { type: 'timeout', code: errno.toLowerCase() };
  if (errno !== undefined) return { type: 'provider_error', code: errno.toLowerCase() };
  if (
    names.includes('APIConnectionError') ||
    (names.includes('TypeError') && has(s.hay, ['fetch failed', 'network']))
  ) {
    return { type: 'provider_error', code: 'connection_error' };
  }
  return undefined;
}

function fromError(s: Signals): Decision | undefined {
  const { status, code, kind, exception, hay } = s;
  if (oneOf(code, ['content_filter', 'invalid_prompt']) || has(hay, FILTER_WORDS)) {
    return { type: 'content_filtered', code: 'content_filter' };
  }
  if (
    status === 401 ||
    status === 403 ||
    oneOf(kind, AUTH_KINDS) ||
    has(hay, AUTH_WORDS) ||
    oneOf(exception, AUTH_EXCEPTIONS)
  ) {
    return {
      type: 'authentication',
      code: code ?? (status === 403 ? 'permission_denied' : 'invalid_api_key'),
    };
  }
  if (status === 402 || has(hay, QUOTA_WORDS))
    return { type: 'quota_exhausted', code: code ?? 'insufficient_quota' };
  const quotaLike = kind === 'resource_exhausted' || hay.includes('exceeded your current quota');
  if (quotaLike && !isGeminiPerMinute(s)) return { type: 'quota_exhausted', code: 'insufficient_quota' };
  if (oneOf(code, ['context_length_exceeded', 'string_above_max_length']) || has(hay, CONTEXT_WORDS)) {
    return { type: 'context_length', code: 'context_length_exceeded' };
  }
  if (status === 413 || requestExceedsLimit(s.message))
    return { type: 'bad_request', code: 'request_too_large' };
  if (status === 529 || kind === 'overloaded_error' || has(hay, OVERLOAD_WORDS)) {
    return { type: 'provider_error', code: 'overloaded' };
  }
  const throttled = exception === 'throttlingexception' || exception === 'toomanyrequestsexception';
  if (
    status === 429 ||
    oneOf(code, RATE_CODES) ||
    oneOf(kind, RATE_KINDS) ||
    throttled ||
    quotaLike ||
    hay.includes('rate limit')
  ) {
    return { type: 'rate_limit', code: code ?? 'rate_limited' };
  }
  if (status === 408 || exception === 'modeltimeoutexception')
    return { type: 'timeout', code: 'request_timeout' };
  if (status !== undefined && status >= 500) return { type: 'provider_error', code: code ?? 'server_error' };
  if (status !== undefined && status >= 400)
    return { type: 'bad_request', code: code ?? (status === 404 ? 'not_found' : 'bad_request') };
  if (oneOf(kind, SERVER_KINDS) || code === 'server_error' || oneOf(exception, SERVER_EXCEPTIONS)) {
    return { type: 'provider_error', code: code ?? 'server_error' };
  }
  if (
    oneOf(kind, BAD_REQUEST_KINDS) ||
    exception === 'validationexception' ||
    exception === 'resourcenotfoundexception'
  ) {
    return { type: 'bad_request', code: code ?? 'bad_request' };
  }
  return undefined;
}

/** Applies the rules; `unknown` when nothing matches. */
export function decide(s: Signals): Decision {
  if (s.status === undefined) {
    const thrown = fromThrown(s);
    if (thrown) return thrown;
  }
  if (!s.hasError && s.filterReason !== undefined) {
    return { type: 'content_filtered', code: s.filterReason.toLowerCase() };
  }
  return (s.hasError || s.names.length > 0 ? fromError(s) : undefined) ?? { type: 'unknown' };
}
