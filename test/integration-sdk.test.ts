/**
 * Integration: the request lifecycle (`llm.call`) over the official `openai` (Chat Completions and Responses)
 * and `@anthropic-ai/sdk` clients, pointed at the fault server. Each fault kind takes its lifecycle path.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LLMError, type LLMErrorType, memoryCache } from '../src/index.js';
import { FAULT_KINDS, type FaultKind } from '../src/testing/index.js';
import {
  answerOf,
  faultFirst,
  faultOn,
  pathOf,
  SDK_WIRES,
  type SdkHarness,
  startSdkHarness,
} from './helpers/sdk-setup.js';

/** Node timers may fire up to a millisecond before `Date.now()`/`performance.now()` show the full delay. */
const TIMER_SLACK_MS = 2;

let h: SdkHarness;
beforeAll(async () => {
  h = await startSdkHarness();
});
afterEach(() => h.reset());
afterAll(() => h.close());

const ask = (content = 'What is six times seven?') => ({ messages: [{ role: 'user' as const, content }] });
const calls = (id: string) => h.server.stats().providers[id]?.calls ?? 0;

async function rejection(promise: Promise<unknown>): Promise<LLMError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!LLMError.is(error)) throw new Error(`expected an LLMError, got ${String(error)}`);
  return error;
}

/** Faults answered at once that end the provider's turn: fail over, never retry the same provider. */
const FAILOVER_CASES: Array<[FaultKind, LLMErrorType]> = [
  ['insufficient_quota', 'quota_exhausted'],
  ['500', 'provider_error'],
  ['503', 'provider_error'],
  ['529', 'provider_error'],
  ['auth', 'authentication'],
  ['context_length', 'context_length'],
  ['truncated_json', 'provider_error'],
  ['down', 'provider_error'],
  ['sse_error', 'provider_error'],
];

/** Kinds the per-wire tests below give their own path: back off, or time out. */
const OTHER_CASES: FaultKind[] = ['429', 'hang', 'stall', 'slow_first_token', 'content_filter'];

it('covers every fault kind the server can inject', () => {
  const covered = [...FAILOVER_CASES.map(([kind]) => kind), ...OTHER_CASES];
  expect([...covered].sort()).toEqual([...FAULT_KINDS].sort());
});

