/**
 * The fast path (first attempt outside the statechart, hand-over on anything but a plain success) must give
 * the same results as running every call through the statechart. Each scenario runs twice on its own
 * simulated clock — `fastPath: true` and `fastPath: false` — and everything a caller or a provider can see is
 * compared: the result or error, every attempt record, the simulated time it settled at, what each provider
 * was asked and when, the breakers' states and the cache.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { memoryCache } from '../src/cache/memory-cache.js';
import type { ResilientLLMOptions } from '../src/client/options.js';
import { LLMError } from '../src/errors/llm-error.js';
import { settleWithClock } from '../src/testing/drive-clock.js';
import type { FaultStep } from '../src/testing/faulty-provider.js';
import { ask, setup } from './helpers/lifecycle.js';

type Options = Partial<Omit<ResilientLLMOptions, 'providers'>> & { contextWindows?: Record<string, number> };

interface Scenario {
  name: string;
  scripts: Record<string, FaultStep[]>;
  options?: Options;
  call?: Record<string, unknown>;
  /** Simulated ms after which the caller aborts (or the client stops). */
  abortAfterMs?: number;
  stopAfterMs?: number;
  before?: (llm: ReturnType<typeof setup>['llm']) => void;
  calls?: number;
}

const schema = z.object({ answer: z.string() });

