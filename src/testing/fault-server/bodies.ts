/**
 * Error responses as the real providers send them (shapes taken from recorded payloads, texts written here):
 * status, headers and JSON body per wire format and fault kind.
 */
import type { Fault, FaultKind, WireName } from './types.js';

/** An HTTP error the server sends. */
export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Fault kinds answered with a plain HTTP error (no stream). */
export const HTTP_ERROR_KINDS: ReadonlySet<FaultKind> = new Set([
  '429',
  'insufficient_quota',
  '500',
  '503',
  '529',
  'context_length',
  'auth',
]);

function openaiError(message: string, type: string | null, code: string | null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

function anthropicError(type: string, message: string, requestId: string) {
  return { type: 'error', error: { type, message }, request_id: requestId };
}

function openaiBody(kind: FaultKind, wire: WireName, model: string, retryAfterS: number): [number, unknown] {
  switch (kind) {
    case '429':
      return [
        429,
        openaiError(
          `Rate limit reached for ${model} in organization org-faultserver on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in ${retryAfterS}s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
          'requests',
          'rate_limit_exceeded',
        ),
      ];
    case 'insufficient_quota':
      return [
        429,
        openaiError(
          'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
          'insufficient_quota',
          'insufficient_quota',
        ),
      ];
    case '503':
      return [503, openaiError('The server is overloaded or not ready yet.', 'server_error', null)];
    case '529':
      return [
        529,
        openaiError(
          'Our servers are currently overloaded. Please try again later.',
          'service_unavailable_error',
          'server_is_overloaded',
        ),
      ];
    case 'context_length':
      return wire === 'responses'
        ? [
            400,
            openaiError(
              'Your input exceeds the context window of this model. Please adjust your input and try again.',
              'invalid_request_error',
              'context_length_exceeded',
              'input',
            ),
          ]
        : [
            400,
            openaiError(
              "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens. Please reduce the length of the messages.",
              'invalid_request_error',
              'context_length_exceeded',
              'messages',
            ),
          ];
    case 'auth':
      return [
        401,
        openaiError(
          'Incorrect API key provided: test-***. You can find your API key at https://platform.openai.com/account/api-keys.',
          'invalid_request_error',
          'invalid_api_key',
        ),
      ];
    default:
      return [
        500,
        openaiError(
          'The server had an error while processing your request. Sorry about that!',
          'server_error',
          null,
        ),
      ];
  }
}

function anthropicBody(kind: FaultKind, requestId: string): [number, unknown] {
  switch (kind) {
    case '429':
      return [
        429,
        anthropicError(
          'rate_limit_error',
          "This request would exceed your account's rate limit. Please try again later.",
          requestId,
        ),
      ];
    case 'insufficient_quota':
      return [
        400,
        anthropicError(
          'invalid_request_error',
          'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
          requestId,
        ),
      ];
    case '503':
      return [503, anthropicError('api_error', 'Service unavailable', requestId)];
    case '529':
      return [529, anthropicError('overloaded_error', 'Overloaded', requestId)];
    case 'context_length':
      return [
        400,
        anthropicError(
          'invalid_request_error',
          'prompt is too long: 208310 tokens > 200000 maximum',
          requestId,
        ),
      ];
    case 'auth':
      return [401, anthropicError('authentication_error', 'invalid x-api-key', requestId)];
    default:
      return [500, anthropicError('api_error', 'Internal server error', requestId)];
  }
}

/** The HTTP error for `fault` on `wire` (kinds outside {@link HTTP_ERROR_KINDS} get a 500). */
export function errorResponse(
  fault: Fault,
  wire: WireName,
  model: string,
  requestId: string,
  nowMs: number,
): ErrorResponse {
  const retryAfterS = fault.retryAfterS ?? 1;
  const [status, body] =
    wire === 'messages'
      ? anthropicBody(fault.kind, requestId)
      : openaiBody(fault.kind, wire, model, retryAfterS);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (wire === 'messages') headers['request-id'] = requestId;
  else {
    headers['x-request-id'] = requestId;
    headers['openai-version'] = '2020-10-01';
  }
  if (fault.kind === '429') {
    headers['retry-after'] = String(retryAfterS);
    if (wire === 'messages') {
      headers['x-should-retry'] = 'true';
      headers['anthropic-ratelimit-requests-limit'] = '50';
      headers['anthropic-ratelimit-requests-remaining'] = '0';
      headers['anthropic-ratelimit-requests-reset'] = new Date(nowMs + retryAfterS * 1000).toISOString();
    } else {
      headers['x-ratelimit-limit-requests'] = '3';
      headers['x-ratelimit-remaining-requests'] = '0';
      headers['x-ratelimit-reset-requests'] = `${retryAfterS}s`;
    }
  }
  return { status, headers, body };
}