describe.each(SDK_WIRES)('llm.call over the $wire SDK client', ({ wire, id, backup }) => {
  const llmFor = (options: Parameters<SdkHarness['client']>[1] = {}) =>
    h.client([h.provider(wire, id, 0), h.provider(backup.wire, backup.id, 1)], options);

  it('answers from the primary in one attempt with the model and usage', async () => {
    const result = await llmFor().call(ask());
    expect(result).toMatchObject({ source: 'primary', provider: id, text: answerOf(id), data: answerOf(id) });
    expect(result.model).toBe(wire === 'messages' ? 'claude-test' : 'gpt-test');
    expect(result.usage?.outputTokens).toBeGreaterThan(0);
    expect(pathOf(result.attempts)).toEqual([`${id} success→succeeded`]);
    expect(calls(backup.id)).toBe(0);
  });

  it.each(FAILOVER_CASES)('fails over after %s (%s) without retrying the provider', async (kind, type) => {
    h.plan.set(id, faultOn({ kind }));
    const result = await llmFor().call(ask());
    expect(result).toMatchObject({ source: 'primary', provider: backup.id, text: answerOf(backup.id) });
    expect(result.attempts.map((a) => [a.provider, a.outcome, a.decision])).toEqual([
      [id, type, 'failover'],
      [backup.id, 'success', 'succeeded'],
    ]);
    expect(h.server.stats().providers[id]).toEqual({ calls: 1, outcomes: { [kind]: 1 } });
  });

  it('retries a content filter once with the policy instruction, then fails over', async () => {
    h.plan.set(id, faultOn({ kind: 'content_filter' }));
    const result = await llmFor().call(ask());
    expect(result).toMatchObject({ source: 'primary', provider: backup.id, text: answerOf(backup.id) });
    expect(result.attempts.map((a) => [a.provider, a.outcome, a.decision])).toEqual([
      [id, 'content_filtered', 'rewrite'],
      [id, 'content_filtered', 'failover'],
      [backup.id, 'success', 'succeeded'],
    ]);
    expect(h.server.stats().providers[id]).toEqual({ calls: 2, outcomes: { content_filter: 2 } });
  });

  it('fails over at once on a content filter when the default rewrite is off', async () => {
    h.plan.set(id, faultOn({ kind: 'content_filter' }));
    const result = await llmFor({ contentFilter: { rewriteInstruction: false } }).call(ask());
    expect(result.attempts.map((a) => [a.provider, a.outcome, a.decision])).toEqual([
      [id, 'content_filtered', 'failover'],
      [backup.id, 'success', 'succeeded'],
    ]);
  });

  it('fails over at once on a 429 while another provider can answer (rateLimitWait: lastResort)', async () => {
    h.plan.set(id, faultOn({ kind: '429', retryAfterS: 1 }, [1]));
    const result = await llmFor().call(ask());
    expect(result).toMatchObject({ source: 'primary', provider: backup.id });
    expect(result.attempts.map((a) => [a.provider, a.outcome, a.decision])).toEqual([
      [id, 'rate_limit', 'failover'],
      [backup.id, 'success', 'succeeded'],
    ]);
    expect(calls(id)).toBe(1);
  });

  it('backs off on a 429 and then succeeds on the same provider (rateLimitWait: always)', async () => {
    h.plan.set(id, faultOn({ kind: '429', retryAfterS: 0 }, [1]));
    const result = await llmFor({ retry: { baseMs: 5, maxMs: 20, rateLimitWait: 'always' } }).call(ask());
    expect(result).toMatchObject({ source: 'primary', provider: id, text: answerOf(id) });
    expect(result.attempts.map((a) => [a.provider, a.attempt, a.outcome, a.decision])).toEqual([
      [id, 1, 'rate_limit', 'backoff'],
      [id, 2, 'success', 'succeeded'],
    ]);
    expect(calls(backup.id)).toBe(0);
    // Both attempts carry the call's id and their number, so the server counts them as one request.
    const sent = h.server.requests().map((r) => [r.headers['x-request-id'], r.headers['x-attempt']]);
    expect(sent).toEqual([
      [result.requestId, '1'],
      [result.requestId, '2'],
    ]);
  });

  it("waits the server's Retry-After before the next attempt, even above retry.maxMs", async () => {
    h.plan.set(id, faultOn({ kind: '429', retryAfterS: 0.25 }, [1]));
    const result = await llmFor({ retry: { baseMs: 5, maxMs: 20, rateLimitWait: 'always' } }).call(ask());
    const [first, second] = result.attempts;
    expect(first).toMatchObject({ outcome: 'rate_limit', decision: 'backoff', retryAfterMs: 250 });
    expect(second).toMatchObject({ provider: id, outcome: 'success' });
    // Measured where the requests arrive (real clock), lower bound only: the jittered backoff alone would be
    // at most retry.maxMs (20 ms), so a gap of 250 ms is the server's Retry-After being honoured.
    const [sentFirst, sentSecond] = h.arrivals.get(id) ?? [];
    expect(sentSecond! - sentFirst!).toBeGreaterThanOrEqual(250 - TIMER_SLACK_MS);
    expect(result.durationMs).toBeGreaterThanOrEqual(250 - TIMER_SLACK_MS);
  });

  it('fails over at once when the Retry-After does not fit in the total deadline', async () => {
    h.plan.set(id, faultOn({ kind: '429', retryAfterS: 30 }));
    const result = await llmFor().call(ask());
    expect(result.provider).toBe(backup.id);
    expect(result.attempts[0]).toMatchObject({
      outcome: 'rate_limit',
      decision: 'failover',
      retryAfterMs: 30_000,
    });
    expect(calls(id)).toBe(1);
  });

  it('retries a hung provider once after the attempt timeout, then fails over', async () => {
    h.plan.set(id, faultOn({ kind: 'hang' }));
    const result = await llmFor({ timeouts: { attemptMs: 300, totalMs: 6_000 } }).call(ask());
    expect(result.provider).toBe(backup.id);
    expect(pathOf(result.attempts)).toEqual([
      `${id} timeout→retry [attempt_timeout]`,
      `${id} timeout→failover [attempt_timeout]`,
      `${backup.id} success→succeeded`,
    ]);
    expect(result.durationMs).toBeGreaterThanOrEqual(600 - TIMER_SLACK_MS);
  });

  it('times out a body that stalls half way, then fails over', async () => {
    h.plan.set(id, faultOn({ kind: 'stall' }));
    const llm = llmFor({ timeouts: { attemptMs: 300, totalMs: 6_000, timeoutRetries: 0 } });
    const result = await llm.call(ask());
    expect(pathOf(result.attempts)).toEqual([
      `${id} timeout→failover [attempt_timeout]`,
      `${backup.id} success→succeeded`,
    ]);
  });

  it('waits for a slow answer that arrives within the attempt deadline', async () => {
    h.plan.set(id, faultOn({ kind: 'slow_first_token', delayMs: 50 }));
    const result = await llmFor().call(ask());
    expect(result).toMatchObject({ provider: id, text: answerOf(id) });
    expect(pathOf(result.attempts)).toEqual([`${id} success→succeeded`]);
    expect(result.durationMs).toBeGreaterThanOrEqual(50 - TIMER_SLACK_MS);
  });
});

