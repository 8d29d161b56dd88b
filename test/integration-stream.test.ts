/**
 * Integration: `llm.stream()` end to end over the official `openai` (Chat Completions and Responses) and
 * `@anthropic-ai/sdk` clients against the fault server: tokens, first-token and idle deadlines, failover before
 * the first token, typed errors with the partial text after it, and resuming on the next provider.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LLMError, type LLMRequest, type Provider } from '../src/index.js';
import type { FaultKind } from '../src/testing/index.js';
import {
  answerOf,
  faultOn,
  pathOf,
  readStream,
  SDK_WIRES,
  type SdkHarness,
  startSdkHarness,
} from './helpers/sdk-setup.js';

let h: SdkHarness;
beforeAll(async () => {
  h = await startSdkHarness();
});
afterEach(() => h.reset());
afterAll(() => h.close());

const ask = { messages: [{ role: 'user' as const, content: 'Say hello.' }] };
const calls = (id: string) => h.server.stats().providers[id]?.calls ?? 0;
/** The first two deltas of a provider's answer: what it streams before a fault with `afterDeltas: 2`. */
const firstTwoDeltas = 'Hello from ';
/** Short stream deadlines: a healthy local stream sends its first token within milliseconds. */
const streamTimeouts = { attemptMs: 2_000, totalMs: 6_000, firstTokenMs: 250, idleMs: 250 };

/** Wraps a provider to record the requests its `stream` receives. */
function recording(provider: Provider): { provider: Provider; requests: LLMRequest[] } {
  const requests: LLMRequest[] = [];
  const stream = provider.stream!.bind(provider);
  return {
    requests,
    provider: {
      ...provider,
      stream: (request, options) => {
        requests.push(request);
        return stream(request, options);
      },
    },
  };
}

/** The error the stream ended with; fails the test when it is not an `LLMError`. */
function llmError(error: unknown): LLMError {
  if (!LLMError.is(error)) throw new Error(`expected an LLMError, got ${String(error)}`);
  return error;
}