const scenarios: Scenario[] = [
  { name: 'a plain success', scripts: { a: [{ text: 'hi', delayMs: 40 }], b: [{ text: 'b' }] } },
  {
    name: 'a success that validates',
    scripts: { a: [{ text: '{"answer":"ok"}', delayMs: 10 }] },
    call: { schema },
  },
  {
    name: 'invalid output, then a re-prompt that validates',
    scripts: {
      a: [
        { text: 'not json', delayMs: 10 },
        { text: '{"answer":"ok"}', delayMs: 10 },
      ],
    },
    call: { schema },
  },
  {
    name: 'a server error, then failover',
    scripts: { a: [{ error: 'provider_error', delayMs: 30 }], b: [{ text: 'b', delayMs: 20 }] },
  },
  {
    name: 'a rate limit on the last resort (Retry-After wait)',
    scripts: { a: [{ error: 'rate_limit', retryAfterMs: 1_500, delayMs: 5 }, { text: 'ok' }] },
  },
  {
    name: 'an attempt timeout, then a retry that answers',
    scripts: { a: [{ hang: true }, { text: 'late but fine', delayMs: 100 }] },
    options: { timeouts: { attemptMs: 1_000, totalMs: 10_000 } },
  },
  {
    name: 'the total deadline on the first attempt, then the fallback',
    scripts: { a: [{ hang: true }] },
    options: { timeouts: { attemptMs: 5_000, totalMs: 2_000 }, degradation: { fallback: 'sorry' } },
  },
  {
    name: 'attempt and total deadline at the same time',
    scripts: { a: [{ hang: true }], b: [{ text: 'b' }] },
    options: { timeouts: { attemptMs: 2_000, totalMs: 2_000 } },
  },
  { name: 'the caller aborts mid-attempt', scripts: { a: [{ hang: true }] }, abortAfterMs: 300 },
  {
    name: 'the client stops mid-attempt',
    scripts: { a: [{ text: 'x', delayMs: 1_000 }] },
    stopAfterMs: 250,
  },
  {
    name: 'a content filter hit and a rewrite',
    scripts: { a: [{ error: 'content_filtered', delayMs: 5 }, { text: 'clean' }] },
    options: {
      hooks: { rewritePrompt: (req) => ({ ...req, messages: [{ role: 'user', content: 'nicer' }] }) },
    },
  },
  {
    name: 'the provider says the context is too long',
    scripts: { a: [{ error: 'context_length', delayMs: 5 }, { text: 'shorter' }] },
    options: { contextWindows: { a: 10_000 } },
    call: {
      messages: [
        ...Array.from({ length: 6 }, (_, i) => ({ role: 'user', content: `m${i} ${'w'.repeat(40)}` })),
      ],
    },
  },
  {
    name: 'a request over the declared context window (truncated before the attempt)',
    scripts: { a: [{ text: 'fits now' }] },
    options: { contextWindows: { a: 40 } },
    call: {
      messages: Array.from({ length: 8 }, (_, i) => ({ role: 'user', content: `m${i} ${'w'.repeat(40)}` })),
    },
  },
  {
    name: 'a bad request fails fast',
    scripts: { a: [{ error: 'bad_request', delayMs: 5 }], b: [{ text: 'b' }] },
  },
  {
    name: 'an answer without text',
    scripts: { a: [{ text: undefined as unknown as string }], b: [{ text: 'b' }] },
  },
  {
    name: 'a synchronous throw from the provider',
    scripts: { a: [{ throw: new TypeError('boom') }], b: [{ text: 'b' }] },
  },
  {
    name: 'a cache write after a success, then a cache hit when every provider fails',
    scripts: { a: [{ text: 'cached answer', delayMs: 10 }, { error: 'provider_error' }] },
    options: { degradation: { cache: memoryCache() } },
    call: { cacheKey: 'k' },
    calls: 2,
  },
  {
    name: 'the first provider’s circuit is open',
    scripts: { a: [{ text: 'a' }], b: [{ text: 'b', delayMs: 7 }] },
    before: (llm) => llm.breaker('a').forceOpen(),
  },
  {
    name: 'a single rate limit leaves the first provider in use for later calls',
    scripts: {
      a: [{ error: 'rate_limit', retryAfterMs: 5_000, delayMs: 5 }, { text: 'a' }],
      b: [{ text: 'b', delayMs: 10 }],
    },
    calls: 3,
  },
  {
    name: 'an account-wide rate limit pauses the first provider for later calls',
    scripts: {
      a: [{ error: 'rate_limit', retryAfterMs: 5_000, delayMs: 5 }],
      b: [{ text: 'b', delayMs: 10 }],
    },
    calls: 5,
  },
  {
    name: 'an open first circuit and a second provider paused by rate limits',
    scripts: {
      a: [{ text: 'a' }],
      b: [
        { error: 'rate_limit', retryAfterMs: 5_000, delayMs: 5 },
        { error: 'rate_limit', retryAfterMs: 5_000, delayMs: 5 },
        { error: 'rate_limit', retryAfterMs: 5_000, delayMs: 5 },
        { text: 'b' },
      ],
      c: [{ text: 'c', delayMs: 3 }],
    },
    before: (llm) => {
      llm.setProviderPriority('a', 5);
      llm.breaker('c').forceOpen();
    },
    calls: 6,
  },
  {
    name: 'hedging: an answer before the hedge point needs no hedge',
    scripts: { a: [{ text: 'a', delayMs: 40 }], b: [{ text: 'b', delayMs: 5 }] },
    options: { hedging: { delayMs: 100 } },
  },
  {
    name: 'hedging: a slow first attempt is hedged at its hedge point and the hedge wins',
    scripts: { a: [{ text: 'slow a', delayMs: 500 }], b: [{ text: 'b', delayMs: 50 }] },
    options: { hedging: { delayMs: 100 } },
  },
  {
    name: 'hedging: the first attempt answers while its hedge runs',
    scripts: { a: [{ text: 'a', delayMs: 150 }], b: [{ text: 'b', delayMs: 200 }] },
    options: { hedging: { delayMs: 100 } },
  },
  {
    name: 'hedging: a hang is hedged, the hedge fails, and the attempt deadline ends the hang',
    scripts: { a: [{ hang: true }, { text: 'retry' }], b: [{ error: 'provider_error', delayMs: 30 }] },
    options: { hedging: { delayMs: 100 }, timeouts: { attemptMs: 1_000, totalMs: 10_000 } },
  },
  {
    name: 'hedging: no other provider, so nothing to hedge with',
    scripts: { a: [{ text: 'alone', delayMs: 300 }] },
    options: { hedging: { delayMs: 100 } },
  },
  {
    name: 'hedging: the quantile delay follows the answers seen so far',
    scripts: {
      a: [
        { text: 'a1', delayMs: 10 },
        { text: 'a2', delayMs: 20 },
        { text: 'a3', delayMs: 30 },
        { text: 'a4 slow', delayMs: 400 },
      ],
      b: [{ text: 'b', delayMs: 40 }],
    },
    options: { hedging: { delayMs: 'p50', minSamples: 3 } },
    calls: 4,
  },
  {
    name: 'hedging: the budget refuses a hedge at the hedge point',
    scripts: { a: [{ text: 'slow a', delayMs: 300 }], b: [{ text: 'b', delayMs: 10 }] },
    options: { hedging: { delayMs: 100, budget: { ratio: 0, minPerWindow: 0 } } },
    calls: 2,
  },
  {
    name: 'on-failure hedging: a server error races a retry against the next provider',
    scripts: {
      a: [
        { error: 'provider_error', delayMs: 20 },
        { text: 'a again', delayMs: 100 },
      ],
      b: [{ text: 'b', delayMs: 30 }],
    },
    options: { hedging: { mode: 'on-failure' } },
  },
  {
    name: 'both-mode hedging: a slow attempt is hedged, then a server error races a retry',
    scripts: {
      a: [
        { text: 'slow a', delayMs: 500 },
        { error: 'provider_error', delayMs: 20 },
        { text: 'a again', delayMs: 100 },
      ],
      b: [{ text: 'b', delayMs: 30 }],
    },
    options: { hedging: { mode: 'both', delayMs: 100, raceShare: 1, budget: { ratio: 1, minPerWindow: 0 } } },
    calls: 2,
  },
  {
    name: 'both-mode hedging: raceShare 0 refuses the race and keeps the budget for the slow attempt',
    scripts: {
      a: [
        { error: 'provider_error', delayMs: 20 },
        { text: 'a again', delayMs: 50 },
        { text: 'slow a', delayMs: 500 },
      ],
      b: [{ text: 'b', delayMs: 30 }],
    },
    options: { hedging: { mode: 'both', delayMs: 100, raceShare: 0, budget: { ratio: 1, minPerWindow: 0 } } },
    calls: 2,
  },
  {
    name: 'five failures trip the breaker over consecutive calls',
    scripts: { a: [{ error: 'timeout', delayMs: 3 }], b: [{ text: 'b' }] },
    calls: 7,
  },
];

