import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AnswerBody, createApp } from '../examples/http-api/app.js';
import { createExampleLLM, type ExampleLLMOptions } from '../examples/http-api/llm.js';
import { safeErrorMessages } from '../src/http/index.js';
import type { LLMErrorType } from '../src/index.js';
import {
  createFaultServer,
  FAULT_KINDS,
  type Fault,
  type FaultContext,
  type FaultKind,
  type FaultServer,
} from '../src/testing/index.js';

const API_KEY = 'sk-example-SECRET-4242';
const FALLBACK = 'The answer service is busy; here is a safe default.';
/** Raw provider texts (from the fault server's real-shaped bodies) and credentials: never in a response. */
const LEAKS = [
  /sk-example/,
  /SECRET-4242/,
  /org-faultserver/,
  /Rate limit reached/,
  /rate limit\. Please/,
  /Incorrect API key/,
  /x-api-key/,
  /maximum context length/,
  /prompt is too long/,
  /exceeds the context window/,
  /credit balance/,
  /exceeded your current quota/,
  /Overloaded/,
  /overloaded or not ready/,
  /Internal server error/,
  /server had an error/,
  /Service unavailable/,
  /fault server/i,
  /req_[a-z0-9]{8}/i,
];

type Plan = Partial<Record<string, (ctx: FaultContext) => Fault | undefined>>;
let plan: Plan = {};
let faults: FaultServer;
let closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  faults = await createFaultServer({
    scenario: {
      '*': {
        faults: (ctx) => plan[ctx.provider]?.(ctx),
        text: (ctx) => JSON.stringify({ answer: `${ctx.provider} says 42` }),
      },
    },
  });
});
afterAll(() => faults.close());
beforeEach(() => {
  plan = {};
  faults.reset();
});
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
});

const always = (fault: Fault) => () => fault;
const bothFail = (fault: Fault): Plan => ({ openai: always(fault), anthropic: always(fault) });
const calls = (provider: string) => faults.stats().providers[provider]?.calls ?? 0;

