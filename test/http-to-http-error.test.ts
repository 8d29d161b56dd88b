import { describe, expect, it, vi } from 'vitest';
import { LLM_ERROR_TYPES, LLMError, type LLMErrorType } from '../src/errors/llm-error.js';
import {
  errorResponse,
  type HttpErrorLogFields,
  resolveHttpErrorOptions,
  safeErrorMessages,
  toHttpError,
} from '../src/http/index.js';

const table: [LLMErrorType, number, boolean][] = [
  ['rate_limit', 429, true],
  ['quota_exhausted', 503, false],
  ['timeout', 504, true],
  ['invalid_response', 502, true],
  ['content_filtered', 422, false],
  ['context_length', 413, false],
  ['authentication', 502, false],
  ['bad_request', 400, false],
  ['provider_error', 503, true],
  ['aborted', 499, false],
  ['unknown', 500, false],
];

const SECRET_MESSAGE = 'upstream said: invalid key sk-live-abc123 (Authorization: Bearer xyz)';
const LEAKS = [/sk-live/, /abc123/, /Bearer/, /xyz/, /upstream said/, /at .*\.ts/];

describe('toHttpError', () => {
  it('covers every taxonomy type in the table', () => {
    expect(table.map(([type]) => type).sort()).toEqual([...LLM_ERROR_TYPES].sort());
  });

  it.each(table)('maps %s to %i with a safe body and JSON headers', (type, status, retryable) => {
    const err = new LLMError({ type, message: SECRET_MESSAGE, provider: 'openai', model: 'gpt-x' });
    expect(toHttpError(err)).toEqual({
      status,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: { error: { type, message: safeErrorMessages[type], retryable } },
    });
  });

  it.each([
    [1, '1'],
    [999, '1'],
    [1000, '1'],
    [1001, '2'],
    [1500, '2'],
    [60_000, '60'],
  ])('rounds retryAfterMs %i up to Retry-After %s seconds, mirrored in the body', (ms, header) => {
    const http = toHttpError(new LLMError({ type: 'rate_limit', retryAfterMs: ms }));
    expect(http.headers['retry-after']).toBe(header);
    expect(http.body.error.retry_after).toBe(Number(header));
  });

  it.each([0, undefined, -5, Number.NaN, Number.POSITIVE_INFINITY])(
    'sends no Retry-After when retryAfterMs is %s',
    (ms) => {
      const http = toHttpError(new LLMError({ type: 'rate_limit', retryAfterMs: ms }));
      expect(http.headers).not.toHaveProperty('retry-after');
      expect(http.body.error).not.toHaveProperty('retry_after');
    },
  );

  it("announces an open circuit's wait until half-open", () => {
    const err = new LLMError({ type: 'provider_error', code: 'circuit_open', retryAfterMs: 42_100 });
    const http = toHttpError(err);
    expect(http.status).toBe(503);
    expect(http.headers['retry-after']).toBe('43');
    expect(http.body.error).toEqual({
      type: 'provider_error',
      message: safeErrorMessages.provider_error,
      retryable: true,
      retry_after: 43,
    });
  });

  it('never leaks the provider message, a credential or a stack', async () => {
    const cause = Object.assign(new Error(SECRET_MESSAGE), { headers: { authorization: 'Bearer xyz' } });
    const err = new LLMError({
      type: 'authentication',
      message: SECRET_MESSAGE,
      code: 'sk-live-abc123',
      cause,
    });
    const http = toHttpError(err);
    const response = errorResponse(err);
    const everything = [
      JSON.stringify(http),
      await response.text(),
      JSON.stringify([...response.headers]),
    ].join();
    for (const leak of LEAKS) expect(everything).not.toMatch(leak);
  });

  it.each([
    ['a plain Error holding a key', new Error(SECRET_MESSAGE)],
    ['a string', SECRET_MESSAGE],
    [
      'an object with LLMError-like fields',
      { type: 'rate_limit', message: SECRET_MESSAGE, retryAfterMs: 5000 },
    ],
    ['undefined', undefined],
    ['null', null],
  ])('maps %s to 500 unknown with nothing of it leaked', (_label, thrown) => {
    const http = toHttpError(thrown);
    expect(http.status).toBe(500);
    expect(http.body).toEqual({
      error: { type: 'unknown', message: safeErrorMessages.unknown, retryable: false },
    });
    expect(http.headers).not.toHaveProperty('retry-after');
    for (const leak of LEAKS) expect(JSON.stringify(http)).not.toMatch(leak);
  });

  it('recognises an LLMError from another copy of the package by its brand', () => {
    const foreign = Object.create(Error.prototype) as Record<string | symbol, unknown>;
    Object.assign(foreign, {
      type: 'rate_limit',
      retryable: true,
      retryAfterMs: 2500,
      message: SECRET_MESSAGE,
    });
    foreign[Symbol.for('resilient-llm.LLMError')] = true;
    const http = toHttpError(foreign);
    expect(http.status).toBe(429);
    expect(http.headers['retry-after']).toBe('3');
    expect(http.body.error).toMatchObject({ type: 'rate_limit', retryable: true, retry_after: 3 });
  });

  it('maps a branded object with a type outside the taxonomy to 500 unknown', () => {
    const odd = { type: 'teapot', retryable: 'yes', [Symbol.for('resilient-llm.LLMError')]: true };
    expect(toHttpError(odd).body.error).toEqual({
      type: 'unknown',
      message: safeErrorMessages.unknown,
      retryable: false,
    });
  });

  it("maps authentication to 502, not 401: the failed key is ours to the upstream, not the consumer's", () => {
    const http = toHttpError(new LLMError({ type: 'authentication', status: 401, provider: 'openai' }));
    expect(http.status).toBe(502);
    expect(http.headers).not.toHaveProperty('www-authenticate');
    expect(http.body.error).toEqual({
      type: 'authentication',
      message: safeErrorMessages.authentication,
      retryable: false,
    });
  });

  it('applies statusFor and messages overrides', () => {
    const options = { statusFor: { authentication: 401 }, messages: { authentication: 'Upstream is down.' } };
    const http = toHttpError(new LLMError({ type: 'authentication' }), options);
    expect(http.status).toBe(401);
    expect(http.body.error.message).toBe('Upstream is down.');
    expect(toHttpError(new LLMError({ type: 'timeout' }), options).status).toBe(504);
  });

  it.each([
    [{ statusFor: { timeout: 200 } }, /statusFor\.timeout/],
    [{ statusFor: { timeout: 504.5 } }, /statusFor\.timeout/],
    [{ statusFor: { teapot: 418 } }, /statusFor/],
    [{ messages: { timeout: '' } }, /messages\.timeout/],
    [{ onError: 'console.log' }, /onError/],
    [{ statusfor: {} }, /statusfor/],
  ])('rejects invalid options %o with a message naming the field', (options, field) => {
    expect(() => toHttpError(new Error('x'), options as never)).toThrow(TypeError);
    expect(() => resolveHttpErrorOptions(options as never)).toThrow(field);
  });

  it('does not call the logging hook itself (it is pure)', () => {
    const onError = vi.fn();
    toHttpError(new LLMError({ type: 'timeout' }), { onError });
    expect(onError).not.toHaveBeenCalled();
  });
});

