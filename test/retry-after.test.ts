import { describe, expect, it } from 'vitest';
import {
  parseDurationMs,
  parseRetryAfter,
  parseRetryAfterValue,
  retryAfterFromDetails,
  retryAfterFromText,
} from '../src/errors/retry-after.js';

const NOW = Date.parse('2025-06-02T15:14:30Z');

describe('parseDurationMs', () => {
  it.each([
    ['6m0s', 360_000],
    ['1s', 1_000],
    ['1.5s', 1_500],
    ['12ms', 12],
    ['2m59.56s', 179_560],
    ['7.66s', 7_660],
    ['1h2m3s', 3_723_000],
    ['45s', 45_000],
    ['55', 55_000],
    ['250us', 0.25],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBeCloseTo(ms, 6);
  });

  it.each(['', 'soon', '5 parsecs', '1s and more', '-3s', 's'])('rejects %j', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });
});

describe('parseRetryAfterValue', () => {
  it('reads whole and fractional seconds', () => {
    expect(parseRetryAfterValue('16')).toBe(16_000);
    expect(parseRetryAfterValue('0.5')).toBe(500);
  });

  it('reads an HTTP date relative to the injected now', () => {
    expect(parseRetryAfterValue('Mon, 02 Jun 2025 15:15:00 GMT', NOW)).toBe(30_000);
  });

  it('treats an HTTP date in the past as no wait', () => {
    expect(parseRetryAfterValue('Mon, 02 Jun 2025 15:00:00 GMT', NOW)).toBe(0);
  });

  it.each(['', '-5', 'later', '1e3', 'Mon, 99 Foo 2025'])('rejects %j', (value) => {
    expect(parseRetryAfterValue(value, NOW)).toBeUndefined();
  });
});

describe('parseRetryAfter from headers', () => {
  it('prefers retry-after-ms over retry-after', () => {
    expect(parseRetryAfter({ 'retry-after-ms': '250.5', 'retry-after': '16' }, undefined, NOW)).toBe(250.5);
  });

  it('reads retry-after in seconds from a Web Headers object', () => {
    expect(parseRetryAfter(new Headers({ 'Retry-After': '16' }), undefined, NOW)).toBe(16_000);
  });

  it('matches header names case-insensitively in plain records', () => {
    expect(parseRetryAfter({ 'RETRY-AFTER-MS': '900' }, undefined, NOW)).toBe(900);
    expect(parseRetryAfter({ 'Retry-After': ['3'] }, undefined, NOW)).toBe(3_000);
  });

  it('reads an HTTP-date retry-after relative to now', () => {
    expect(parseRetryAfter({ 'retry-after': 'Mon, 02 Jun 2025 15:16:30 GMT' }, undefined, NOW)).toBe(120_000);
  });

  it('prefers retry-after over provider reset headers', () => {
    const headers = { 'retry-after': '2', 'x-ratelimit-reset-tokens': '6m0s' };
    expect(parseRetryAfter(headers, undefined, NOW)).toBe(2_000);
  });

  it('reads OpenAI/Groq Go-style reset durations, preferring the exhausted bucket', () => {
    const headers = {
      'x-ratelimit-reset-requests': '2m59.56s',
      'x-ratelimit-remaining-requests': '10',
      'x-ratelimit-reset-tokens': '7.66s',
      'x-ratelimit-remaining-tokens': '0',
    };
    expect(parseRetryAfter(headers, undefined, NOW)).toBeCloseTo(7_660, 6);
  });

  it('takes the longest reset when no bucket says it is exhausted', () => {
    const headers = { 'x-ratelimit-reset-requests': '12ms', 'x-ratelimit-reset-tokens': '1.5s' };
    expect(parseRetryAfter(headers, undefined, NOW)).toBe(1_500);
  });

  it('reads Azure x-rate-limit-reset-tokens in seconds', () => {
    expect(parseRetryAfter({ 'x-rate-limit-reset-tokens': '55' }, undefined, NOW)).toBe(55_000);
  });

  it('reads Anthropic RFC 3339 resets relative to now, preferring the exhausted bucket', () => {
    const headers = new Headers({
      'anthropic-ratelimit-input-tokens-remaining': '0',
      'anthropic-ratelimit-input-tokens-reset': '2025-06-02T15:15:48Z',
      'anthropic-ratelimit-requests-remaining': '4000',
      'anthropic-ratelimit-requests-reset': '2025-06-02T15:20:00Z',
    });
    expect(parseRetryAfter(headers, undefined, NOW)).toBe(78_000);
  });

  it('ignores unreadable header values and falls through to the body', () => {
    const body = { error: { message: 'Please try again in 2s.' } };
    expect(parseRetryAfter({ 'retry-after': 'whenever', 'retry-after-ms': 'x' }, body, NOW)).toBe(2_000);
  });
});

