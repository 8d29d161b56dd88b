import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  backoffCap,
  computeBackoff,
  defaultRetryOptions,
  MAX_DELAY_MS,
  type ResolvedRetryOptions,
  resolveRetryOptions,
  retryOptionsSchema,
} from '../src/backoff.js';

const RUNS = { numRuns: 1000 };

const optionsArb: fc.Arbitrary<ResolvedRetryOptions> = fc
  .record({
    maxAttempts: fc.integer({ min: 1, max: 100 }),
    baseMs: fc.integer({ min: 0, max: 60_000 }),
    extraMs: fc.integer({ min: 0, max: 600_000 }),
    jitter: fc.constantFrom('full' as const, 'decorrelated' as const, 'none' as const),
  })
  .map(({ extraMs, ...o }) => resolveRetryOptions({ ...o, maxMs: o.baseMs + extraMs }));

const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
/** A random source replaying a fixed sequence (cycled), so two calls can see identical draws. */
const randomsArb = fc.array(unit, { minLength: 1, maxLength: 8 });
const replay = (values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
};
const attemptArb = fc.integer({ min: 1, max: 200 });
const maybeMs = fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: undefined });

describe('resolveRetryOptions', () => {
  it('fills the documented defaults', () => {
    expect(resolveRetryOptions()).toEqual({ maxAttempts: 3, baseMs: 500, maxMs: 8_000, jitter: 'full' });
    expect(retryOptionsSchema.parse({})).toEqual(defaultRetryOptions);
  });

  it.each([
    [{ maxAttempts: 0 }, 'maxAttempts'],
    [{ maxAttempts: 2.5 }, 'maxAttempts'],
    [{ baseMs: -1 }, 'baseMs'],
    [{ maxMs: MAX_DELAY_MS + 1 }, 'maxMs'],
    [{ baseMs: 1000, maxMs: 10 }, 'maxMs'],
    [{ jitter: 'equal' }, 'jitter'],
    [{ maxAtempts: 3 }, 'maxAtempts'],
  ])('rejects %o with a message naming %s', (bad, field) => {
    expect(() => resolveRetryOptions(bad as never)).toThrow(TypeError);
    expect(() => resolveRetryOptions(bad as never)).toThrow(
      new RegExp(`Invalid retry options:[\\s\\S]*${field}`),
    );
  });

  it('rejects any non-integer or negative numeric field, naming it', () => {
    const field = fc.constantFrom('maxAttempts', 'baseMs', 'maxMs');
    const badNumber = fc.oneof(
      fc.double({ noNaN: false }).filter((n) => !Number.isInteger(n)),
      fc.integer({ max: -1 }),
    );
    fc.assert(
      fc.property(field, badNumber, (name, value) => {
        expect(() => resolveRetryOptions({ [name]: value })).toThrow(new RegExp(`${name}`));
      }),
      RUNS,
    );
  });
});

