/**
 * Property-based chaos: random fault schedules over 1–4 providers, random options and random aborts, all on
 * a simulated clock. Every run checks the lifecycle's invariants.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SimulatedClock } from 'xstate';
import { z } from 'zod';
import { memoryCache } from '../src/cache/memory-cache.js';
import { createResilientLLM } from '../src/client/create-resilient-llm.js';
import { LLM_ERROR_TYPES, LLMError } from '../src/errors/llm-error.js';
import { nextTimerAt, settleWithClock } from '../src/testing/drive-clock.js';
import { type FaultStep, faultyProvider } from '../src/testing/faulty-provider.js';

const schema = z.object({ n: z.number() });
const errorTypes = LLM_ERROR_TYPES.filter((t) => t !== 'aborted');

const stepArb: fc.Arbitrary<FaultStep> = fc.oneof(
  fc.record({
    text: fc.constantFrom('{"n":1}', '{"n":"bad"}', 'prose {"n":2} more', 'not json'),
    delayMs: fc.integer({ min: 0, max: 3_000 }),
  }),
  fc.record({
    error: fc.constantFrom(...errorTypes),
    retryAfterMs: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
    delayMs: fc.integer({ min: 0, max: 2_000 }),
  }),
  fc.constant({ hang: true as const }),
);

const runArb = fc.record({
  scripts: fc.array(fc.array(stepArb, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }),
  maxAttempts: fc.integer({ min: 1, max: 4 }),
  maxReprompts: fc.integer({ min: 0, max: 2 }),
  attemptMs: fc.integer({ min: 100, max: 5_000 }),
  totalMs: fc.integer({ min: 5_000, max: 30_000 }),
  calls: fc.integer({ min: 1, max: 3 }),
  abortAt: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
  fallback: fc.boolean(),
  failureThreshold: fc.integer({ min: 1, max: 5 }),
  halfOpenMaxCalls: fc.integer({ min: 1, max: 3 }),
});

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
/** Warnings printed during the runs (XState warns of events sent to actors that already finished). */
const warnings: string[] = [];
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
  });
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  vi.restoreAllMocks();
});

describe('lifecycle chaos (property-based)', () => {
  it('keeps every invariant over 1,000 random fault schedules', async () => {
    let settledCount = 0;
    await fc.assert(
      fc.asyncProperty(runArb, async (run) => {
        const clock = new SimulatedClock();
        const cache = memoryCache({ clock });
        const violations: string[] = [];
        // Provider calls in flight that started while the provider's circuit was half-open: its probes.
        const probes = new Map<string, number>();
        const ids = run.scripts.map((_, i) => `p${i}`);
        let llmRef: ReturnType<typeof createResilientLLM> | undefined;
        const providers = run.scripts.map((steps, i) =>
          faultyProvider({
            id: ids[i] as string,
            priority: i,
            clock,
            script: (ctx) => steps[(ctx.call - 1) % steps.length] as FaultStep,
          }),
        );
        // The breaker state is read as each provider call starts. A call admitted while the circuit was closed
        // may still run when it turns half-open (a hang until its timeout): it is not a probe, so only calls that
        // started half-open count against halfOpenMaxCalls.
        for (const p of providers) {
          const inner = p.call.bind(p);
          p.call = async (req, opts) => {
            const state = llmRef?.breaker(p.id).state;
            if (state === 'open' || state === 'forcedOpen') violations.push(`${p.id} called while ${state}`);
            const probe = state === 'halfOpen';
            if (probe) {
              const concurrent = (probes.get(p.id) ?? 0) + 1;
              probes.set(p.id, concurrent);
              if (concurrent > run.halfOpenMaxCalls)
                violations.push(`${p.id}: ${concurrent} half-open probes`);
            }
            try {
              return await inner(req, opts);
            } finally {
              if (probe) probes.set(p.id, (probes.get(p.id) ?? 0) - 1);
            }
          };
        }
        const llm = createResilientLLM({
          providers,
          clock,
          random: () => 0.3,
          retry: { maxAttempts: run.maxAttempts },
          validation: { maxReprompts: run.maxReprompts },
          timeouts: { attemptMs: run.attemptMs, totalMs: run.totalMs },
          breaker: {
            failureThreshold: run.failureThreshold,
            halfOpenMaxCalls: run.halfOpenMaxCalls,
            openMs: 3_000,
          },
          degradation: { cache, simplifiedPrompt: 'short', ...(run.fallback ? { fallback: '{"n":0}' } : {}) },
        });
        llmRef = llm;
        const controller = new AbortController();
        const abortTimer =
          run.abortAt === undefined ? undefined : clock.setTimeout(() => controller.abort(), run.abortAt);
        const outcomes = Array.from({ length: run.calls }, (_, i) => {
          let settlements = 0;
          const started = clock.now();
          const promise = llm
            .call({
              messages: [{ role: 'user', content: `q${i}` }],
              schema,
              cacheKey: `k${i % 2}`,
              signal: controller.signal,
            })
            .finally(() => {
              settlements++;
            });
          return { promise, started, settlements: () => settlements };
        });
        const results = await settleWithClock(Promise.allSettled(outcomes.map((o) => o.promise)), clock);
        if (!results.ok) throw results.error;
        results.value.forEach((r, i) => {
          const outcome = outcomes[i];
          if (!outcome) return;
          if (outcome.settlements() !== 1)
            violations.push(`call ${i} settled ${outcome.settlements()} times`);
          if (r.status === 'rejected' && !LLMError.is(r.reason))
            violations.push(`call ${i} rejected with a non-LLMError`);
          if (r.status === 'fulfilled') {
            const value = r.value;
            if (value.durationMs > run.totalMs + 50) violations.push(`call ${i} took ${value.durationMs} ms`);
            const perProvider = new Map<string, number>();
            for (const a of value.attempts) {
              if (a.outcome === 'skipped' || a.phase === 'simplified') continue;
              perProvider.set(a.provider, (perProvider.get(a.provider) ?? 0) + 1);
            }
            const bound = run.maxAttempts + run.maxReprompts + 2;
            for (const [id, n] of perProvider)
              if (n > bound) violations.push(`${id}: ${n} attempts > ${bound}`);
            if (!schema.safeParse(value.data).success) violations.push('invalid data returned');
          }
        });
        if (results.at > run.totalMs + 50) violations.push(`settled at ${results.at}`);
        for (const key of ['k0', 'k1']) {
          const hit = await cache.get(key);
          if (hit && !schema.safeParse(hit.data).success)
            violations.push(`invalid answer cached under ${key}`);
        }
        if (abortTimer !== undefined) clock.clearTimeout(abortTimer);
        await llm.stop();
        if (llm.inFlight !== 0) violations.push(`${llm.inFlight} calls still in flight after stop`);
        if (nextTimerAt(clock) !== undefined) violations.push('a timer is pending after stop');
        settledCount += run.calls;
        expect(violations).toEqual([]);
      }),
      { numRuns: 1_000, seed: 20_261_125 },
    );
    expect(settledCount).toBeGreaterThanOrEqual(1_000);
    expect(unhandled).toEqual([]);
    expect(warnings.slice(0, 3)).toEqual([]);
  }, 120_000);
});