describe('parseRetryAfter from the body', () => {
  it('reads Gemini RetryInfo.retryDelay before message text', () => {
    const body = {
      error: {
        message: 'Please retry in 45.578569677s.',
        details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1.5s' }],
      },
    };
    expect(parseRetryAfter(undefined, body, NOW)).toBe(1_500);
  });

  it('reads RetryInfo given as seconds and nanos', () => {
    const details = [
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: { seconds: '3', nanos: 5e8 } },
    ];
    expect(retryAfterFromDetails(details)).toBe(3_500);
  });

  it('skips details entries that are not RetryInfo', () => {
    const details = [{ '@type': 'type.googleapis.com/google.rpc.Help', links: [] }];
    expect(retryAfterFromDetails(details)).toBeUndefined();
  });

  it('reads a message in a flat body and in body text', () => {
    expect(parseRetryAfter(undefined, { message: 'retry after 60 seconds' }, NOW)).toBe(60_000);
    expect(parseRetryAfter(null, 'Rate limited. Try again in 1m30s.', NOW)).toBe(90_000);
  });

  it('returns undefined when nothing says how long to wait', () => {
    expect(parseRetryAfter({}, { error: { message: 'Please try again later.' } }, NOW)).toBeUndefined();
    expect(parseRetryAfter(undefined, 42, NOW)).toBeUndefined();
  });

  it('survives a headers object whose getter throws', () => {
    const headers = Object.defineProperty({}, 'retry-after', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(parseRetryAfter(headers as Record<string, string>, 'try again in 4s', NOW)).toBe(4_000);
  });
});

describe('retryAfterFromText', () => {
  it.each([
    ['Please try again in 26.604s. Visit https://platform.openai.com', 26_604],
    ['Please retry after 60 seconds. To increase your default rate limit', 60_000],
    ['Please retry in 45.578569677s.', 45_578.569677],
    ['Rate limited, try again in 1m30s', 90_000],
    ['Slow down and try again in 120ms', 120],
    ['Please try again in 6.780999999s', 6_780.999999],
    ['retry after 1 minute', 60_000],
    ['Please retry after 86400 seconds.', 86_400_000],
  ])('reads %j', (text, ms) => {
    expect(retryAfterFromText(text)).toBeCloseTo(ms, 6);
  });

  it.each(['Please try again later.', 'You can retry your request', 'retry in 2 months', ''])(
    'finds no delay in %j',
    (text) => {
      expect(retryAfterFromText(text)).toBeUndefined();
    },
  );

  it('uses the first phrase that carries a duration', () => {
    expect(retryAfterFromText('Try again later. If it persists, retry in 5s.')).toBe(5_000);
  });

  it('scans only the head of a huge message', () => {
    const huge = `${'a'.repeat(5_000_000)} try again in 5s`;
    expect(retryAfterFromText(huge)).toBeUndefined();
    expect(retryAfterFromText(`try again in 5s ${'a'.repeat(5_000_000)}`)).toBe(5_000);
  });
});