describe.each(SDK_WIRES)('llm.stream over the $wire SDK client', ({ wire, id, backup }) => {
  const llmFor = (options: Parameters<SdkHarness['client']>[1] = {}) =>
    h.client([h.provider(wire, id, 0), h.provider(backup.wire, backup.id, 1)], {
      timeouts: streamTimeouts,
      ...options,
    });

  it('streams several tokens that concatenate to the answer', async () => {
    const stream = llmFor().stream(ask);
    const { tokens, error } = await readStream(stream);
    expect(error).toBeUndefined();
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.join('')).toBe(answerOf(id));
    const result = await stream.result;
    expect(result).toMatchObject({ source: 'primary', provider: id, text: answerOf(id) });
    expect(pathOf(result.attempts)).toEqual([`${id} success→succeeded`]);
    expect(calls(backup.id)).toBe(0);
  });

  it.each<[FaultKind, string]>([
    ['insufficient_quota', 'quota_exhausted'],
    ['529', 'provider_error'],
    ['auth', 'authentication'],
  ])('fails over before any token after %s (%s)', async (kind, outcome) => {
    h.plan.set(id, faultOn({ kind }));
    const stream = llmFor().stream(ask);
    const { tokens, error } = await readStream(stream);
    expect(error).toBeUndefined();
    expect(tokens.join('')).toBe(answerOf(backup.id));
    const result = await stream.result;
    expect(result.attempts.map((a) => [a.provider, a.outcome, a.decision])).toEqual([
      [id, outcome, 'failover'],
      [backup.id, 'success', 'succeeded'],
    ]);
  });

  it('rewrites once before any token after a content filter, then fails over', async () => {
    h.plan.set(id, faultOn({ kind: 'content_filter' }));
    const stream = llmFor().stream(ask);
    const { tokens, error } = await readStream(stream);
    expect(error).toBeUndefined();
    expect(tokens.join('')).toBe(answerOf(backup.id));
    const result = await stream.result;
    expect(result.attempts.map((a) => [a.provider, a.outcome, a.decision])).toEqual([
      [id, 'content_filtered', 'rewrite'],
      [id, 'content_filtered', 'failover'],
      [backup.id, 'success', 'succeeded'],
    ]);
  });

  it('backs off on a 429 and streams from the same provider (rateLimitWait: always)', async () => {
    h.plan.set(id, faultOn({ kind: '429', retryAfterS: 0 }, [1]));
    const stream = llmFor({ retry: { baseMs: 5, maxMs: 20, rateLimitWait: 'always' } }).stream(ask);
    const { tokens } = await readStream(stream);
    expect(tokens.join('')).toBe(answerOf(id));
    const code = wire === 'messages' ? 'rate_limited' : 'rate_limit_exceeded';
    expect(pathOf((await stream.result).attempts)).toEqual([
      `${id} rate_limit→backoff [${code}]`,
      `${id} success→succeeded`,
    ]);
  });

  it('fails over before the first token when it comes later than firstTokenMs', async () => {
    h.plan.set(id, faultOn({ kind: 'slow_first_token', delayMs: 5_000 }));
    const stream = llmFor({ timeouts: { ...streamTimeouts, timeoutRetries: 0 } }).stream(ask);
    const { tokens, error } = await readStream(stream);
    expect(error).toBeUndefined();
    // The caller sees the second provider's tokens only.
    expect(tokens.join('')).toBe(answerOf(backup.id));
    const result = await stream.result;
    expect(result).toMatchObject({ source: 'primary', provider: backup.id, text: answerOf(backup.id) });
    expect(pathOf(result.attempts)).toEqual([
      `${id} timeout→failover [first_token_timeout]`,
      `${backup.id} success→succeeded`,
    ]);
    expect(result.durationMs).toBeGreaterThanOrEqual(streamTimeouts.firstTokenMs);
  });

  it('retries the same provider once after a first-token timeout by default', async () => {
    h.plan.set(id, faultOn({ kind: 'slow_first_token', delayMs: 5_000 }, [1]));
    const stream = llmFor().stream(ask);
    const { tokens } = await readStream(stream);
    expect(tokens.join('')).toBe(answerOf(id));
    expect(pathOf((await stream.result).attempts)).toEqual([
      `${id} timeout→retry [first_token_timeout]`,
      `${id} success→succeeded`,
    ]);
  });

  it('ends with a stream_idle timeout carrying the partial text when the stream stalls', async () => {
    h.plan.set(id, faultOn({ kind: 'stall', afterDeltas: 2 }));
    const stream = llmFor().stream(ask);
    const { tokens, error } = await readStream(stream);
    expect(tokens.join('')).toBe(firstTwoDeltas);
    expect(llmError(error)).toMatchObject({
      type: 'timeout',
      code: 'stream_idle',
      provider: id,
      partialText: firstTwoDeltas,
    });
    await expect(stream.result).rejects.toBe(error);
    // Tokens already reached the caller: no silent retry, no failover.
    expect([calls(id), calls(backup.id)]).toEqual([1, 0]);
  });

  it('continues on the next provider after a stall with resumeOnFailure', async () => {
    h.plan.set(id, faultOn({ kind: 'stall', afterDeltas: 2 }));
    const spy = recording(h.provider(backup.wire, backup.id, 1));
    const llm = h.client([h.provider(wire, id, 0), spy.provider], { timeouts: streamTimeouts });
    const stream = llm.stream({ ...ask, resumeOnFailure: true });
    const { tokens, error } = await readStream(stream);
    expect(error).toBeUndefined();
    expect(tokens.join('')).toBe(firstTwoDeltas + answerOf(backup.id));
    const result = await stream.result;
    expect(result.provider).toBe(backup.id);
    expect(pathOf(result.attempts)).toEqual([
      `${id} timeout→resume [stream_idle]`,
      `${backup.id} success→succeeded`,
    ]);
    // The next provider is asked to continue from the partial answer.
    expect(spy.requests[0]?.messages).toContainEqual({ role: 'assistant', content: firstTwoDeltas });
  });

  it('ends with a typed error carrying the partial text on a mid-stream error event', async () => {
    h.plan.set(id, faultOn({ kind: 'sse_error', afterDeltas: 2 }));
    const stream = llmFor().stream(ask);
    const { tokens, error } = await readStream(stream);
    expect(tokens.join('')).toBe(firstTwoDeltas);
    expect(llmError(error)).toMatchObject({
      type: 'provider_error',
      provider: id,
      partialText: firstTwoDeltas,
    });
    expect(calls(backup.id)).toBe(0);
  });

  it('continues on the next provider after a mid-stream error event with resumeOnFailure', async () => {
    h.plan.set(id, faultOn({ kind: 'sse_error', afterDeltas: 2 }));
    const stream = llmFor().stream({ ...ask, resumeOnFailure: true });
    const { tokens, error } = await readStream(stream);
    expect(error).toBeUndefined();
    expect(tokens.join('')).toBe(firstTwoDeltas + answerOf(backup.id));
    expect(pathOf((await stream.result).attempts).map((p) => p.replace(/ \[.*\]$/, ''))).toEqual([
      `${id} provider_error→resume`,
      `${backup.id} success→succeeded`,
    ]);
  });

  it('ends with stream_truncated and the partial text when a frame is cut off', async () => {
    h.plan.set(id, faultOn({ kind: 'truncated_json', afterDeltas: 2 }));
    const stream = llmFor().stream(ask);
    const { tokens, error } = await readStream(stream);
    expect(tokens.join('')).toBe(firstTwoDeltas);
    expect(llmError(error)).toMatchObject({
      type: 'provider_error',
      code: 'stream_truncated',
      partialText: firstTwoDeltas,
    });
  });

  it('stops at once with an aborted error when the caller aborts mid-stream', async () => {
    h.plan.set(id, faultOn({ kind: 'stall', afterDeltas: 2 }));
    const controller = new AbortController();
    const llm = llmFor({ timeouts: { ...streamTimeouts, idleMs: 5_000 } });
    const stream = llm.stream({ ...ask, signal: controller.signal });
    const tokens: string[] = [];
    const error = await (async () => {
      try {
        for await (const token of stream) {
          tokens.push(token);
          if (tokens.join('') === firstTwoDeltas) controller.abort();
        }
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(tokens.join('')).toBe(firstTwoDeltas);
    expect(llmError(error).type).toBe('aborted');
    expect(llm.inFlight).toBe(0);
  });
});
