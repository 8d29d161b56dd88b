/**
 * The hedge budget on its own (simulated clock): over the window, hedges never exceed `minPerWindow` +
 * `ratio` × calls, and hedges asked with a `share` (races after a failure in `both` mode) never exceed
 * `minPerWindow` + `ratio` × `share` × calls, so what the share leaves stays for the other hedges.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { createHedgeBudget } from '../src/routing/hedge-budget.js';

type Op = { kind: 'call' } | { kind: 'hedge'; share: number } | { kind: 'wait'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'call' as const }), weight: 5 },
  {
    arbitrary: fc.record({ kind: fc.constant('hedge' as const), share: fc.constantFrom(1, 0.5, 0.25, 0) }),
    weight: 3,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 4_000 }) }),
    weight: 1,
  },
);

describe('hedge budget', () => {
  it('keeps hedges, and hedges asked with a share, within their bounds over the sliding window', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 120 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 2 }),
        (ops, ratio, minPerWindow) => {
          const clock = new SimulatedClock();
          const windowMs = 5_000;
          const budget = createHedgeBudget({ ratio, windowMs, minPerWindow }, clock);
          const calls: number[] = [];
          const granted: Array<{ at: number; share: number }> = [];
          for (const op of ops) {
            if (op.kind === 'wait') clock.increment(op.ms);
            else if (op.kind === 'call') {
              budget.recordCall();
              calls.push(clock.now());
            } else if (budget.tryHedge(op.share)) {
              granted.push({ at: clock.now(), share: op.share });
              // At each grant: the window counts in buckets of windowMs / 10, so an event is surely still
              // counted while it is younger than windowMs - bucket, and surely gone once older than windowMs.
              // Hedges that recent are bounded by the calls over the whole window: all of them, and those of
              // at most this share.
              const now = clock.now();
              const inWindow = calls.filter((t) => t > now - windowMs).length;
              const hedges = granted.filter((g) => g.at > now - windowMs + windowMs / 10);
              expect(hedges.length).toBeLessThanOrEqual(minPerWindow + ratio * inWindow + 1e-9);
              expect(hedges.length).toBeLessThanOrEqual(minPerWindow + ratio * op.share * inWindow + 1e-9);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a half-share hedge that a full-share hedge still gets', () => {
    const clock = new SimulatedClock();
    const budget = createHedgeBudget({ ratio: 0.1, windowMs: 10_000, minPerWindow: 0 }, clock);
    for (let i = 0; i < 10; i++) budget.recordCall();
    // 1 hedge fits 0.1 × 10 calls; with share 0.5 only 0.5 does.
    expect(budget.tryHedge(0.5)).toBe(false);
    expect(budget.tryHedge()).toBe(true);
    expect(budget.tryHedge()).toBe(false);
    for (let i = 0; i < 30; i++) budget.recordCall();
    // 40 calls: 4 hedges in all, 2 at half share; 1 is spent, so a half-share hedge fits and then no more.
    expect(budget.tryHedge(0.5)).toBe(true);
    expect(budget.tryHedge(0.5)).toBe(false);
    expect(budget.tryHedge()).toBe(true);
    expect(budget.stats()).toEqual({ calls: 40, hedges: 3 });
  });
});
