/**
 * Properties of routing on the simulated clock: the rate-limit admission never sheds or pauses a provider
 * whose recent rate-limited share is at or below its threshold; an account-wide limit is routed around for
 * its Retry-After; a closing breaker leaves nothing over; and concurrent calls under every routing strategy
 * settle exactly once, by their deadline, with attempts in bounds and no attempt left in flight.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { createResilientLLM } from '../src/client/create-resilient-llm.js';
import { Admission, defaultAdmissionOptions } from '../src/routing/admission.js';
import { ROUTING_STRATEGIES } from '../src/routing/strategy.js';
import { settleWithClock } from '../src/testing/drive-clock.js';
import { type FaultStep, faultyProvider } from '../src/testing/faulty-provider.js';

const { threshold, windowMs, minRateLimits } = defaultAdmissionOptions;

/** Timed outcomes: a gap since the last one, and whether the provider rate limited the call. */
const historyArb = fc.array(
  fc.record({
    gapMs: fc.integer({ min: 0, max: 5_000 }),
    limited: fc.boolean(),
    retryAfterMs: fc.option(fc.integer({ min: 1, max: 60_000 }), { nil: undefined }),
    draw: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  }),
  { maxLength: 200 },
);

/** The decayed counts, summed over the whole history (independent of the incremental implementation). */
function reference(history: ReadonlyArray<{ at: number; limited: boolean }>, now: number) {
  let sent = 0;
  let limited = 0;
  for (const h of history) {
    const w = Math.exp(-(now - h.at) / windowMs);
    sent += w;
    if (h.limited) limited += w;
  }
  return { sent, limited };
}

