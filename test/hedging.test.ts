/**
 * Hedged attempts on the real client (scripted providers, simulated clock): the first answer wins, the loser
 * is aborted and recorded as `cancelled` without a breaker failure, the budget refuses visibly, quantile
 * delays follow each provider's latency, an invalid answer does not win while another attempt runs, and
 * `on-failure` races a retry against the next provider.
 */

import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { z } from 'zod';
import { createResilientLLM, type ResilientLLMOptions } from '../src/index.js';
import { settleWithClock } from '../src/testing/drive-clock.js';
import { type FaultStep, faultyProvider } from '../src/testing/faulty-provider.js';

const messages = [{ role: 'user' as const, content: 'hi' }];

function setup(
  steps: Record<string, FaultStep[] | ((call: number) => FaultStep)>,
  hedging: ResilientLLMOptions['hedging'],
  extra: Partial<ResilientLLMOptions> = {},
) {
  const clock = new SimulatedClock();
  const aborted: string[] = [];
  const providers = Object.entries(steps).map(([id, script], priority) => {
    const p = faultyProvider({
      id,
      priority,
      clock,
      script: typeof script === 'function' ? (c) => script(c.call) : script,
    });
    const call = p.call.bind(p);
    p.call = (request, options) => {
      const onAbort = () => aborted.push(id);
      options.signal.addEventListener('abort', onAbort, { once: true });
      const running = call(request, options);
      const off = () => options.signal.removeEventListener('abort', onAbort);
      running.then(off, off);
      return running;
    };
    return p;
  });
  const llm = createResilientLLM({
    providers,
    clock,
    hedging,
    breaker: { failureThreshold: 1 },
    timeouts: { attemptMs: 5_000, totalMs: 60_000 },
    telemetry: false,
    ...extra,
  });
  return { clock, llm, providers, aborted };
}

const brief = (
  attempts: ReadonlyArray<{ provider: string; outcome: string; decision: string; code?: string }>,
) => attempts.map((a) => `${a.provider}:${a.outcome}:${a.decision}${a.code ? `:${a.code}` : ''}`);