describe.each(SDK_WIRES)(
  'llm.call over the $wire SDK client when nothing answers',
  ({ wire, id, backup }) => {
    const providers = () => [h.provider(wire, id, 0), h.provider(backup.wire, backup.id, 1)];

    it.each<[FaultKind, LLMErrorType]>([
      ['auth', 'authentication'],
      ['insufficient_quota', 'quota_exhausted'],
      ['context_length', 'context_length'],
      ['content_filter', 'content_filtered'],
    ])('throws the last provider’s %s as %s', async (kind, type) => {
      h.plan.set(id, faultOn({ kind }));
      h.plan.set(backup.id, faultOn({ kind }));
      const error = await rejection(h.client(providers()).call(ask()));
      expect(error).toMatchObject({ type, provider: backup.id });
      // A content filter is retried once per call with the policy instruction: on the first provider.
      expect([calls(id), calls(backup.id)]).toEqual(kind === 'content_filter' ? [2, 1] : [1, 1]);
    });

    it('retries the last provider on server errors before throwing provider_error', async () => {
      h.plan.set(id, faultOn({ kind: '503' }));
      h.plan.set(backup.id, faultOn({ kind: '500' }));
      const error = await rejection(h.client(providers()).call(ask()));
      expect(error).toMatchObject({ type: 'provider_error', provider: backup.id, status: 500 });
      expect([calls(id), calls(backup.id)]).toEqual([1, 3]);
    });

    it('answers with the static fallback, recording both failures', async () => {
      h.plan.set(id, faultOn({ kind: 'auth' }));
      h.plan.set(backup.id, faultOn({ kind: 'insufficient_quota' }));
      const llm = h.client(providers(), { degradation: { fallback: 'Please try again later.' } });
      const result = await llm.call(ask());
      expect(result).toMatchObject({ source: 'fallback', text: 'Please try again later.' });
      expect(result.attempts.map((a) => [a.provider, a.outcome, a.decision])).toEqual([
        [id, 'authentication', 'failover'],
        [backup.id, 'quota_exhausted', 'failover'],
      ]);
    });

    it('answers from the cache with an earlier schema-valid answer', async () => {
      h.texts.set(id, '{"answer": "42"}');
      const llm = h.client(providers(), { degradation: { cache: memoryCache() } });
      const schema = z.object({ answer: z.string() });
      const fresh = await llm.call({ ...ask(), schema, cacheKey: 'six-times-seven' });
      expect(fresh).toMatchObject({ source: 'primary', provider: id, data: { answer: '42' } });
      h.plan.set(id, faultOn({ kind: '529' }));
      h.plan.set(backup.id, faultOn({ kind: 'auth' }));
      const cached = await llm.call({ ...ask(), schema, cacheKey: 'six-times-seven' });
      expect(cached).toMatchObject({ source: 'cache', provider: id, data: { answer: '42' } });
    });

    it('answers the simplified prompt when both providers reject the full one', async () => {
      h.plan.set(id, faultFirst({ kind: 'context_length' }, 1));
      h.plan.set(backup.id, faultFirst({ kind: 'context_length' }, 1));
      const llm = h.client(providers(), { degradation: { simplifiedPrompt: 'Answer in one word.' } });
      const result = await llm.call(ask('A very long question...'));
      expect(result).toMatchObject({ source: 'simplified', provider: id, text: answerOf(id) });
      expect(result.attempts.map((a) => [a.provider, a.outcome, a.decision, a.phase ?? 'primary'])).toEqual([
        [id, 'context_length', 'failover', 'primary'],
        [backup.id, 'context_length', 'failover', 'primary'],
        [id, 'success', 'succeeded', 'simplified'],
      ]);
    });
  },
);
