/**
 * Rate-limit headers feed admission, end to end: the official `openai` and `@anthropic-ai/sdk` clients against
 * the fault server, whose answers carry `x-ratelimit-*` / `anthropic-ratelimit-*` headers. A provider whose
 * answers say little of its limit is left shed in proportion before any 429, and regains its share once the
 * window resets or its answers show room again. Also: the headers are parsed from every spelling.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import {
  anthropicProvider,
  classifyError,
  createResilientLLM,
  headroomOf,
  openaiProvider,
  type Provider,
  rateLimitFromHeaders,
} from '../src/index.js';
import { createFaultServer, type FaultServer } from '../src/testing/index.js';

/** What provider `a`'s answers say is left of its limit of 100 requests; set by each test. */
let remaining = 100;
let server: FaultServer;

const openaiHeaders = () => ({
  'x-ratelimit-limit-requests': '100',
  'x-ratelimit-remaining-requests': String(remaining),
  'x-ratelimit-reset-requests': '20s',
  'x-ratelimit-limit-tokens': '100000',
  'x-ratelimit-remaining-tokens': '90000',
  'x-ratelimit-reset-tokens': '6m0s',
});
const anthropicHeaders = () => ({
  'anthropic-ratelimit-requests-limit': '100',
  'anthropic-ratelimit-requests-remaining': String(remaining),
  'anthropic-ratelimit-requests-reset': new Date(Date.now() + 20_000).toISOString(),
  'anthropic-ratelimit-tokens-limit': '100000',
  'anthropic-ratelimit-tokens-remaining': '90000',
});

beforeAll(async () => {
  server = await createFaultServer({
    scenario: {
      a: { text: 'answer from a', headers: openaiHeaders },
      claude: { text: 'answer from claude', headers: anthropicHeaders },
      b: { text: 'answer from b' },
      limited: { faults: [{ kind: '429', rate: 1, retryAfterS: 2 }] },
    },
  });
});
afterAll(() => server.close());

const ask = { messages: [{ role: 'user' as const, content: 'hello' }] };
const openai = (id: string, priority: number): Provider =>
  openaiProvider({
    client: new OpenAI({ baseURL: server.baseURL(id, 'openai'), apiKey: 'test', maxRetries: 0 }),
    model: 'gpt-test',
    id,
    priority,
  });
const anthropic = (id: string, priority: number): Provider =>
  anthropicProvider({
    client: new Anthropic({ baseURL: server.baseURL(id, 'anthropic'), apiKey: 'test', maxRetries: 0 }),
    model: 'claude-test',
    id,
    priority,
  });

const skips = (attempts: ReadonlyArray<{ provider: string; outcome: string; code?: string }>) =>
  attempts.filter((a) => a.outcome === 'skipped').map((a) => `${a.provider}:${a.code}`);

