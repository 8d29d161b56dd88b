/**
 * Every case of `test/fixtures/provider-errors.json` through `classifyError`.
 *
 * How a case is fed (the most natural form for what it recorded):
 * - `http_status` and `body` (or `headers`) recorded: a fetch-like `{ status, headers, body }`, the body as
 *   recorded (parsed JSON, JSON-text or SSE-frames text; a 200 stream body is whatever the wire or SDK gave).
 * - `message_only` (a message with no body): `{ status, headers, body: message_only }` (the body text).
 * - `http_status: null` with a body (status not captured): the error body alone.
 * - `http_status: null`, no body, no message (SDK behaviour, no wire response): the real SDK error the
 *   case's `source` names, built from the installed SDK (see `sdkOnly`).
 * A second table feeds each HTTP error case as the real SDK error object the official client would throw.
 */
import { readFileSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../src/errors/classify.js';
import { LLMError } from '../src/errors/llm-error.js';

interface FixtureCase {
  id: string;
  provider: string;
  http_status: number | null;
  headers: Record<string, string>;
  body: unknown;
  message_only?: string;
  expected_class: string;
  retryable: boolean;
  retry_after_seconds: number | null;
}

const cases = JSON.parse(
  readFileSync(new URL('./fixtures/provider-errors.json', import.meta.url), 'utf8'),
) as FixtureCase[];

const FIXED_NOW = Date.parse('2025-06-02T15:14:30Z');

/** Cases recorded as SDK behaviour only, as the error the named SDK throws. */
const sdkOnly: Record<string, () => unknown> = {
  'openai-client-timeout': () => new OpenAI.APIConnectionTimeoutError(),
};

function feed(c: FixtureCase): unknown {
  if (c.message_only !== undefined)
    return { status: c.http_status, headers: c.headers, body: c.message_only };
  if (c.http_status === null && c.body === null) {
    const build = sdkOnly[c.id];
    if (!build) throw new Error(`fixture ${c.id} has no input: add it to sdkOnly`);
    return build();
  }
  if (c.http_status === null) return c.body;
  return { status: c.http_status, headers: c.headers, body: c.body };
}

function expectRetryAfter(error: LLMError, seconds: number | null): void {
  if (seconds === null) {
    expect(error.retryAfterMs).toBeUndefined();
    return;
  }
  expect(error.retryAfterMs).toBeDefined();
  expect(Math.abs((error.retryAfterMs ?? 0) - seconds * 1000)).toBeLessThanOrEqual(seconds * 1000 * 0.01);
}

describe('classifyError on the provider fixture', () => {
  it('covers all 49 recorded cases', () => {
    expect(cases).toHaveLength(49);
  });

  it.each(cases.map((c) => [c.id, c] as const))('classifies %s', (_id, c) => {
    const input = feed(c);
    const error = classifyError(input, { provider: c.provider, now: () => FIXED_NOW });
    expect(LLMError.is(error)).toBe(true);
    expect(error.type).toBe(c.expected_class);
    expect(error.retryable).toBe(c.retryable);
    expectRetryAfter(error, c.retry_after_seconds);
    expect(error.provider).toBe(c.provider);
    expect(error.originalCause()).toBe(input);
  });
});

/** HTTP error cases whose body the official SDK keeps (openai-node keeps only `body.error`). */
const sdkCases = cases.filter((c) => {
  if (c.http_status === null || c.http_status < 400 || typeof c.body !== 'object' || c.body === null)
    return false;
  return c.provider === 'anthropic' || typeof (c.body as { error?: unknown }).error === 'object';
});

function thrownBySdk(c: FixtureCase): Error {
  const status = c.http_status ?? 0;
  const headers = new Headers(c.headers);
  if (c.provider === 'anthropic')
    return Anthropic.APIError.generate(status, c.body as object, undefined, headers);
  return OpenAI.APIError.generate(status, c.body as object, undefined, headers);
}

describe('classifyError on the same cases thrown by the official SDKs', () => {
  it('has SDK-shaped cases for every status family', () => {
    const statuses = new Set(sdkCases.map((c) => c.http_status));
    expect([400, 401, 402, 403, 404, 413, 429].every((s) => statuses.has(s))).toBe(true);
  });

  it.each(sdkCases.map((c) => [c.id, c] as const))('classifies %s from the SDK error', (_id, c) => {
    const thrown = thrownBySdk(c);
    const error = classifyError(thrown, { now: () => FIXED_NOW });
    expect(error.type).toBe(c.expected_class);
    expect(error.retryable).toBe(c.retryable);
    expect(error.status).toBe(c.http_status);
    expectRetryAfter(error, c.retry_after_seconds);
    expect(error.originalCause()).toBe(thrown);
  });
});
