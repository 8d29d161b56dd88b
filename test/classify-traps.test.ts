/**
 * The classification traps the fixture warns about, every SDK error class (built from the installed
 * `openai` and `@anthropic-ai/sdk`), network / abort / timeout errors, garbage input and secret redaction.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { classifyError, createClassifier, QUOTA_RETRY_AFTER_THRESHOLD_MS } from '../src/errors/classify.js';
import { LLMError, type LLMErrorType } from '../src/errors/llm-error.js';

const h = (record: Record<string, string> = {}) => new Headers(record);
const oaBody = (message: string, code: string | null, type = 'tokens') => ({
  error: { message, type, code },
});
const gemini = (details: unknown[], extra = '') => {
  const message = `You exceeded your current quota.${extra}`;
  return { error: { code: 429, message, status: 'RESOURCE_EXHAUSTED', details } };
};
const retryInfo = (retryDelay: string) => ({
  '@type': 'type.googleapis.com/google.rpc.RetryInfo',
  retryDelay,
});
const quotaFailure = (quotaId: string) => ({
  '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
  violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_requests', quotaId }],
});
const summary = (e: LLMError) => ({ type: e.type, retryable: e.retryable, code: e.code, ms: e.retryAfterMs });

describe('classification traps', () => {
  it('treats 429 insufficient_quota as quota_exhausted, never retryable', () => {
    const error = classifyError({
      status: 429,
      body: oaBody('You exceeded your quota', 'insufficient_quota'),
    });
    expect(summary(error)).toEqual({ type: 'quota_exhausted', retryable: false, code: 'insufficient_quota' });
    const legacy = classifyError({ status: 429, body: oaBody('quota', null, 'insufficient_quota') });
    expect(legacy.type).toBe('quota_exhausted');
  });

  it('treats a 429 whose request alone exceeds the limit as bad_request, keeping the retry-after', () => {
    const message = '(TPM): Limit 6,000, Used 10, Requested 7,166. Please try again in 6.78s.';
    const error = classifyError({ status: 429, body: oaBody(message, 'rate_limit_exceeded') });
    expect(summary(error)).toEqual({
      type: 'bad_request',
      retryable: false,
      code: 'request_too_large',
      ms: 6_780,
    });
  });

  it('keeps a 429 whose request fits the limit a retryable rate_limit', () => {
    const message = 'Limit 6000, Used 3513, Requested 3166. Please try again in 6.5s.';
    const error = classifyError({ status: 429, body: oaBody(message, 'rate_limit_exceeded') });
    expect(summary(error)).toEqual({
      type: 'rate_limit',
      retryable: true,
      code: 'rate_limit_exceeded',
      ms: 6_500,
    });
  });

  it('treats a 413 as bad_request even with a rate-limit code', () => {
    const error = classifyError({ status: 413, body: oaBody('Request too large', 'rate_limit_exceeded') });
    expect(error.type).toBe('bad_request');
  });

  it('treats Anthropic credit exhaustion (a 400) and spend limits as quota_exhausted', () => {
    const credit = { type: 'invalid_request_error', message: 'Your credit balance is too low' };
    expect(classifyError({ status: 400, body: { type: 'error', error: credit } }).type).toBe(
      'quota_exhausted',
    );
    const details = { error_code: 'enforced_spend_limit_reached' };
    const spend = { type: 'error', error: { type: 'rate_limit_error', message: 'Spend limit', details } };
    const error = classifyError({ status: 429, body: spend });
    expect([error.type, error.code]).toEqual(['quota_exhausted', 'enforced_spend_limit_reached']);
  });

  it('tells a Gemini per-minute limit from a daily or zero quota by details only', () => {
    const perMinute = gemini([quotaFailure('GenerateRequestsPerMinutePerProjectPerModel'), retryInfo('45s')]);
    const minute = classifyError({ status: 429, body: perMinute });
    expect([minute.type, minute.retryable, minute.retryAfterMs]).toEqual(['rate_limit', true, 45_000]);
    expect(classifyError({ status: 429, body: gemini([retryInfo('1.5s')]) }).type).toBe('rate_limit');
    const perDay = gemini([
      quotaFailure('GenerateRequestsPerDayPerProjectPerModel-FreeTier'),
      retryInfo('45s'),
    ]);
    expect(classifyError({ status: 429, body: perDay }).type).toBe('quota_exhausted');
    const zero = gemini([retryInfo('20s')], '\n* Quota exceeded for metric: x, limit: 0, model: m');
    const error = classifyError({ status: 429, body: zero });
    expect([error.type, error.retryable, error.retryAfterMs]).toEqual(['quota_exhausted', false, 20_000]);
  });

  it('treats an invalid Gemini key (a 400) as authentication', () => {
    const details = [{ reason: 'API_KEY_INVALID' }];
    const body = { error: { code: 400, message: 'API key not valid.', status: 'INVALID_ARGUMENT', details } };
    expect(classifyError({ status: 400, body }).type).toBe('authentication');
  });

  it('treats a rate limit asking to wait more than the threshold as quota_exhausted', () => {
    const seconds = QUOTA_RETRY_AFTER_THRESHOLD_MS / 1000;
    const at = (s: number) =>
      classifyError({
        status: 429,
        body: { error: { code: '429', message: `Please retry after ${s} seconds.` } },
      });
    expect(summary(at(seconds))).toEqual({
      type: 'rate_limit',
      retryable: true,
      code: 'rate_limited',
      ms: seconds * 1000,
    });
    expect(summary(at(86_400))).toEqual({
      type: 'quota_exhausted',
      retryable: false,
      code: 'long_retry_after',
      ms: 86_400_000,
    });
    const header = classifyError({ status: 429, headers: { 'retry-after': String(seconds + 1) } });
    expect(header.type).toBe('quota_exhausted');
  });

  // biome-ignore format: one case per line
  const shapes: Array<[string, unknown, LLMErrorType, string]> = [
    ['HTTP 529', { status: 529 }, 'provider_error', 'overloaded'],
    ['an overloaded_error body alone', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'provider_error', 'overloaded'],
    ['HTTP 408', { status: 408 }, 'timeout', 'request_timeout'],
    ['HTTP 500', { status: 500 }, 'provider_error', 'server_error'],
    ['HTTP 503 with an HTML body', { status: 503, body: '<html>Service Unavailable</html>' }, 'provider_error', 'server_error'],
    ['an Ollama 404', { status: 404, body: { error: { message: 'model not found', type: 'api_error', code: null } } }, 'bad_request', 'not_found'],
    ['HTTP 422 with text', { status: 422, body: 'nope' }, 'bad_request', 'bad_request'],
    ['a Bedrock throttlingException frame', { status: 200, headers: { ':exception-type': 'throttlingException' }, body: { message: 'slow down' } }, 'rate_limit', 'rate_limited'],
    ['an AWS SDK ThrottlingException', Object.assign(new Error('Too many requests'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } }), 'rate_limit', 'rate_limited'],
    ['a flat Responses error event', { type: 'error', code: 'context_length_exceeded', message: 'too long', param: 'input', sequence_number: 1 }, 'context_length', 'context_length_exceeded'],
    ['a Responses content_filter incomplete', { type: 'response.incomplete', response: { incomplete_details: { reason: 'content_filter' } } }, 'content_filtered', 'content_filter'],
    ['a Gemini JSON-array stream with an error chunk', [{ candidates: [{ content: { parts: [{ text: 'a' }] } }] }, { error: { code: 500, message: 'x', status: 'INTERNAL' } }], 'provider_error', 'server_error'],
    ['a Vercel AI SDK APICallError', Object.assign(new Error('Bad Request'), { name: 'AI_APICallError', statusCode: 400, responseBody: '{"error":{"message":"This model\'s maximum context length is 8192 tokens"}}' }), 'context_length', 'context_length_exceeded'],
    ['a @google/genai ApiError', Object.assign(new Error('got status: UNAVAILABLE. {"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}'), { status: 503 }), 'provider_error', 'overloaded'],
  ];

  it.each(shapes)('classifies %s', (_name, input, type, code) => {
    const error = classifyError(input);
    expect([error.type, error.code]).toEqual([type, code]);
  });

  it.each([
    'SAFETY',
    'RECITATION',
    'BLOCKLIST',
    'PROHIBITED_CONTENT',
    'SPII',
    'IMAGE_SAFETY',
    'IMAGE_PROHIBITED_CONTENT',
  ])('treats Gemini finishReason %s as content_filtered', (reason) => {
    expect(classifyError({ candidates: [{ finishReason: reason }] }).type).toBe('content_filtered');
  });

  it('does not treat a normal finish or an empty Azure prompt-filter chunk as an error', () => {
    expect(classifyError({ candidates: [{ finishReason: 'STOP' }] }).type).toBe('unknown');
    const azureFirstChunk = { id: '', choices: [], prompt_filter_results: [{ prompt_index: 0 }] };
    expect(classifyError(azureFirstChunk).type).toBe('unknown');
  });

  it('keeps the text streamed before a mid-stream refusal or error', () => {
    const anthropic = [
      'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"Hel"}}',
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"refusal"}}',
    ].join('\n\n');
    const refusal = classifyError({ status: 200, body: anthropic });
    expect([refusal.type, refusal.partialText]).toEqual(['content_filtered', 'Hel']);
    const chunk = 'data: {"choices":[{"delta":{"content":"The"}}]}\n\n';
    const failed = classifyError({
      status: 200,
      body: `${chunk}data: {"error":{"message":"boom","type":"server_error"}}\n\n`,
    });
    expect([failed.type, failed.partialText]).toEqual(['provider_error', 'The']);
  });
});

const oa = (status: number, error?: object, headers?: Record<string, string>) =>
  OpenAI.APIError.generate(status, error === undefined ? undefined : { error }, undefined, h(headers));
const an = (status: number, type?: string, message = 'm', headers?: Record<string, string>) => {
  const body = type === undefined ? undefined : { type: 'error', error: { type, message } };
  return Anthropic.APIError.generate(status, body, undefined, h(headers));
};
const RESET = { 'anthropic-ratelimit-tokens-reset': '2025-06-02T15:15:00Z' };
const quota = { message: 'quota', code: 'insufficient_quota', type: 'insufficient_quota' };

/** [name, the real SDK error, expected type, expected retryAfterMs] */
// biome-ignore format: one case per line
const sdkErrors: Array<[string, Error, LLMErrorType, number | undefined]> = [
  ['openai RateLimitError', oa(429, { message: 'slow', code: 'rate_limit_exceeded' }, { 'retry-after-ms': '1500' }), 'rate_limit', 1_500],
  ['openai RateLimitError (quota)', new OpenAI.RateLimitError(429, quota, undefined, h()), 'quota_exhausted', undefined],
  ['openai AuthenticationError', oa(401, { message: 'bad key', code: 'invalid_api_key' }), 'authentication', undefined],
  ['openai PermissionDeniedError', oa(403), 'authentication', undefined],
  ['openai BadRequestError', oa(400, { message: 'x', code: 'context_length_exceeded' }), 'context_length', undefined],
  ['openai NotFoundError', oa(404), 'bad_request', undefined],
  ['openai InternalServerError', oa(500, undefined, { 'retry-after': '2' }), 'provider_error', 2_000],
  ['openai mid-stream APIError', new OpenAI.APIError(undefined, { message: 'm', type: 'server_error' }, undefined, undefined), 'provider_error', undefined],
  ['openai APIConnectionError', new OpenAI.APIConnectionError({ cause: new TypeError('fetch failed') }), 'provider_error', undefined],
  ['openai APIConnectionTimeoutError', new OpenAI.APIConnectionTimeoutError(), 'timeout', undefined],
  ['openai APIUserAbortError', new OpenAI.APIUserAbortError(), 'aborted', undefined],
  ['anthropic RateLimitError', an(429, 'rate_limit_error', 'slow', RESET), 'rate_limit', 30_000],
  ['anthropic OverloadedError', an(529, 'overloaded_error', 'Overloaded'), 'provider_error', undefined],
  ['anthropic PaymentRequiredError', an(402, 'billing_error'), 'quota_exhausted', undefined],
  ['anthropic AuthenticationError', an(401, 'authentication_error', 'invalid x-api-key'), 'authentication', undefined],
  ['anthropic BadRequestError', an(400, 'invalid_request_error', 'prompt is too long: 9 > 8'), 'context_length', undefined],
  ['anthropic RequestTimeoutError', an(408), 'timeout', undefined],
  ['anthropic mid-stream APIError', new Anthropic.APIError(undefined, { type: 'error', error: { type: 'overloaded_error' } }, undefined, undefined), 'provider_error', undefined],
  ['anthropic APIConnectionError', new Anthropic.APIConnectionError({ message: 'Connection error.' }), 'provider_error', undefined],
  ['anthropic APIConnectionTimeoutError', new Anthropic.APIConnectionTimeoutError(), 'timeout', undefined],
  ['anthropic APIUserAbortError', new Anthropic.APIUserAbortError(), 'aborted', undefined],
];

