/**
 * Maps any thrown value to the HTTP answer an API built on resilient-llm gives its own consumers: a status
 * by taxonomy type, a `Retry-After` when there is a wait to announce, and a body whose message is written
 * by us — never the provider's raw text, a credential or a stack.
 */
import { isLLMErrorType, LLMError, type LLMErrorType } from '../errors/llm-error.js';
import { redactSecrets } from '../errors/redact.js';
import { redactedCopy } from '../errors/redact-value.js';
import { clampRetryAfterMs } from '../errors/retry-after.js';
import {
  type HttpErrorLogFields,
  type HttpErrorOptions,
  type ResolvedHttpErrorOptions,
  reportHttpError,
  resolveHttpErrorOptions,
} from './options.js';

/**
 * HTTP status per taxonomy type (override with `statusFor`).
 *
 * `authentication` maps to **502 Bad Gateway**, not the design table's 401: the failed credential is this
 * server's key to its upstream provider, not the API consumer's. A 401 would tell clients to re-authenticate
 * (and can send them into re-login loops); 502 is what a gateway answers when its upstream rejects it. Pass
 * `statusFor: { authentication: 401 }` to restore the table's value.
 */
export const defaultHttpStatus: Readonly<Record<LLMErrorType, number>> = {
  rate_limit: 429,
  quota_exhausted: 503,
  timeout: 504,
  invalid_response: 502,
  content_filtered: 422,
  context_length: 413,
  authentication: 502,
  bad_request: 400,
  provider_error: 503,
  aborted: 499,
  unknown: 500,
};

/** The client-facing message per taxonomy type: fixed text, safe to send (override with `messages`). */
export const safeErrorMessages: Readonly<Record<LLMErrorType, string>> = {
  rate_limit: 'The language model service is receiving too many requests. Please retry later.',
  quota_exhausted: 'The language model service is temporarily unavailable.',
  timeout: 'The language model did not answer in time.',
  invalid_response: 'The language model returned an invalid answer.',
  content_filtered: 'The request or its answer was blocked by a content policy.',
  context_length: 'The request is too long for the language model.',
  authentication: 'The server could not authenticate with its language model service.',
  bad_request: 'The language model service could not process the request.',
  provider_error: 'The language model service is temporarily unavailable.',
  aborted: 'The request was cancelled.',
  unknown: 'An unexpected error occurred.',
};

/** JSON body of an error response. */
export interface HttpErrorBody {
  error: {
    type: LLMErrorType;
    message: string;
    retryable: boolean;
    /** Seconds to wait, mirroring the `Retry-After` header; absent when there is nothing to say. */
    retry_after?: number;
  };
}

/** An error mapped to HTTP. Header names are lower-case. */
export interface HttpError {
  status: number;
  headers: Record<string, string>;
  body: HttpErrorBody;
}

/**
 * Maps `err` to `{ status, headers, body }`. An `LLMError` (recognised with `LLMError.is`, so one from another
 * copy of the package counts) maps by its type; anything else maps to 500 `unknown` and nothing of it is
 * used. `Retry-After` is `err.retryAfterMs` (clamped by `clampRetryAfterMs`, so at most a day) in whole
 * seconds, rounded up, and omitted when not positive.
 * Pure: it does not call `options.onError` (the adapters and `errorResponse` do).
 * @throws TypeError when `options` are invalid.
 */
export function toHttpError(err: unknown, options?: HttpErrorOptions): HttpError {
  return mapError(err, resolveHttpErrorOptions(options)).http;
}

/** Where the error happened, as far as the framework tells. */
export interface HttpErrorContext {
  path?: string | undefined;
  requestId?: string | undefined;
}

/** Maps `err`, reports it to `options.onError` with `context`, and returns the HTTP answer. */
export function answerError(
  err: unknown,
  options: ResolvedHttpErrorOptions,
  context: HttpErrorContext = {},
): HttpError {
  const { http, fields } = mapError(err, options);
  if (context.path !== undefined) fields.path = redactSecrets(context.path);
  if (context.requestId !== undefined) fields.requestId = redactSecrets(context.requestId);
  reportHttpError(options, fields);
  return http;
}

function mapError(
  err: unknown,
  options: ResolvedHttpErrorOptions,
): { http: HttpError; fields: HttpErrorLogFields } {
  const known = LLMError.is(err);
  const type: LLMErrorType = known && isLLMErrorType(err.type) ? err.type : 'unknown';
  const retryable = known && typeof err.retryable === 'boolean' ? err.retryable : false;
  const retryAfterMs = known ? positiveMs(err.retryAfterMs) : undefined;
  const status = options.statusFor[type] ?? defaultHttpStatus[type];

  const body: HttpErrorBody = {
    error: { type, message: options.messages[type] ?? safeErrorMessages[type], retryable },
  };
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'cache-control': 'no-store',
  };
  if (retryAfterMs !== undefined) {
    const seconds = Math.ceil(retryAfterMs / 1000);
    headers['retry-after'] = String(seconds);
    body.error.retry_after = seconds;
  }

  const fields: HttpErrorLogFields = {
    type,
    provider: known && typeof err.provider === 'string' ? err.provider : undefined,
    model: known && typeof err.model === 'string' ? err.model : undefined,
    retryable,
    status,
    // An LLMError is redacted at construction (one from another copy of the package may not be).
    error: redactedCopy(err),
  };
  if (known && typeof err.code === 'string') fields.code = err.code;
  if (retryAfterMs !== undefined) fields.retryAfterMs = retryAfterMs;
  return { http: { status, headers, body }, fields };
}

function positiveMs(value: unknown): number | undefined {
  const ms = clampRetryAfterMs(value);
  return ms !== undefined && ms > 0 ? ms : undefined;
}
