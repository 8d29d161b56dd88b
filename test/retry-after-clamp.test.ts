import { describe, expect, it } from 'vitest';
import { toHttpError } from '../src/http/index.js';
import {
  clampRetryAfterMs,
  classifyError,
  LLMError,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
} from '../src/index.js';

const gemini = (retryDelay: unknown) => ({
  error: {
    code: 429,
    status: 'RESOURCE_EXHAUSTED',
    message: 'Quota exceeded.',
    details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay }],
  },
});

describe('Retry-After clamping', () => {
  it('writes a plain integer Retry-After of at most a day for a huge wait', () => {
    const error = classifyError({ status: 429, headers: { 'retry-after': `1${'0'.repeat(300)}` } });
    expect(error.retryAfterMs).toBe(MAX_RETRY_AFTER_MS);
    const http = toHttpError(error);
    expect(http.headers['retry-after']).toBe('86400');
    expect(http.body.error.retry_after).toBe(86_400);
  });

  it('clamps a huge wait on an LLMError from another copy of the package too', () => {
    const foreign = Object.assign(new LLMError({ type: 'rate_limit' }), { retryAfterMs: 1e300 });
    expect(toHttpError(foreign).headers['retry-after']).toMatch(/^\d{1,5}$/);
  });

  it('gives no negative wait for a negative Gemini RetryInfo', () => {
    expect(classifyError(gemini({ seconds: -5 })).retryAfterMs).toBeUndefined();
    expect(parseRetryAfter(undefined, gemini({ seconds: -5 }))).toBeUndefined();
    expect(classifyError(gemini({ seconds: 5 })).retryAfterMs).toBe(5_000);
  });

  it('drops waits that are no number and keeps the usable ones', () => {
    expect([-1, Number.NaN, Number.POSITIVE_INFINITY, '5', undefined].map(clampRetryAfterMs)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect([0, 1_500, MAX_RETRY_AFTER_MS + 1].map(clampRetryAfterMs)).toEqual([0, 1_500, MAX_RETRY_AFTER_MS]);
    expect(new LLMError({ type: 'rate_limit', retryAfterMs: -5_000 }).retryAfterMs).toBeUndefined();
  });
});