describe('errorResponse', () => {
  it('builds a Web Response with the mapped status, headers and body', async () => {
    const response = errorResponse(new LLMError({ type: 'rate_limit', retryAfterMs: 1500 }));
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({
      error: { type: 'rate_limit', message: safeErrorMessages.rate_limit, retryable: true, retry_after: 2 },
    });
  });

  it('reports the error to onError with path (no query) and x-request-id', () => {
    const seen: HttpErrorLogFields[] = [];
    const err = new LLMError({
      type: 'timeout',
      provider: 'anthropic',
      model: 'claude',
      code: 'first_token',
    });
    const request = new Request('http://127.0.0.1/v1/chat?api_key=sk-live-abc123', {
      headers: { 'x-request-id': 'req-7' },
    });
    errorResponse(err, { onError: (fields) => seen.push(fields) }, request);
    expect(seen).toEqual([
      {
        type: 'timeout',
        provider: 'anthropic',
        model: 'claude',
        retryable: true,
        status: 504,
        path: '/v1/chat',
        requestId: 'req-7',
        code: 'first_token',
        error: err,
      },
    ]);
  });

  it('still answers when the logging hook throws', () => {
    const onError = () => {
      throw new Error('logger down');
    };
    expect(errorResponse(new LLMError({ type: 'timeout' }), { onError }).status).toBe(504);
  });
});