async function runScenario(scenario: Scenario, fastPath: boolean) {
  const options = { ...scenario.options } as Options;
  if (options.degradation?.cache) options.degradation = { ...options.degradation, cache: memoryCache() };
  const { llm, clock, providers } = setup(scenario.scripts, { ...options, fastPath });
  scenario.before?.(llm);
  const outcomes: unknown[] = [];
  for (let i = 0; i < (scenario.calls ?? 1); i++) {
    const controller = new AbortController();
    if (scenario.abortAfterMs !== undefined)
      clock.setTimeout(() => controller.abort(), scenario.abortAfterMs);
    if (scenario.stopAfterMs !== undefined) clock.setTimeout(() => void llm.stop(), scenario.stopAfterMs);
    const started = clock.now();
    const settled = await settleWithClock(
      llm.call({ ...ask(), ...scenario.call, signal: controller.signal } as never),
      clock,
    );
    if (settled.ok) {
      const { requestId, ...rest } = settled.value;
      outcomes.push({ ok: true, after: settled.at - started, requestId: typeof requestId, ...rest });
    } else {
      const error = settled.error as LLMError;
      expect(LLMError.is(error)).toBe(true);
      outcomes.push({
        ok: false,
        after: settled.at - started,
        error: error.toJSON(),
        cause: String(error.cause),
      });
    }
  }
  const calls = Object.fromEntries(
    Object.entries(providers).map(([id, p]) => [
      id,
      p.calls.map(({ requestId, ...c }) => ({ ...c, requestId: typeof requestId })),
    ]),
  );
  const breakers = llm.providers().map((p) => `${p.id}:${p.breaker}`);
  await llm.stop();
  return { outcomes, calls, breakers, inFlight: llm.inFlight };
}

describe('fast path', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))(
    'gives the statechart’s result: %s',
    async (_name, scenario) => {
      const fast = await runScenario(scenario, true);
      const full = await runScenario(scenario, false);
      expect(fast).toEqual(full);
      expect(fast.inFlight).toBe(0);
    },
  );

  it('expires concurrent first attempts each at its own deadline (one timer per client)', async () => {
    const run = async (fastPath: boolean) => {
      // Calls 1 and 3 hang on their first attempt; call 2 answers; every retry answers at once.
      const { llm, clock } = setup(
        { a: [{ hang: true }, { text: 'two', delayMs: 50 }, { hang: true }, { text: 'retry' }] },
        { fastPath, timeouts: { attemptMs: 1_000, totalMs: 10_000 } },
      );
      const settledAt: Record<string, number> = {};
      const calls = [0, 100, 200].map(
        (startAt, i) =>
          new Promise<void>((done) => {
            clock.setTimeout(() => {
              llm.call(ask(`q${i}`)).then((r) => {
                settledAt[`call${i}`] = clock.now();
                settledAt[`call${i}:${r.text}:${r.attempts.length}`] = r.durationMs;
                done();
              });
            }, startAt);
          }),
      );
      await settleWithClock(Promise.all(calls), clock);
      await llm.stop();
      return settledAt;
    };
    const fast = await run(true);
    expect(fast).toEqual(await run(false));
    expect(fast).toMatchObject({ call0: 1_000, call1: 150, call2: 1_200 });
  });

  it('is off while inspecting, so the inspector sees every call as a request actor', async () => {
    const actors: string[] = [];
    const inspected = setup(
      { a: [{ text: 'hi' }] },
      {
        inspect: (e) =>
          void (e.type === '@xstate.actor' && actors.push((e.actorRef as unknown as { id: string }).id)),
      },
    );
    const i = await settleWithClock(inspected.llm.call(ask()), inspected.clock);
    expect(i.ok && i.value.text).toBe('hi');
    expect(actors).toContain(i.ok ? i.value.requestId : 'none');
    await inspected.llm.stop();
  });

  it('rejects a fastPath option that is not a boolean', () => {
    expect(() => setup({ a: [{ text: 'x' }] }, { fastPath: 'yes' as never })).toThrow(
      /fastPath must be a boolean/,
    );
  });
});
