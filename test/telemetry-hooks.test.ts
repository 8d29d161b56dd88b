import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { LLMError } from '../src/errors/llm-error.js';
import type { AttemptEvent, DecisionEvent, ResultEvent } from '../src/telemetry/types.js';
import { settleWithClock } from '../src/testing/drive-clock.js';
import { ask, setup } from './helpers/lifecycle.js';

function recorder() {
  const log = {
    attempts: [] as AttemptEvent[],
    decisions: [] as DecisionEvent[],
    results: [] as ResultEvent[],
    transitions: [] as string[],
  };
  const hooks = {
    onAttempt: (e: AttemptEvent) => log.attempts.push(e),
    onDecision: (e: DecisionEvent) => log.decisions.push(e),
    onResult: (e: ResultEvent) => log.results.push(e),
    onBreakerTransition: (e: { provider: string; from: string; to: string }) =>
      log.transitions.push(`${e.provider}:${e.from}->${e.to}`),
  };
  return { log, hooks };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('observation hooks', () => {
  it('reports one attempt, one decision and one result for a fast-path success', async () => {
    const { log, hooks } = recorder();
    const { llm, clock } = setup({ a: [{ text: 'hi', delayMs: 40 }] }, { hooks, telemetry: false });
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok).toBe(true);
    expect(log.attempts).toEqual([
      expect.objectContaining({
        provider: 'a',
        attempt: 1,
        outcome: 'success',
        decision: 'succeeded',
        durationMs: 40,
        model: 'a-model',
      }),
    ]);
    expect(log.decisions.map((d) => d.decision)).toEqual(['succeeded']);
    expect(log.results).toEqual([
      expect.objectContaining({ ok: true, source: 'primary', provider: 'a', durationMs: 40, mode: 'call' }),
    ]);
    await llm.stop();
  });

  it('reports a backoff with its delay, then the retry that answered', async () => {
    const { log, hooks } = recorder();
    const { llm, clock } = setup(
      { a: [{ error: 'rate_limit', retryAfterMs: 1_500 }, { text: 'ok' }] },
      { hooks, telemetry: false },
    );
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok && r.value.provider).toBe('a');
    expect(log.decisions.map((d) => [d.decision, d.delayMs])).toEqual([
      ['backoff', 1_500],
      ['succeeded', undefined],
    ]);
    expect(log.attempts.map((a) => `${a.attempt}:${a.outcome}`)).toEqual(['1:rate_limit', '2:success']);
    expect(log.attempts[1]?.startedAt).toBe(1_500);
    await llm.stop();
  });

  it('reports a re-prompt with the invalid answer as its own attempt', async () => {
    const { log, hooks } = recorder();
    const { llm, clock } = setup(
      { a: [{ text: 'not json' }, { text: '{"n":1}' }] },
      { hooks, telemetry: false },
    );
    const r = await settleWithClock(llm.call({ ...ask(), schema: z.object({ n: z.number() }) }), clock);
    expect(r.ok && r.value.data).toEqual({ n: 1 });
    expect(log.attempts.map((a) => `${a.outcome}:${a.decision}`)).toEqual([
      'invalid_response:reprompt',
      'success:succeeded',
    ]);
    await llm.stop();
  });

  it('reports failover, breaker transitions, skips and degradation to the fallback', async () => {
    const { log, hooks } = recorder();
    const { llm, clock } = setup(
      { a: [{ error: 'provider_error' }], b: [{ error: 'authentication' }] },
      { hooks, telemetry: false, breaker: { failureThreshold: 1 }, degradation: { fallback: 'fb' } },
    );
    const first = await settleWithClock(llm.call(ask()), clock);
    expect(first.ok && first.value.source).toBe('fallback');
    expect(log.decisions.map((d) => d.step ?? d.decision)).toEqual(['failover', 'failover', 'fallback']);
    expect(log.transitions).toEqual(['a:closed->open']);
    const second = await settleWithClock(llm.call(ask()), clock);
    expect(second.ok && second.value.source).toBe('fallback');
    expect(
      log.decisions.slice(3).map((d) => `${d.decision}:${d.provider ?? d.step}:${d.code ?? ''}`),
    ).toEqual(['skipped:a:circuit_open', 'failover:b:', 'degrade:fallback:']);
    expect(log.results.map((e) => e.ok && e.source)).toEqual(['fallback', 'fallback']);
    await llm.stop();
  });

  it('reports a failed call with its error type', async () => {
    const { log, hooks } = recorder();
    const { llm, clock } = setup({ a: [{ error: 'bad_request' }] }, { hooks, telemetry: false });
    const r = await settleWithClock(llm.call(ask()), clock);
    expect(r.ok).toBe(false);
    expect(log.results).toEqual([expect.objectContaining({ ok: false, errorType: 'bad_request' })]);
    expect(log.decisions.map((d) => d.decision)).toEqual(['fail']);
    await llm.stop();
  });

  it('keeps a call working when a hook throws, and warns once per hook', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { llm, clock } = setup(
      { a: [{ text: 'hi' }] },
      {
        telemetry: false,
        hooks: {
          onAttempt: () => {
            throw new Error('attempt hook bug');
          },
          onResult: () => {
            throw new Error('result hook bug');
          },
        },
      },
    );
    for (let i = 0; i < 3; i++) {
      const r = await settleWithClock(llm.call(ask()), clock);
      expect(r.ok && r.value.text).toBe('hi');
    }
    expect(warn).toHaveBeenCalledTimes(2);
    expect(String(warn.mock.calls[0]?.[0])).toContain('onAttempt');
    await llm.stop();
  });

  it('sends every hook error to onHookError when given', async () => {
    const errors: string[] = [];
    const { llm, clock } = setup(
      { a: [{ text: 'hi' }] },
      {
        telemetry: false,
        hooks: {
          onDecision: () => {
            throw new Error('boom');
          },
          onHookError: (error, hook) => errors.push(`${hook}:${(error as Error).message}`),
        },
      },
    );
    await settleWithClock(llm.call(ask()), clock);
    await settleWithClock(llm.call(ask()), clock);
    expect(errors).toEqual(['onDecision:boom', 'onDecision:boom']);
    await llm.stop();
  });

  it.each([
    ['a success', { a: [{ text: 'hi', delayMs: 25 }] }],
    ['a failover', { a: [{ error: 'timeout' as const, delayMs: 5 }], b: [{ text: 'b', delayMs: 7 }] }],
  ])('reports the same events for %s with the fast path on and off', async (_name, scripts) => {
    const runWith = async (fastPath: boolean) => {
      const { log, hooks } = recorder();
      const { llm, clock } = setup(scripts, { hooks, telemetry: false, fastPath });
      await settleWithClock(llm.call(ask()), clock);
      await llm.stop();
      const { requestId: _a, ...result } = log.results[0] as ResultEvent & { requestId: string };
      const strip = <E extends { requestId: string }>(events: E[]) =>
        events.map(({ requestId: _, ...e }) => e);
      return {
        attempts: strip(log.attempts),
        decisions: strip(log.decisions),
        result: { ...result, result: undefined },
      };
    };
    const fast = await runWith(true);
    expect(fast.attempts.length).toBeGreaterThan(0);
    expect(await runWith(false)).toEqual(fast);
  });

  it('rejects a hook that is not a function, naming it', () => {
    expect(() => setup({ a: [{ text: 'x' }] }, { hooks: { onAttempt: 'log' as never } })).toThrow(
      /hooks\.onAttempt/,
    );
    expect(() => setup({ a: [{ text: 'x' }] }, { telemetry: { tracer: {} as never } })).toThrow(/telemetry/);
  });

  it('reports an aborted call and its attempt cut short', async () => {
    const { log, hooks } = recorder();
    const { llm, clock } = setup({ a: [{ hang: true }] }, { hooks, telemetry: false });
    const controller = new AbortController();
    const pending = llm.call({ ...ask(), signal: controller.signal });
    clock.increment(300);
    controller.abort();
    const r = await settleWithClock(pending, clock);
    expect(!r.ok && LLMError.is(r.error) && r.error.type).toBe('aborted');
    expect(log.attempts).toEqual([
      expect.objectContaining({ outcome: 'aborted', decision: 'fail', durationMs: 300 }),
    ]);
    expect(log.results).toEqual([expect.objectContaining({ ok: false, errorType: 'aborted' })]);
    await llm.stop();
  });
});
