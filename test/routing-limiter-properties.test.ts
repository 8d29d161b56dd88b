/**
 * Properties of the adaptive concurrency limit and of the header-fed admission, on the simulated clock:
 * the limit never starves a provider whose failure share stays at or below its threshold and drops at once
 * for a dead one; the headroom sheds in proportion to what the headers say is left and recovers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RateLimitInfo } from '../src/errors/rate-limit-headers.js';
import { Admission, defaultAdmissionOptions } from '../src/routing/admission.js';
import {
  ConcurrencyLimit,
  defaultConcurrencyLimitOptions,
  FAILURE_WEIGHT,
} from '../src/routing/concurrency-limit.js';

const { threshold, max } = defaultConcurrencyLimitOptions;

describe('adaptive concurrency limit (properties)', () => {
  it('never lowers the limit while the failure share stays at or below the threshold', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            failed: fc.boolean(),
            type: fc.constantFrom('provider_error', 'timeout', 'invalid_response', 'unknown'),
            inFlight: fc.integer({ min: 0, max: 200 }),
          }),
          { maxLength: 300 },
        ),
        (outcomes) => {
          const limit = new ConcurrencyLimit();
          let share = 0; // the reference failure share, computed independently
          for (const o of outcomes) {
            share = o.failed ? share + FAILURE_WEIGHT * (1 - share) : share * (1 - FAILURE_WEIGHT);
            if (share > threshold + 1e-12) return; // past the threshold the limiter may act
            if (o.failed) limit.recordFailure(o.type, o.inFlight);
            else limit.recordSuccess();
            expect(limit.limit).toBe(max);
            expect(limit.allows(max - 1)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps a provider whose failures come at least two answers apart (≤ 1 call in 3) at its full limit', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 50, maxLength: 300 }), (draws) => {
        const limit = new ConcurrencyLimit();
        // The share then peaks below 0.3 / (1 − 0.7³) ≈ 0.457, under the 0.5 threshold.
        let sinceFailure = 2;
        for (const d of draws) {
          const failed = d <= 1 && sinceFailure >= 2;
          if (failed) limit.recordFailure('provider_error', 20);
          else limit.recordSuccess();
          sinceFailure = failed ? 0 : sinceFailure + 1;
        }
        expect(limit.limit).toBe(max);
      }),
    );
  });

  it('halves the limit at once for a provider whose every call fails, down to min, and restores it on reset', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 1, max: 100 }), (failures, inFlight) => {
        const limit = new ConcurrencyLimit();
        for (let i = 0; i < failures; i++) limit.recordFailure('provider_error', inFlight);
        // The second failure in a row passes the 0.5 threshold; from then on each one halves.
        expect(limit.limit).toBeLessThanOrEqual(Math.max(1, (inFlight + 1) / 2));
        expect(limit.limit).toBeGreaterThanOrEqual(defaultConcurrencyLimitOptions.min);
        expect(limit.allows(inFlight)).toBe(false);
        limit.reset();
        expect(limit.limit).toBe(max);
      }),
    );
  });

  it('ignores errors that say nothing about the provider’s health', () => {
    const limit = new ConcurrencyLimit();
    for (let i = 0; i < 10; i++) limit.recordFailure('rate_limit', 5);
    for (let i = 0; i < 10; i++) limit.recordFailure('content_filtered', 5);
    expect(limit.limit).toBe(max);
  });
});

describe('header-fed admission (properties)', () => {
  const headroom = defaultAdmissionOptions.headroom;
  const infoArb = fc.record({
    remaining: fc.integer({ min: 0, max: 1_000 }),
    limit: fc.integer({ min: 1, max: 1_000 }),
    resetMs: fc.option(fc.integer({ min: 1, max: 60_000 }), { nil: undefined }),
  });
  const toInfo = (i: { remaining: number; limit: number; resetMs: number | undefined }): RateLimitInfo => ({
    remainingRequests: Math.min(i.remaining, i.limit),
    limitRequests: i.limit,
    ...(i.resetMs === undefined ? {} : { resetMs: i.resetMs }),
  });

  it('admits in proportion to the share left below the headroom, and everything above it', () => {
    fc.assert(
      fc.property(infoArb, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (i, draw) => {
        const admission = new Admission();
        const info = toInfo(i);
        admission.recordHeaders(0, info);
        const left = (info.remainingRequests ?? 0) / (info.limitRequests ?? 1);
        const expected = left >= headroom ? 1 : left / headroom;
        expect(admission.headroomAdmitProbability(0)).toBeCloseTo(expected, 12);
        const decision = admission.admit(0, () => draw);
        if (draw < expected) expect(decision).toEqual({ ok: true });
        else expect(decision).toMatchObject({ ok: false, code: 'rate_limit_headroom' });
      }),
      { numRuns: 500 },
    );
  });

  it('recovers every call once the reset passes, or at once when an answer shows room', () => {
    fc.assert(
      fc.property(infoArb, fc.integer({ min: 0, max: 120_000 }), (i, later) => {
        const info = toInfo(i);
        const reset = info.resetMs ?? defaultAdmissionOptions.windowMs;
        const waited = new Admission();
        waited.recordHeaders(0, info);
        expect(waited.headroomAdmitProbability(reset + later)).toBe(1);
        expect(waited.admit(reset + later, () => 0.999_999)).toEqual({ ok: true });
        const refreshed = new Admission();
        refreshed.recordHeaders(0, info);
        refreshed.recordHeaders(1, { remainingRequests: i.limit, limitRequests: i.limit });
        expect(refreshed.headroomAdmitProbability(1)).toBe(1);
      }),
    );
  });

  it('over many calls admits close to the share left ÷ headroom', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 2 ** 31 - 2 }), (left, seed) => {
        const admission = new Admission();
        admission.recordHeaders(0, { remainingRequests: left, limitRequests: 100, resetMs: 60_000 });
        let state = seed;
        const random = () => {
          state = (state * 48_271) % 2_147_483_647;
          return state / 2_147_483_647;
        };
        let admitted = 0;
        for (let n = 0; n < 2_000; n++) if (admission.admit(1, random).ok) admitted++;
        expect(Math.abs(admitted / 2_000 - left / 100 / headroom)).toBeLessThan(0.05);
      }),
      { numRuns: 30 },
    );
  });
});