describe('rate-limit headers from the official SDKs', () => {
  it('reads OpenAI’s x-ratelimit headers of a successful answer into the result', async () => {
    remaining = 7;
    const result = await openai('a', 0).call(ask, { signal: new AbortController().signal });
    expect(result.text).toBe('answer from a');
    expect(result.rateLimit).toEqual({
      remainingRequests: 7,
      limitRequests: 100,
      remainingTokens: 90_000,
      limitTokens: 100_000,
      resetMs: 20_000,
    });
  });

  it('reads Anthropic’s anthropic-ratelimit headers of a successful answer into the result', async () => {
    remaining = 3;
    const result = await anthropic('claude', 0).call(ask, { signal: new AbortController().signal });
    expect(result.text).toBe('answer from claude');
    expect(result.rateLimit).toMatchObject({ remainingRequests: 3, limitRequests: 100 });
    expect(result.rateLimit?.resetMs).toBeGreaterThan(15_000);
    expect(result.rateLimit?.resetMs).toBeLessThanOrEqual(20_000);
  });

  it('reads the headers of a 429 the official SDK throws into LLMError.rateLimit', async () => {
    const thrown = await openai('limited', 0)
      .call(ask, { signal: new AbortController().signal })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(thrown).toBeInstanceOf(OpenAI.RateLimitError);
    const error = classifyError(thrown, { provider: 'limited' });
    expect(error.type).toBe('rate_limit');
    expect(error.retryAfterMs).toBe(2_000);
    expect(error.rateLimit).toEqual({ remainingRequests: 0, limitRequests: 3, resetMs: 2_000 });
  });

  it('sheds a provider whose answers say little of its limit is left, before any 429', async () => {
    for (const [make, id] of [
      [openai, 'a'],
      [anthropic, 'claude'],
    ] as const) {
      remaining = 4; // 4% left, under the 10% headroom: a call goes through with probability 0.4
      const clock = new SimulatedClock();
      let draw = 0.5;
      const llm = createResilientLLM({
        providers: [make(id, 0), openai('b', 1)],
        clock,
        random: () => draw,
        inspect: false,
      });
      const first = await llm.call(ask);
      expect(first.provider).toBe(id);
      const shed = await llm.call(ask);
      expect(shed.provider).toBe('b');
      expect(skips(shed.attempts)).toEqual([`${id}:rate_limit_headroom`]);
      expect(shed.attempts[0]?.retryAfterMs).toBeGreaterThan(15_000);
      draw = 0.3; // below 0.4: admitted
      const admitted = await llm.call(ask);
      expect(admitted.provider).toBe(id);
      await llm.stop();
    }
  });

  it.each([true, false])('admits every call again once the window resets (fastPath %s)', async (fastPath) => {
    remaining = 0;
    const clock = new SimulatedClock();
    const llm = createResilientLLM({
      providers: [openai('a', 0), openai('b', 1)],
      clock,
      inspect: false,
      fastPath,
    });
    expect((await llm.call(ask)).provider).toBe('a');
    for (let i = 0; i < 3; i++) {
      const r = await llm.call(ask);
      expect(r.provider).toBe('b');
      expect(skips(r.attempts)).toEqual(['a:rate_limit_headroom']);
    }
    remaining = 100;
    clock.increment(20_000);
    expect((await llm.call(ask)).provider).toBe('a');
    expect((await llm.call(ask)).provider).toBe('a');
    await llm.stop();
  });

  it('admits every call again as soon as an answer shows room', async () => {
    remaining = 5;
    const clock = new SimulatedClock();
    let draw = 0.9;
    const llm = createResilientLLM({
      providers: [openai('a', 0), openai('b', 1)],
      clock,
      random: () => draw,
      inspect: false,
    });
    await llm.call(ask);
    expect((await llm.call(ask)).provider).toBe('b');
    remaining = 50;
    draw = 0.1;
    expect((await llm.call(ask)).provider).toBe('a'); // admitted (0.1 < 0.5) and reports room
    draw = 0.99;
    expect((await llm.call(ask)).provider).toBe('a');
    await llm.stop();
  });

  it('ignores the headers with admission.headroom 0', async () => {
    remaining = 0;
    const clock = new SimulatedClock();
    const llm = createResilientLLM({
      providers: [openai('a', 0), openai('b', 1)],
      clock,
      admission: { headroom: 0 },
      inspect: false,
    });
    for (let i = 0; i < 3; i++) expect((await llm.call(ask)).provider).toBe('a');
    await llm.stop();
  });
});

describe('rateLimitFromHeaders', () => {
  it('takes the most constrained token bucket and its reset', () => {
    const info = rateLimitFromHeaders(
      {
        'anthropic-ratelimit-input-tokens-limit': '1000',
        'anthropic-ratelimit-input-tokens-remaining': '900',
        'anthropic-ratelimit-output-tokens-limit': '1000',
        'anthropic-ratelimit-output-tokens-remaining': '50',
        'anthropic-ratelimit-output-tokens-reset': '1970-01-01T00:00:12Z',
      },
      2_000,
    );
    expect(info).toEqual({ remainingTokens: 50, limitTokens: 1000, resetMs: 10_000 });
    expect(headroomOf(info ?? {})).toBeCloseTo(0.05);
  });

  it('reads Azure’s x-rate-limit spelling and a remaining count without a limit', () => {
    const info = rateLimitFromHeaders(new Headers({ 'x-rate-limit-remaining-requests': '0' }));
    expect(info).toEqual({ remainingRequests: 0 });
    expect(headroomOf(info ?? {})).toBe(0);
    expect(headroomOf({ remainingRequests: 10 })).toBe(1);
  });

  it('gives undefined without remaining counts and ignores garbage values', () => {
    expect(rateLimitFromHeaders({ 'retry-after': '3' })).toBeUndefined();
    expect(rateLimitFromHeaders({ 'x-ratelimit-remaining-requests': 'lots' })).toBeUndefined();
    expect(rateLimitFromHeaders(null)).toBeUndefined();
  });

  it('puts a 429’s headers on the LLMError', () => {
    const error = classifyError({
      status: 429,
      headers: {
        'x-ratelimit-limit-requests': '3',
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': '1s',
      },
      body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } },
    });
    expect(error.type).toBe('rate_limit');
    expect(error.rateLimit).toEqual({ remainingRequests: 0, limitRequests: 3, resetMs: 1_000 });
  });
});