/** Starts the example app (its own client on both fault-server providers) on 127.0.0.1, port 0. */
async function startApp(options: Partial<ExampleLLMOptions> = {}) {
  const logs: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const llm = createExampleLLM({
    openai: { apiKey: API_KEY, model: 'gpt-test', baseURL: faults.baseURL('openai') },
    anthropic: { apiKey: API_KEY, model: 'claude-test', baseURL: faults.baseURL('anthropic') },
    timeouts: { attemptMs: 2_000, totalMs: 5_000 },
    retry: { baseMs: 10, maxMs: 50 },
    ...options,
  });
  const log = (level: string) => (message: string, fields: object) =>
    logs.push({ level, message, fields: fields as Record<string, unknown> });
  const app = createApp({ llm, logger: { warn: log('warn'), error: log('error') } });
  const base = await new Promise<string>((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) =>
      resolve(`http://127.0.0.1:${info.port}`),
    ) as Server;
    closers.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await llm.stop();
    });
  });
  /** POSTs a question (or a raw body) and returns status, headers, raw text and parsed JSON. */
  const post = async (body: unknown, raw = false) => {
    const response = await fetch(`${base}/v1/answer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw ? String(body) : JSON.stringify({ question: body }),
    });
    const text = await response.text();
    for (const leak of LEAKS) expect(text).not.toMatch(leak);
    for (const leak of LEAKS) expect(JSON.stringify([...response.headers])).not.toMatch(leak);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    return { status: response.status, headers: response.headers, text, json: JSON.parse(text) as unknown };
  };
  return { post, logs, llm };
}

describe('example HTTP API: answers', () => {
  it('answers from the primary provider when both are healthy', async () => {
    const { post } = await startApp({ fallback: FALLBACK });
    const res = await post('What is six times seven?');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/\S/);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(res.json).toEqual({
      answer: 'openai says 42',
      source: 'primary',
      provider: 'openai',
      attempts: [{ provider: 'openai', outcome: 'success' }],
    } satisfies AnswerBody);
  });

  it('fails over to the second provider when the first is rate limited beyond the deadline', async () => {
    plan = { openai: always({ kind: '429', retryAfterS: 30 }) };
    const { post } = await startApp({ fallback: FALLBACK });
    const res = await post('What is six times seven?');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      answer: 'anthropic says 42',
      source: 'primary',
      provider: 'anthropic',
      attempts: [
        { provider: 'openai', outcome: 'rate_limit' },
        { provider: 'anthropic', outcome: 'success' },
      ],
    });
    expect([calls('openai'), calls('anthropic')]).toEqual([1, 1]);
  });

  it('fails over at once on a 429 while the other provider can answer', async () => {
    plan = { openai: (ctx) => (ctx.attempt === 1 ? { kind: '429', retryAfterS: 0.05 } : undefined) };
    const { post } = await startApp({ fallback: FALLBACK });
    const res = await post('What is six times seven?');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      provider: 'anthropic',
      attempts: [
        { provider: 'openai', outcome: 'rate_limit' },
        { provider: 'anthropic', outcome: 'success' },
      ],
    });
    expect([calls('openai'), calls('anthropic')]).toEqual([1, 1]);
  });

  it('serves the static fallback with 200 when both providers are down', async () => {
    plan = bothFail({ kind: 'down' });
    const { post } = await startApp({ fallback: FALLBACK });
    const res = await post('What is six times seven?');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ answer: FALLBACK, source: 'fallback', provider: null });
    const { attempts } = res.json as AnswerBody;
    expect(new Set(attempts.map((a) => a.outcome))).toEqual(new Set(['provider_error']));
    expect(new Set(attempts.map((a) => a.provider))).toEqual(new Set(['openai', 'anthropic']));
  });

  it('serves a cached answer (before the fallback) when providers go down after a success', async () => {
    const { post } = await startApp({ fallback: FALLBACK });
    expect((await post('What is six times seven?')).json).toMatchObject({ source: 'primary' });
    plan = bothFail({ kind: '503' });
    const res = await post('  what is SIX times seven? ');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ answer: 'openai says 42', source: 'cache', provider: 'openai' });
    const other = await post('A question never asked before?');
    expect(other.json).toMatchObject({ answer: FALLBACK, source: 'fallback' });
  });
});

/** What a request gets when both providers fail with a kind (no fallback configured). */
const byKind: Record<FaultKind, [status: number, type: LLMErrorType, retryAfter: string | null]> = {
  '429': [429, 'rate_limit', '8'],
  insufficient_quota: [503, 'quota_exhausted', null],
  '500': [503, 'provider_error', null],
  '503': [503, 'provider_error', null],
  '529': [503, 'provider_error', null],
  down: [503, 'provider_error', null],
  truncated_json: [503, 'provider_error', null],
  sse_error: [503, 'provider_error', null],
  hang: [504, 'timeout', null],
  stall: [504, 'timeout', null],
  slow_first_token: [504, 'timeout', null],
  content_filter: [422, 'content_filtered', null],
  context_length: [413, 'context_length', null],
  auth: [502, 'authentication', null],
};
const SLOW: ReadonlySet<FaultKind> = new Set(['hang', 'stall', 'slow_first_token']);

describe('example HTTP API: errors without a fallback', () => {
  it('covers every fault kind the fault server can produce', () => {
    expect(Object.keys(byKind).sort()).toEqual([...FAULT_KINDS].sort());
  });

  it.each(Object.entries(byKind))('maps %s on both providers to its status', async (kind, expected) => {
    const [status, type, retryAfter] = expected;
    // 7.2 s is beyond the 5 s deadline: no waiting, and the header rounds it up to 8.
    plan = bothFail({ kind: kind as FaultKind, retryAfterS: 7.2, delayMs: 5_000 });
    const timeouts = SLOW.has(kind as FaultKind)
      ? { attemptMs: 150, totalMs: 2_000 }
      : { attemptMs: 2_000, totalMs: 5_000 };
    const { post } = await startApp({ timeouts });
    const res = await post('What is six times seven?');
    expect(res.status).toBe(status);
    expect(res.headers.get('retry-after')).toBe(retryAfter);
    const retryable = !['quota_exhausted', 'content_filtered', 'context_length', 'authentication'].includes(
      type,
    );
    expect(res.json).toEqual({
      error: {
        type,
        message: safeErrorMessages[type],
        retryable,
        ...(retryAfter === null ? {} : { retry_after: Number(retryAfter) }),
      },
    });
    expect(calls('openai')).toBeGreaterThanOrEqual(1);
    expect(calls('anthropic')).toBeGreaterThanOrEqual(1);
  });

  it('logs a failure through the hook with its request id, and never the API key', async () => {
    plan = bothFail({ kind: 'auth' });
    const { post, logs } = await startApp();
    const res = await post('What is six times seven?');
    expect(res.status).toBe(502);
    expect([calls('openai'), calls('anthropic')]).toEqual([1, 1]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      level: 'error',
      message: 'answer failed',
      fields: {
        type: 'authentication',
        status: 502,
        provider: 'anthropic',
        path: '/v1/answer',
        requestId: res.headers.get('x-request-id'),
      },
    });
    expect(JSON.stringify(logs)).not.toMatch(/SECRET-4242/);
  });

  it('announces the wait until half-open when every breaker is open', async () => {
    plan = bothFail({ kind: '500' });
    const { post, llm } = await startApp({ breaker: { failureThreshold: 2, openMs: 30_000 } });
    // The first call trips the last-resort provider (it retries there); the second trips the other one.
    expect((await post('first')).status).toBe(503);
    expect((await post('second')).status).toBe(503);
    expect(llm.providers().map((p) => p.breaker)).toEqual(['open', 'open']);
    const seen = faults.stats().calls;
    const res = await post('third');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(res.json).toMatchObject({ error: { type: 'provider_error', retry_after: 30 } });
    expect(faults.stats().calls).toBe(seen);
  });
});

describe('example HTTP API: bad requests', () => {
  it.each([
    ['invalid JSON', '{"question": ', /must be JSON/],
    ['a missing question', '{}', /question must be a string[\s\S]*at question/],
    ['a question that is not a string', '{"question": 42}', /question must be a string/],
    ['a blank question', '{"question": "   "}', /question must not be empty/],
    ['an unknown field', '{"question": "hi", "model": "gpt-5"}', /Unrecognized key: "model"/],
    ['a question over 2000 characters', JSON.stringify({ question: 'x'.repeat(2_001) }), /at most 2000/],
  ])('answers 400 naming the problem for %s, without calling a provider', async (_label, body, message) => {
    const { post } = await startApp({ fallback: FALLBACK });
    const res = await post(body, true);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: { type: 'bad_request', message: expect.any(String), retryable: false },
    });
    expect((res.json as { error: { message: string } }).error.message).toMatch(message);
    expect(faults.stats().calls).toBe(0);
  });

  it('answers 413 to a body over the size limit', async () => {
    const { post } = await startApp({ fallback: FALLBACK });
    const res = await post(JSON.stringify({ question: 'x'.repeat(20_000) }), true);
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({
      error: { type: 'bad_request', message: expect.stringMatching(/16384 bytes/) },
    });
    expect(faults.stats().calls).toBe(0);
  });
});