describe('real SDK error classes', () => {
  it.each(sdkErrors)('classifies %s', (_name, thrown, type, retryAfterMs) => {
    const error = classifyError(thrown, { provider: 'p', now: () => Date.parse('2025-06-02T15:14:30Z') });
    expect([error.type, error.retryAfterMs, error.provider]).toEqual([type, retryAfterMs, 'p']);
    expect(error.originalCause()).toBe(thrown);
  });
});

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const fetchFailed = (cause: unknown) => new TypeError('fetch failed', { cause });

// biome-ignore format: one case per line
const networkErrors: Array<[string, unknown, LLMErrorType, boolean]> = [
  ['DOMException AbortError', new DOMException('This operation was aborted', 'AbortError'), 'aborted', false],
  ['AbortSignal.timeout reason', new DOMException('The operation timed out.', 'TimeoutError'), 'timeout', true],
  ['fetch failed (ECONNREFUSED)', fetchFailed(withCode('connect ECONNREFUSED', 'ECONNREFUSED')), 'provider_error', true],
  ['socket hang up (ECONNRESET)', withCode('socket hang up', 'ECONNRESET'), 'provider_error', true],
  ['undici connect timeout', fetchFailed(withCode('Connect Timeout Error', 'UND_ERR_CONNECT_TIMEOUT')), 'timeout', true],
  ['happy-eyeballs AggregateError', fetchFailed(new AggregateError([withCode('x', 'ECONNREFUSED')])), 'provider_error', true],
];

