/**
 * Properties of hedging on the simulated clock, over generated provider behaviour and hedging options:
 * hedges never exceed the budget; every losing attempt is aborted and its provider call settles; every call
 * settles exactly once by its deadline; attempts stay within bounds; a loser's abort is never a breaker failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { createResilientLLM } from '../src/client/create-resilient-llm.js';
import type { HedgingOptions } from '../src/client/hedging-options.js';
import { flushAsync, settleWithClock } from '../src/testing/drive-clock.js';
import { type FaultStep, faultyProvider } from '../src/testing/faulty-provider.js';

const ATTEMPT_MS = 1_000;
const TOTAL_MS = 5_000;
const MAX_ATTEMPTS = 2;
const IDS = ['p0', 'p1', 'p2'];

const stepArb: fc.Arbitrary<FaultStep> = fc.oneof(
  fc.record({ text: fc.constant('ok'), delayMs: fc.integer({ min: 0, max: 1_500 }) }),
  fc.constant({ hang: true as const }),
  fc.record({
    error: fc.constantFrom('provider_error' as const, 'timeout' as const, 'bad_request' as const),
    delayMs: fc.integer({ min: 0, max: 500 }),
  }),
);

const hedgingArb: fc.Arbitrary<HedgingOptions> = fc.record({
  mode: fc.constantFrom('latency' as const, 'on-failure' as const, 'both' as const),
  raceShare: fc.double({ min: 0, max: 1, noNaN: true }),
  delayMs: fc.oneof(fc.integer({ min: 0, max: 800 }), fc.constantFrom('p50' as const, 'p95' as const)),
  fallbackDelayMs: fc.integer({ min: 0, max: 800 }),
  minSamples: fc.integer({ min: 1, max: 5 }),
  maxHedges: fc.integer({ min: 1, max: 2 }),
  // The window outlasts every run, so the budget reads: hedges <= minPerWindow + ratio * calls.
  budget: fc.record({
    ratio: fc.double({ min: 0, max: 1, noNaN: true }),
    windowMs: fc.constant(600_000),
    minPerWindow: fc.integer({ min: 0, max: 2 }),
  }),
});

/** Runs `calls` concurrent calls; returns what the properties read. */
async function run(scripts: FaultStep[][], hedging: HedgingOptions, calls: number, failureThreshold = 1_000) {
  const clock = new SimulatedClock();
  const pending = new Set<Promise<unknown>>();
  let started = 0;
  const providers = IDS.map((id, priority) => {
    const p = faultyProvider({ id, priority, clock, script: scripts[priority] ?? [{ text: 'ok' }] });
    const call = p.call.bind(p);
    p.call = (request, options) => {
      started++;
      const running = call(request, options);
      const tracked: Promise<boolean> = running.then(
        () => pending.delete(tracked),
        () => pending.delete(tracked),
      );
      pending.add(tracked);
      return running;
    };
    return p;
  });
  const llm = createResilientLLM({
    providers,
    clock,
    hedging,
    telemetry: false,
    random: () => 0.5,
    retry: { maxAttempts: MAX_ATTEMPTS, baseMs: 10, maxMs: 50 },
    timeouts: { attemptMs: ATTEMPT_MS, totalMs: TOTAL_MS, timeoutRetries: 1 },
    breaker: { failureThreshold },
  });
  let settlements = 0;
  const all = Array.from({ length: calls }, () =>
    llm.call({ messages: [{ role: 'user', content: 'q' }] }).then(
      (r) => {
        settlements++;
        return { ok: true as const, at: clock.now(), attempts: r.attempts };
      },
      (e: { attempts?: unknown }) => {
        settlements++;
        return { ok: false as const, at: clock.now(), attempts: [] as never[], error: e };
      },
    ),
  );
  const settled = await settleWithClock(Promise.all(all), clock);
  if (!settled.ok) throw settled.error;
  await flushAsync();
  const breakers = IDS.map((id) => llm.breaker(id).state);
  const inFlight = llm.inFlight;
  await llm.stop();
  return {
    results: settled.value,
    settlements,
    unsettledProviderCalls: pending.size,
    started,
    breakers,
    inFlight,
  };
}

const scriptsArb = fc.array(fc.array(stepArb, { minLength: 1, maxLength: 6 }), {
  minLength: 3,
  maxLength: 3,
});
const callsArb = fc.integer({ min: 1, max: 8 });

describe('hedging properties', () => {
  it('never hedges beyond the budget', async () => {
    await fc.assert(
      fc.asyncProperty(scriptsArb, hedgingArb, callsArb, async (scripts, hedging, calls) => {
        const { results } = await run(scripts, hedging, calls);
        const hedges = results.flatMap((r) => r.attempts).filter((a) => a.hedge && a.outcome !== 'skipped');
        const budget = hedging.budget ?? {};
        expect(hedges.length).toBeLessThanOrEqual((budget.minPerWindow ?? 0) + (budget.ratio ?? 0) * calls);
      }),
      { numRuns: 40 },
    );
  });

  it('aborts every losing attempt: no provider call is left pending once the calls settle', async () => {
    await fc.assert(
      fc.asyncProperty(scriptsArb, hedgingArb, callsArb, async (scripts, hedging, calls) => {
        const { unsettledProviderCalls, inFlight } = await run(scripts, hedging, calls);
        expect(unsettledProviderCalls).toBe(0);
        expect(inFlight).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it('settles every call exactly once by its deadline, with attempts in bounds', async () => {
    await fc.assert(
      fc.asyncProperty(scriptsArb, hedgingArb, callsArb, async (scripts, hedging, calls) => {
        const { results, settlements } = await run(scripts, hedging, calls);
        expect(settlements).toBe(calls);
        for (const r of results) {
          expect(r.at).toBeLessThanOrEqual(TOTAL_MS);
          const made = r.attempts.filter((a) => a.outcome !== 'skipped' && a.attempt > 0);
          const hedges = made.filter((a) => a.hedge).length;
          expect(hedges).toBeLessThanOrEqual(hedging.maxHedges ?? 1);
          // Each provider at most maxAttempts in one call, its hedges included (a failover to a provider whose
          // hedge failed goes on from that attempt).
          for (const id of IDS)
            expect(made.filter((a) => a.provider === id).length).toBeLessThanOrEqual(MAX_ATTEMPTS);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('never counts a lost race as a breaker failure', async () => {
    // Only answers within the attempt deadline: nothing fails, so with failureThreshold 1 any counted
    // failure (a loser's abort counted as a timeout or an error) would open a circuit.
    const answersArb = fc.array(
      fc.array(fc.record({ text: fc.constant('ok'), delayMs: fc.integer({ min: 0, max: 900 }) }), {
        minLength: 1,
        maxLength: 6,
      }),
      { minLength: 3, maxLength: 3 },
    );
    await fc.assert(
      fc.asyncProperty(answersArb, hedgingArb, callsArb, async (scripts, hedging, calls) => {
        const { results, breakers } = await run(scripts, { ...hedging, mode: 'latency' }, calls, 1);
        expect(breakers).toEqual(['closed', 'closed', 'closed']);
        expect(results.every((r) => r.ok)).toBe(true);
        const lost = results.flatMap((r) => r.attempts).filter((a) => a.outcome === 'cancelled');
        for (const a of lost) expect(a.code).toBe('hedge_lost');
      }),
      { numRuns: 40 },
    );
  });
});