describe('computeBackoff', () => {
  it('keeps the delay within [0, maxMs] and below remainingMs, for any attempt, options and random source', () => {
    fc.assert(
      fc.property(
        attemptArb,
        optionsArb,
        randomsArb,
        maybeMs,
        maybeMs,
        (attempt, o, rs, remainingMs, prev) => {
          const delay = computeBackoff(attempt, o, { random: replay(rs), remainingMs, previousMs: prev });
          if (attempt >= o.maxAttempts || delay === undefined) {
            // No delay only when out of attempts, or when a deadline was given that it does not fit.
            expect(attempt >= o.maxAttempts || remainingMs !== undefined).toBe(true);
            return;
          }
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(o.jitter === 'decorrelated' ? o.baseMs : 0);
          expect(delay).toBeLessThanOrEqual(o.maxMs);
          if (remainingMs !== undefined) expect(delay).toBeLessThan(remainingMs);
        },
      ),
      RUNS,
    );
  });

  it('returns undefined exactly when the delay does not fit in remainingMs', () => {
    fc.assert(
      fc.property(optionsArb, randomsArb, fc.integer({ min: -10, max: 20_000 }), (o, rs, remainingMs) => {
        fc.pre(o.maxAttempts > 1);
        const unbounded = computeBackoff(1, o, { random: replay(rs) });
        const bounded = computeBackoff(1, o, { random: replay(rs), remainingMs });
        expect(unbounded).toBeDefined();
        expect(bounded).toBe(unbounded! < remainingMs ? unbounded : undefined);
      }),
      RUNS,
    );
  });

  it('gives Retry-After precedence, even above maxMs, unless it does not fit the deadline', () => {
    fc.assert(
      fc.property(
        optionsArb,
        randomsArb,
        fc.integer({ min: 0, max: 10_000_000 }),
        maybeMs,
        (o, rs, ra, left) => {
          fc.pre(o.maxAttempts > 1);
          const delay = computeBackoff(1, o, { retryAfterMs: ra, remainingMs: left, random: replay(rs) });
          expect(delay).toBe(left === undefined || ra < left ? ra : undefined);
        },
      ),
      RUNS,
    );
  });

  it('is deterministic given the random source', () => {
    fc.assert(
      fc.property(attemptArb, optionsArb, randomsArb, maybeMs, (attempt, o, rs, previousMs) => {
        const a = computeBackoff(attempt, o, { random: replay(rs), previousMs });
        const b = computeBackoff(attempt, o, { random: replay(rs), previousMs });
        expect(a).toBe(b);
      }),
      RUNS,
    );
  });

  it("grows full jitter's cap monotonically with the attempt, up to maxMs", () => {
    fc.assert(
      fc.property(optionsArb, fc.integer({ min: 1, max: 100 }), (o, attempt) => {
        const cap = backoffCap(attempt, o);
        expect(backoffCap(attempt + 1, o)).toBeGreaterThanOrEqual(cap);
        expect(cap).toBeLessThanOrEqual(o.maxMs);
        // With the largest draw, full jitter reaches its cap.
        const full = { ...o, jitter: 'full' as const, maxAttempts: 100 };
        expect(computeBackoff(attempt, full, { random: () => 0.999_999_999 })).toBe(
          attempt < 100 ? cap : undefined,
        );
      }),
      RUNS,
    );
  });

  it('doubles from baseMs without jitter and stops at maxMs', () => {
    const o = resolveRetryOptions({ jitter: 'none', maxAttempts: 10 });
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => computeBackoff(n, o))).toEqual([
      500, 1000, 2000, 4000, 8000, 8000, 8000,
    ]);
  });

  it('draws full jitter uniformly from 0 to the cap', () => {
    const o = resolveRetryOptions({ maxAttempts: 5 });
    expect(computeBackoff(3, o, { random: () => 0 })).toBe(0);
    expect(computeBackoff(3, o, { random: () => 0.5 })).toBe(1000);
  });

  it('grows decorrelated jitter from the previous delay, between baseMs and 3x previous', () => {
    const o = resolveRetryOptions({ jitter: 'decorrelated', maxAttempts: 5 });
    expect(computeBackoff(2, o, { previousMs: 1000, random: () => 0 })).toBe(500);
    expect(computeBackoff(2, o, { previousMs: 1000, random: () => 0.999 })).toBe(2998);
    expect(computeBackoff(2, o, { previousMs: 5000, random: () => 0.999 })).toBe(8000);
  });

  it('stops retrying the same provider once maxAttempts is reached', () => {
    const o = resolveRetryOptions({ maxAttempts: 2, jitter: 'none' });
    expect(computeBackoff(1, o)).toBe(500);
    expect(computeBackoff(2, o)).toBeUndefined();
    expect(computeBackoff(2, o, { retryAfterMs: 10 })).toBeUndefined();
  });

  it.each([
    [0, {}, /attempt/],
    [1.5, {}, /attempt/],
    [1, { retryAfterMs: -1 }, /retryAfterMs/],
    [1, { previousMs: Number.NaN }, /previousMs/],
    [1, { remainingMs: Number.NaN }, /remainingMs/],
    [1, { random: () => 1 }, /random/],
  ])('rejects attempt %s with context %o', (attempt, context, message) => {
    expect(() => computeBackoff(attempt, resolveRetryOptions(), context)).toThrow(message);
  });
});