describe('hedging', () => {
  it('answers from the hedge when the attempt in flight hangs, and aborts the hung attempt as cancelled', async () => {
    const { clock, llm, aborted } = setup(
      { p0: [{ hang: true }], p1: [{ text: 'from p1', delayMs: 50 }] },
      { delayMs: 100 },
    );
    const settled = await settleWithClock(llm.call({ messages }), clock);
    expect(settled.ok).toBe(true);
    if (!settled.ok) return;
    expect(settled.value.provider).toBe('p1');
    expect(settled.value.text).toBe('from p1');
    expect(settled.at).toBe(150);
    expect(brief(settled.value.attempts)).toEqual(['p0:cancelled:hedge:hedge_lost', 'p1:success:succeeded']);
    expect(settled.value.attempts[1]?.hedge).toBe(true);
    expect(aborted).toEqual(['p0']);
    // With failureThreshold 1, one counted failure would have opened p0's circuit.
    expect(llm.breaker('p0').state).toBe('closed');
    expect(llm.inFlight).toBe(0);
    await llm.stop();
  });

  it('keeps the answer of the attempt in flight when it beats the hedge, and aborts the hedge', async () => {
    const { clock, llm, aborted } = setup(
      { p0: [{ text: 'from p0', delayMs: 150 }], p1: [{ text: 'from p1', delayMs: 200 }] },
      { delayMs: 100 },
    );
    const settled = await settleWithClock(llm.call({ messages }), clock);
    if (!settled.ok) throw settled.error;
    expect(settled.value.provider).toBe('p0');
    expect(brief(settled.value.attempts)).toEqual(['p1:cancelled:hedge:hedge_lost', 'p0:success:succeeded']);
    expect(aborted).toEqual(['p1']);
    expect(llm.breaker('p1').state).toBe('closed');
    await llm.stop();
  });

  it('lets the hedge carry on when the attempt it races fails (latency mode)', async () => {
    const { clock, llm } = setup(
      {
        p0: [{ error: 'provider_error', delayMs: 120 }],
        p1: [{ text: 'from p1', delayMs: 100 }],
      },
      { mode: 'latency', delayMs: 50 },
    );
    const settled = await settleWithClock(llm.call({ messages }), clock);
    if (!settled.ok) throw settled.error;
    expect(settled.value.provider).toBe('p1');
    expect(settled.at).toBe(150);
    expect(brief(settled.value.attempts)).toEqual(['p0:provider_error:hedge', 'p1:success:succeeded']);
    await llm.stop();
  });

  it('in both mode, retries a failure at once beside the hedge already running, and the retry may win', async () => {
    // The latency hedge (p1, slow) starts at 100 ms; p0 fails at 120 ms and is retried beside it, answering
    // at 130 ms. Without the retry the call would wait for the hedge until 600 ms.
    const { clock, llm, providers, aborted } = setup(
      {
        p0: [
          { error: 'provider_error', delayMs: 120 },
          { text: 'p0 retry', delayMs: 10 },
        ],
        p1: [{ text: 'from p1', delayMs: 500 }],
      },
      { mode: 'both', delayMs: 100 },
      { breaker: { failureThreshold: 5 } },
    );
    const settled = await settleWithClock(llm.call({ messages }), clock);
    if (!settled.ok) throw settled.error;
    expect(settled.value.text).toBe('p0 retry');
    expect(settled.at).toBe(130);
    expect(brief(settled.value.attempts)).toEqual([
      'p0:provider_error:retry',
      'p1:cancelled:hedge:hedge_lost',
      'p0:success:succeeded',
    ]);
    expect(settled.value.attempts.map((a) => a.attempt)).toEqual([1, 1, 2]);
    expect(providers[0]?.calls.map((c) => c.at)).toEqual([0, 120]);
    expect(aborted).toEqual(['p1']);
    expect(llm.inFlight).toBe(0);
    await llm.stop();
  });

  it('yields to a race’s own hedge when the race’s retry fails too (no third attempt)', async () => {
    // p0 fails at 10 ms; the race retries it (failing at 20 ms) beside a hedge on p1, which answers at 510 ms.
    const { clock, llm, providers } = setup(
      {
        p0: () => ({ error: 'provider_error', delayMs: 10 }),
        p1: [{ text: 'from p1', delayMs: 500 }],
      },
      { mode: 'both', delayMs: 1_000 },
      { breaker: { failureThreshold: 5 } },
    );
    const settled = await settleWithClock(llm.call({ messages }), clock);
    if (!settled.ok) throw settled.error;
    expect(settled.value.text).toBe('from p1');
    expect(settled.at).toBe(510);
    expect(providers[0]?.calls.map((c) => c.at)).toEqual([0, 10]);
    expect(brief(settled.value.attempts)).toEqual([
      'p0:provider_error:hedge',
      'p0:provider_error:hedge',
      'p1:success:succeeded',
    ]);
    await llm.stop();
  });

  it('cuts a retry beside the hedge at the end of the attempt window it shares with the hedge', async () => {
    // Window 0–1,000 ms: p0 fails at 120 and its retry hangs; the hedge on p1 fails at 300, so the retry runs
    // alone until the window ends at 1,000 ms (not 1,120). The failover goes to p1 (its attempt 2, failing at
    // 1,200 ms), then to p2.
    const { clock, llm, providers } = setup(
      {
        p0: [{ error: 'provider_error', delayMs: 120 }, { hang: true }],
        p1: [{ error: 'provider_error', delayMs: 200 }],
        p2: [{ text: 'from p2' }],
      },
      { mode: 'both', delayMs: 100 },
      {
        breaker: { failureThreshold: 5 },
        timeouts: { attemptMs: 1_000, totalMs: 60_000, timeoutRetries: 0 },
      },
    );
    const settled = await settleWithClock(llm.call({ messages }), clock);
    if (!settled.ok) throw settled.error;
    expect(settled.value.provider).toBe('p2');
    const retry = settled.value.attempts.find((a) => a.provider === 'p0' && a.attempt === 2);
    expect(retry).toMatchObject({ outcome: 'timeout', startedAt: 120, durationMs: 880 });
    expect(providers[1]?.calls.map((c) => c.at)).toEqual([100, 1_000]);
    expect(providers[2]?.calls.map((c) => c.at)).toEqual([1_200]);
    await llm.stop();
  });

  it('records a hedge refused by the budget and waits for the attempt in flight', async () => {
    const { clock, llm, providers } = setup(
      { p0: [{ text: 'slow p0', delayMs: 300 }], p1: [{ text: 'from p1' }] },
      { delayMs: 100, budget: { ratio: 0, minPerWindow: 0 } },
    );
    const settled = await settleWithClock(llm.call({ messages }), clock);
    if (!settled.ok) throw settled.error;
    expect(settled.value.provider).toBe('p0');
    expect(brief(settled.value.attempts)).toEqual(['p1:skipped:hedge:hedge_budget', 'p0:success:succeeded']);
    expect(providers[1]?.calls).toHaveLength(0);
    await llm.stop();
  });

  it('records a hedge with no other provider to go to', async () => {
    const { clock, llm } = setup(
      { p0: [{ text: 'slow p0', delayMs: 300 }], p1: [{ text: 'from p1' }] },
      { delayMs: 100 },
    );
    llm.breaker('p1').forceOpen();
    const settled = await settleWithClock(llm.call({ messages }), clock);
    if (!settled.ok) throw settled.error;
    expect(settled.value.provider).toBe('p0');
    expect(brief(settled.value.attempts).filter((a) => a.includes('hedge'))).toEqual([]);
    await llm.stop();
  });

  it('hedges after the provider’s observed p95 once it has enough samples, and after the fallback before', async () => {
    // p0 answers in 40 ms for the first 20 calls, then hangs; p1 answers at once.
    const { clock, llm } = setup(
      { p0: (call) => (call <= 20 ? { text: 'p0', delayMs: 40 } : { hang: true }), p1: [{ text: 'p1' }] },
      { delayMs: 'p95', minSamples: 20, fallbackDelayMs: 1_000, budget: { ratio: 1, minPerWindow: 100 } },
    );
    for (let i = 0; i < 20; i++) {
      const warm = await settleWithClock(llm.call({ messages }), clock);
      if (!warm.ok) throw warm.error;
      expect(warm.value.provider).toBe('p0');
    }
    const start = clock.now();
    const settled = await settleWithClock(llm.call({ messages }), clock);
    if (!settled.ok) throw settled.error;
    expect(settled.value.provider).toBe('p1');
    expect(settled.at - start).toBe(40);
    await llm.stop();
  });

  it('uses the fallback delay while the provider has too few samples', async () => {
    const { clock, llm } = setup(
      { p0: [{ hang: true }], p1: [{ text: 'p1' }] },
      { delayMs: 'p99', fallbackDelayMs: 700 },
    );
    const settled = await settleWithClock(llm.call({ messages }), clock);
    if (!settled.ok) throw settled.error;
    expect(settled.at).toBe(700);
    expect(settled.value.provider).toBe('p1');
    await llm.stop();
  });

  it('does not let an invalid answer win while the other attempt still runs', async () => {
    const { clock, llm } = setup(
      { p0: [{ text: 'not json', delayMs: 120 }], p1: [{ text: '{"answer":"ok"}', delayMs: 150 }] },
      { delayMs: 50 },
    );
    const schema = z.object({ answer: z.string() });
    const settled = await settleWithClock(llm.call({ messages, schema }), clock);
    if (!settled.ok) throw settled.error;
    expect(settled.value.provider).toBe('p1');
    expect(settled.value.data).toEqual({ answer: 'ok' });
    expect(brief(settled.value.attempts)).toEqual([
      'p0:invalid_response:hedge:schema_mismatch',
      'p1:success:succeeded',
    ]);
    await llm.stop();
  });

  it('races a retry on the same provider against the next provider after a first failure (on-failure)', async () => {
    const { clock, llm, providers } = setup(
      {
        p0: [{ error: 'provider_error' }, { text: 'p0 retry', delayMs: 80 }],
        p1: [{ text: 'from p1', delayMs: 100 }],
      },
      { mode: 'on-failure' },
      { breaker: { failureThreshold: 5 } },
    );
    const settled = await settleWithClock(llm.call({ messages }), clock);
    if (!settled.ok) throw settled.error;
    expect(settled.value.provider).toBe('p0');
    expect(brief(settled.value.attempts)).toEqual([
      'p0:provider_error:hedge',
      'p1:cancelled:hedge:hedge_lost',
      'p0:success:succeeded',
    ]);
    expect(providers[0]?.calls).toHaveLength(2);
    expect(providers[1]?.calls).toHaveLength(1);
    await llm.stop();
  });

  it('in both mode, hedges a slow attempt and races a retry after a failure, whichever comes first', async () => {
    const { clock, llm, providers } = setup(
      {
        p0: [
          { text: 'slow p0', delayMs: 3_000 },
          { error: 'provider_error' },
          { text: 'p0 retry', delayMs: 300 },
        ],
        p1: [
          { text: 'p1 hedge', delayMs: 100 },
          { text: 'p1 race', delayMs: 100 },
        ],
      },
      { mode: 'both', delayMs: 500, raceShare: 1, budget: { ratio: 1, minPerWindow: 0 } },
      { breaker: { failureThreshold: 5 } },
    );
    const slow = await settleWithClock(llm.call({ messages }), clock);
    if (!slow.ok) throw slow.error;
    expect(slow.value.text).toBe('p1 hedge');
    expect(brief(slow.value.attempts)).toEqual(['p0:cancelled:hedge:hedge_lost', 'p1:success:succeeded']);
    const failed = await settleWithClock(llm.call({ messages }), clock);
    if (!failed.ok) throw failed.error;
    expect(failed.value.text).toBe('p1 race');
    expect(brief(failed.value.attempts)).toEqual([
      'p0:provider_error:hedge',
      'p0:cancelled:hedge:hedge_lost',
      'p1:success:succeeded',
    ]);
    expect(providers[0]?.calls).toHaveLength(3);
    expect(providers[1]?.calls).toHaveLength(2);
    await llm.stop();
  });

  it('in both mode, lets races draw only raceShare of the budget and keeps the rest for slow attempts', async () => {
    const { clock, llm, providers } = setup(
      {
        p0: [
          { error: 'provider_error' },
          { text: 'p0 retry', delayMs: 50 },
          { text: 'slow p0', delayMs: 3_000 },
        ],
        p1: [{ text: 'p1 hedge', delayMs: 100 }],
      },
      { mode: 'both', delayMs: 500, raceShare: 0, budget: { ratio: 1, minPerWindow: 0 } },
      { breaker: { failureThreshold: 5 } },
    );
    const failed = await settleWithClock(llm.call({ messages }), clock);
    if (!failed.ok) throw failed.error;
    // The race is refused (raceShare 0), so the retry runs alone and answers.
    expect(failed.value.text).toBe('p0 retry');
    expect(brief(failed.value.attempts)).toEqual([
      'p0:provider_error:hedge',
      'p1:skipped:hedge:hedge_budget',
      'p0:success:succeeded',
    ]);
    const slow = await settleWithClock(llm.call({ messages }), clock);
    if (!slow.ok) throw slow.error;
    expect(slow.value.text).toBe('p1 hedge');
    expect(providers[1]?.calls).toHaveLength(1);
    await llm.stop();
  });

  it('starts a race’s hedge with its retry, so a retry the breaker refuses leaves the call to the hedge, uncharged', async () => {
    // p0 fails and its breaker opens (threshold 1), so the race's retry on p0 is refused at once. The hedge on p1
    // started with it and carries on; p1's attempt is never itself hedged at once on p2 (the race ended).
    const { clock, llm, providers } = setup(
      {
        p0: [{ error: 'provider_error' }],
        p1: [{ text: 'from p1', delayMs: 100 }],
        p2: [{ text: 'from p2', delayMs: 10 }],
      },
      // No budget at all: a hedge whose rival never reached its provider is not an extra call.
      { mode: 'on-failure', budget: { ratio: 0, minPerWindow: 0 } },
      { breaker: { failureThreshold: 1 } },
    );
    const settled = await settleWithClock(llm.call({ messages }), clock);
    if (!settled.ok) throw settled.error;
    expect(settled.value.text).toBe('from p1');
    expect(brief(settled.value.attempts)).toEqual([
      'p0:provider_error:hedge',
      'p0:provider_error:hedge:circuit_open',
      'p1:success:succeeded',
    ]);
    expect(providers[2]?.calls).toHaveLength(0);
    await llm.stop();
  });

  it('makes a later hedge of the same attempt a latency hedge once the race’s hedge is over', async () => {
    // maxHedges 2: the race's hedge on p1 fails fast; the second hedge waits for the latency delay (500 ms)
    // and goes to p2, since p1 has already failed the call as a hedge.
    const { clock, llm, providers } = setup(
      {
        p0: [{ error: 'provider_error' }, { text: 'p0 retry', delayMs: 1_000 }],
        p1: [
          { error: 'provider_error', delayMs: 10 },
          { text: 'p1 later', delayMs: 10 },
        ],
        p2: [{ text: 'p2 later', delayMs: 10 }],
      },
      { mode: 'both', delayMs: 500, maxHedges: 2, budget: { ratio: 1, minPerWindow: 10 } },
      { breaker: { failureThreshold: 5 } },
    );
    const settled = await settleWithClock(llm.call({ messages }), clock);
    if (!settled.ok) throw settled.error;
    expect(settled.value.text).toBe('p2 later');
    expect(providers[1]?.calls.map((c) => c.at)).toEqual([0]);
    expect(providers[2]?.calls.map((c) => c.at)).toEqual([500]);
    expect(settled.at).toBe(510);
    await llm.stop();
  });

  it('counts a failed hedge against its provider’s attempts when a failover chooses that provider later', async () => {
    // p1's hedge fails while p0 runs; p0 fails over to p1, the last resort, which retries its server errors:
    // it has 2 attempts left (3 in all), not 3 more.
    const { clock, llm, providers } = setup(
      {
        p0: () => ({ error: 'provider_error', delayMs: 300 }),
        p1: () => ({ error: 'provider_error', delayMs: 50 }),
      },
      { mode: 'latency', delayMs: 100 },
      { breaker: { failureThreshold: 10 }, degradation: { fallback: 'static' } },
    );
    const settled = await settleWithClock(llm.call({ messages }), clock);
    if (!settled.ok) throw settled.error;
    expect(settled.value.source).toBe('fallback');
    expect(providers[1]?.calls).toHaveLength(3);
    const onP1 = settled.value.attempts.filter((a) => a.provider === 'p1' && a.attempt > 0);
    expect(onP1.map((a) => a.attempt)).toEqual([1, 2, 3]);
    await llm.stop();
  });

  it('keeps a failover away from a provider whose hedge used its attempts', async () => {
    // maxAttempts 1: p1's one attempt went to the hedge (a retryable failure), so p0's failover goes to p2.
    const { clock, llm, providers } = setup(
      {
        p0: () => ({ error: 'provider_error', delayMs: 300 }),
        p1: () => ({ error: 'provider_error', delayMs: 50 }),
        p2: [{ text: 'from p2' }],
      },
      { mode: 'latency', delayMs: 100 },
      { breaker: { failureThreshold: 10 }, retry: { maxAttempts: 1 } },
    );
    const settled = await settleWithClock(llm.call({ messages }), clock);
    if (!settled.ok) throw settled.error;
    expect(settled.value.provider).toBe('p2');
    expect(providers[1]?.calls).toHaveLength(1);
    await llm.stop();
  });

  it('sends a second hedge elsewhere when the first one ran out of time', async () => {
    // p0 and p1 hang. The first hedge (p1) is cut with p0's attempt at 1,000 ms; the timeout retry on p0 is
    // hedged again at 1,100 ms, to p2 this time.
    const { clock, llm, providers } = setup(
      { p0: () => ({ hang: true }), p1: () => ({ hang: true }), p2: () => ({ text: 'from p2' }) },
      { mode: 'latency', delayMs: 100, maxHedges: 2, budget: { ratio: 1, minPerWindow: 10 } },
      {
        breaker: { failureThreshold: 10 },
        timeouts: { attemptMs: 1_000, totalMs: 60_000, timeoutRetries: 1 },
      },
    );
    const settled = await settleWithClock(llm.call({ messages }), clock);
    if (!settled.ok) throw settled.error;
    expect(settled.value.provider).toBe('p2');
    expect(settled.at).toBe(1_100);
    expect(providers[1]?.calls.map((c) => c.at)).toEqual([100]);
    expect(providers[2]?.calls.map((c) => c.at)).toEqual([1_100]);
    await llm.stop();
  });

  it('takes a provider out of the call when its hedge fails for good', async () => {
    // A non-retryable failure of the hedge (p1 rejects the key) keeps the failover away from p1.
    const { clock, llm, providers } = setup(
      {
        p0: () => ({ error: 'provider_error', delayMs: 300 }),
        p1: () => ({ error: 'authentication', delayMs: 50 }),
        p2: [{ text: 'from p2' }],
      },
      { mode: 'latency', delayMs: 100 },
      { breaker: { failureThreshold: 10 } },
    );
    const settled = await settleWithClock(llm.call({ messages }), clock);
    if (!settled.ok) throw settled.error;
    expect(settled.value.provider).toBe('p2');
    expect(providers[1]?.calls).toHaveLength(1);
    expect(brief(settled.value.attempts).filter((a) => a.startsWith('p1'))).toEqual([
      'p1:authentication:hedge',
    ]);
    await llm.stop();
  });

  it('never hedges with hedging off (the default)', async () => {
    const { clock, llm, providers } = setup(
      { p0: [{ text: 'p0', delayMs: 3_000 }], p1: [{ text: 'p1' }] },
      undefined,
    );
    const settled = await settleWithClock(llm.call({ messages }), clock);
    if (!settled.ok) throw settled.error;
    expect(settled.value.provider).toBe('p0');
    expect(providers[1]?.calls).toHaveLength(0);
    await llm.stop();
  });
});