describe('rate-limit admission (properties)', () => {
  it('admits every call while the decayed rate-limited share stays at or below the threshold', () => {
    fc.assert(
      fc.property(historyArb, (steps) => {
        const admission = new Admission();
        const past: Array<{ at: number; limited: boolean }> = [];
        let now = 0;
        for (const step of steps) {
          now += step.gapMs;
          const before = reference(past, now);
          const engaged =
            Math.round(before.limited) >= minRateLimits && before.limited > threshold * before.sent + 1e-9;
          // Once the share has been exceeded the limiter may act; the property is about what comes before.
          if (engaged) return;
          expect(admission.admit(now, () => step.draw)).toEqual({ ok: true });
          if (step.limited) admission.recordRateLimit(now, step.retryAfterMs);
          else admission.recordAccepted(now);
          past.push({ at: now, limited: step.limited });
          const after = reference(past, now);
          const engagedAfter =
            Math.round(after.limited) >= minRateLimits && after.limited > threshold * after.sent + 1e-9;
          if (engagedAfter) return;
          expect(admission.pausedUntil).toBe(Number.NEGATIVE_INFINITY);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('pauses a provider whose every call is rate limited until its Retry-After has passed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: minRateLimits, max: 30 }),
        fc.integer({ min: 1_000, max: 120_000 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 30, maxLength: 30 }),
        (count, retryAfterMs, gaps) => {
          const admission = new Admission();
          let now = 0;
          for (let i = 0; i < count; i++) {
            now += gaps[i] ?? 0;
            admission.recordRateLimit(now, retryAfterMs);
          }
          const end = now + retryAfterMs;
          for (const probe of [now, now + 1, end - 1]) {
            const decision = admission.admit(probe, () => 0);
            expect(decision).toMatchObject({ ok: false, code: 'rate_limited', retryAfterMs: end - probe });
          }
          // The pause is over: the next call is admitted whatever the draw, and one more 429 pauses again.
          expect(admission.admit(end, () => 0)).toEqual({ ok: true });
          admission.recordRateLimit(end, retryAfterMs);
          expect(admission.admit(end + 1, () => 0)).toMatchObject({ ok: false, code: 'rate_limited' });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('sheds with a probability that never exceeds the rate-limited share beyond the threshold', () => {
    fc.assert(
      fc.property(historyArb, (steps) => {
        const admission = new Admission();
        let now = 0;
        for (const step of steps) {
          now += step.gapMs;
          if (step.limited) admission.recordRateLimit(now, undefined);
          else admission.recordAccepted(now);
          const { sent, accepted } = admission.counts(now);
          const p = admission.shedProbability(now);
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
          // Shedding stops once accepted calls make up 1 - threshold of what was sent.
          if (accepted >= (1 - threshold) * sent) expect(p).toBe(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('forgets everything on reset (the breaker closed)', () => {
    fc.assert(
      fc.property(historyArb, (steps) => {
        const admission = new Admission();
        let now = 0;
        for (const step of steps) {
          now += step.gapMs;
          if (step.limited) admission.recordRateLimit(now, step.retryAfterMs);
          else admission.recordAccepted(now);
        }
        admission.reset();
        expect(admission.admit(now, () => 0)).toEqual({ ok: true });
        expect(admission.shedProbability(now)).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});

const stepArb: fc.Arbitrary<FaultStep> = fc.oneof(
  fc.record({ text: fc.constant('ok'), delayMs: fc.integer({ min: 0, max: 500 }) }),
  fc.record({
    error: fc.constantFrom('rate_limit' as const, 'provider_error' as const, 'timeout' as const),
    retryAfterMs: fc.option(fc.integer({ min: 1, max: 30_000 }), { nil: undefined }),
    delayMs: fc.integer({ min: 0, max: 300 }),
  }),
  fc.constant({ hang: true as const }),
);

describe('routing under concurrent calls (properties)', () => {
  it('settles every call once, by its deadline, with attempts in bounds and no call left in flight', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          scripts: fc.array(fc.array(stepArb, { minLength: 1, maxLength: 8 }), {
            minLength: 1,
            maxLength: 3,
          }),
          strategy: fc.constantFrom(...ROUTING_STRATEGIES),
          calls: fc.integer({ min: 1, max: 12 }),
          maxAttempts: fc.integer({ min: 1, max: 3 }),
          seed: fc.integer(),
        }),
        async ({ scripts, strategy, calls, maxAttempts, seed }) => {
          const clock = new SimulatedClock();
          const providers = scripts.map((script, i) =>
            faultyProvider({ id: `p${i}`, script, priority: i, clock }),
          );
          let state = seed;
          const random = () => {
            state = (state * 1_103_515_245 + 12_345) & 0x7fffffff;
            return state / 0x80000000;
          };
          const totalMs = 20_000;
          const llm = createResilientLLM({
            providers,
            clock,
            random,
            routing: strategy,
            retry: { maxAttempts },
            timeouts: { attemptMs: 1_000, totalMs, timeoutRetries: 1 },
            degradation: { fallback: 'fallback' },
          });
          const settles = new Array<number>(calls).fill(0);
          const all = Promise.all(
            Array.from({ length: calls }, (_, i) =>
              llm.call({ messages: [{ role: 'user', content: `q${i}` }] }).then(
                (r) => {
                  settles[i] = (settles[i] ?? 0) + 1;
                  return r;
                },
                (e: unknown) => {
                  settles[i] = (settles[i] ?? 0) + 1;
                  throw e;
                },
              ),
            ),
          );
          const settled = await settleWithClock(all, clock);
          expect(settled.ok).toBe(true);
          expect(settles).toEqual(new Array(calls).fill(1));
          if (settled.ok) {
            for (const r of settled.value) {
              expect(r.durationMs).toBeLessThanOrEqual(totalMs);
              const tried = r.attempts.filter((a) => a.outcome !== 'skipped');
              // Per provider: maxAttempts, plus one timeout retry and the re-prompts at most.
              expect(tried.length).toBeLessThanOrEqual(providers.length * (maxAttempts + 3));
            }
          }
          expect(llm.inFlight).toBe(0);
          await llm.stop();
        },
      ),
      { numRuns: 60 },
    );
  }, 20_000);
});