describe('network, abort and timeout errors', () => {
  it.each(networkErrors)('classifies %s', (_name, thrown, type, retryable) => {
    const error = classifyError(thrown);
    expect([error.type, error.retryable]).toEqual([type, retryable]);
  });

  it('classifies a real fetch to a server that drops the connection as a retryable provider_error', async () => {
    const server = createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const thrown = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`).then(
        () => undefined,
        (error: unknown) => error,
      );
      const error = classifyError(thrown);
      expect([error.type, error.retryable]).toEqual(['provider_error', true]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('LLMError input and options', () => {
  it('returns an LLMError as is, filling only a missing provider and model', () => {
    const original = new LLMError({ type: 'rate_limit', provider: 'a' });
    expect(classifyError(original, { provider: 'b' })).toBe(original);
    const filled = classifyError(new LLMError({ type: 'timeout' }), { provider: 'b', model: 'm' });
    expect([filled.type, filled.provider, filled.model]).toEqual(['timeout', 'b', 'm']);
  });

  it('rejects bad classifier options with one error naming the field', () => {
    expect(() => createClassifier({ provider: '' })).toThrow(/provider/);
    expect(() => createClassifier({ now: 5 as unknown as () => number })).toThrow(TypeError);
    expect(createClassifier({ provider: 'x' })({ status: 500 }).provider).toBe('x');
  });

  it('still classifies when classifyError gets bad options', () => {
    const error = classifyError({ status: 429 }, { provider: 'ok', now: 'nope' as unknown as () => number });
    expect([error.type, error.provider]).toEqual(['rate_limit', 'ok']);
  });
});

const trap = () => {
  throw new Error('trap');
};
const hostile = new Proxy({}, { get: trap, has: trap, getPrototypeOf: trap, ownKeys: trap });
const throwingGetter = Object.defineProperty({}, 'status', { enumerable: true, get: trap });
const cyclic: Record<string, unknown> = { status: 'x' };
cyclic.self = cyclic;
const { proxy: revoked, revoke } = Proxy.revocable({}, {});
revoke();

// biome-ignore format: one case per line
const garbage: Array<[string, unknown]> = [
  ['undefined', undefined], ['null', null], ['a number', 42], ['a symbol', Symbol('s')], ['a bigint', 10n],
  ['a function', () => 1], ['a 5 MB string', 'x'.repeat(5_000_000)], ['a cyclic object', cyclic],
  ['a non-JSON 200 body', { status: 200, body: '<html>not json</html>' }],
  ['a truncated JSON body', { status: 200, body: '{"error": {"message": "cut' }],
  ['a Proxy that throws on every access', hostile], ['a revoked Proxy', revoked],
  ['an object with a throwing getter', throwingGetter], ['an array of junk', [1, null, 'x', [], {}]],
];

describe('garbage input', () => {
  it.each(garbage)('classifies %s as unknown without throwing', (_name, input) => {
    const error = classifyError(input, { provider: 'p' });
    expect(LLMError.is(error)).toBe(true);
    expect([error.type, error.retryable, error.provider]).toEqual(['unknown', false, 'p']);
    expect(error.originalCause()).toBe(input);
    expect(error.message.length).toBeGreaterThan(0);
  });

  it('finds an error event at the end of a 5 MB SSE body', () => {
    const deltas = 'data: {"choices":[{"delta":{"content":"x"}}]}\n\n'.repeat(110_000);
    const body = `${deltas}data: {"error":{"message":"The server had an error","type":"server_error"}}\n\n`;
    expect(body.length).toBeGreaterThan(5_000_000);
    expect(classifyError({ status: 200, body }).type).toBe('provider_error');
  });

  it('reads a 5 MB text body of a 429 as a rate limit without scanning past its head', () => {
    const error = classifyError({ status: 429, body: `${'try again in '.repeat(400_000)}5s` });
    expect([error.type, error.retryAfterMs]).toEqual(['rate_limit', undefined]);
    expect(error.message.length).toBeLessThanOrEqual(1_000);
  });
});

// biome-ignore format: one case per line
const secrets: Array<[string, string]> = [
  ['Incorrect API key provided: sk-proj-abcdef1234567890XYZ. You can find your API key', 'sk-proj-abcdef1234567890XYZ'],
  ['upstream said: Authorization: Bearer eyJhbGciOi.J9abc.def', 'eyJhbGciOi.J9abc.def'],
  ['header x-api-key: sk-ant-api03-SECRETSECRET was rejected', 'SECRETSECRET'],
  ['bad request to ?key=AIzaSyA1234567890abcdefghijklmnopqrstuv', 'AIzaSyA1234567890abcdefghijklmnopqrstuv'],
  ['api_key=hunter2hunter2 is invalid', 'hunter2hunter2'],
  ['Incorrect API key provided: kk. You can find your API key at https://x', 'kk.'],
];

describe('secrets in messages', () => {
  it.each(secrets)('redacts the credential in %j', (message, secret) => {
    const error = classifyError({ status: 401, body: { error: { message, code: 'invalid_api_key' } } });
    expect(error.type).toBe('authentication');
    expect(error.message).not.toContain(secret);
    expect(error.message).toContain('[redacted]');
    expect(JSON.stringify(error.toJSON())).not.toContain(secret);
  });

  it('keeps the provider message otherwise intact', () => {
    const message = 'max_tokens must be at least 1, got -186.';
    expect(classifyError({ status: 400, body: { error: { message } } }).message).toBe(message);
  });
});
