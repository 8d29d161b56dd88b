/**
 * The breaker's fast path (no store, no inspector: events that cannot change the breaker are not sent) must be
 * indistinguishable from sending every event. Two breakers on their own clocks get the same random operation
 * sequence; one has an inspector (every event goes to the actor), the other not. After every operation they
 * must agree on the state, the counters and every permit decision.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isNoOp } from '../src/breaker/create-circuit-breaker.js';
import type { BreakerOptions, BreakerPermit } from '../src/breaker/index.js';
import { LLMError, type LLMErrorType } from '../src/errors/llm-error.js';
import { breakerOn } from './breaker-helpers.js';

type Op =
  | { kind: 'acquire' }
  | { kind: 'success'; pick: number; durationMs: number }
  | { kind: 'failure'; pick: number; type: LLMErrorType; retryAfterMs: number | undefined }
  | { kind: 'cancel'; pick: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'ops'; command: 'forceOpen' | 'disable' | 'reset' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'acquire' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('success' as const),
      pick: fc.nat(),
      durationMs: fc.integer({ min: 0, max: 3_000 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('failure' as const),
      pick: fc.nat(),
      type: fc.constantFrom<LLMErrorType>('provider_error', 'timeout', 'rate_limit', 'invalid_response'),
      retryAfterMs: fc.option(fc.integer({ min: 1, max: 5_000 }), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 4_000 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('ops' as const),
      command: fc.constantFrom('forceOpen' as const, 'disable' as const, 'reset' as const),
    }),
  },
);

const configArb: fc.Arbitrary<BreakerOptions> = fc.record({
  failureThreshold: fc.integer({ min: 1, max: 4 }),
  openMs: fc.integer({ min: 500, max: 3_000 }),
  halfOpenMaxCalls: fc.integer({ min: 1, max: 3 }),
  successThreshold: fc.integer({ min: 1, max: 2 }),
  failureRateThreshold: fc.option(fc.constantFrom(0.3, 0.5), { nil: undefined }),
  minimumCalls: fc.constant(3),
  slowCallMs: fc.option(fc.integer({ min: 200, max: 2_000 }), { nil: undefined }),
});

/** Everything observable about a breaker except the decision cache the fast path skips. */
function observe(breaker: ReturnType<typeof breakerOn>['breaker']) {
  const { lastDecision: _skipped, ...context } = breaker.actor.getSnapshot().context;
  return { state: breaker.state, context, retryAfterMs: breaker.retryAfterMs() };
}

describe('breaker fast path', () => {
  it('matches a breaker that sends every event, over 1,000 random operation sequences', () => {
    fc.assert(
      fc.property(configArb, fc.array(opArb, { minLength: 1, maxLength: 60 }), (config, ops) => {
        const fast = breakerOn(config);
        const full = breakerOn({ ...config, inspect: () => {} });
        const held: Array<[BreakerPermit, BreakerPermit]> = [];
        for (const op of ops) {
          if (op.kind === 'acquire') {
            const a = fast.breaker.tryAcquire();
            const b = full.breaker.tryAcquire();
            expect(a.ok).toBe(b.ok);
            if (a.ok && b.ok) held.push([a.permit, b.permit]);
            if (!a.ok && !b.ok) {
              expect(a.error.code).toBe(b.error.code);
              expect(a.error.retryAfterMs).toBe(b.error.retryAfterMs);
            }
          } else if (op.kind === 'advance') {
            fast.clock.increment(op.ms);
            full.clock.increment(op.ms);
          } else if (op.kind === 'ops') {
            fast.breaker[op.command]();
            full.breaker[op.command]();
          } else if (held.length > 0) {
            const [a, b] = held.splice(op.pick % held.length, 1)[0] as [BreakerPermit, BreakerPermit];
            for (const permit of [a, b]) {
              if (op.kind === 'success') permit.release({ kind: 'success', durationMs: op.durationMs });
              else if (op.kind === 'cancel') permit.release({ kind: 'cancelled' });
              else {
                const error = new LLMError({ type: op.type, retryAfterMs: op.retryAfterMs });
                permit.release({ kind: 'failure', error, durationMs: 10 });
              }
            }
          }
          expect(observe(fast.breaker)).toEqual(observe(full.breaker));
        }
        fast.breaker.stop();
        full.breaker.stop();
      }),
      { numRuns: 1_000, seed: 20261125 },
    );
  });

  it('skips only outcomes that leave the breaker unchanged', () => {
    const { breaker } = breakerOn({ failureThreshold: 3 });
    const context = breaker.actor.getSnapshot().context;
    const success = { type: 'breaker.success', at: 0, period: context.period, durationMs: 5 } as const;
    expect(isNoOp('closed', context, success)).toBe(true);
    expect(isNoOp('closed', { ...context, consecutiveFailures: 1 }, success)).toBe(false);
    expect(isNoOp('halfOpen', context, success)).toBe(false);
    expect(isNoOp('closed', context, { ...success, type: 'breaker.release' } as never)).toBe(true);
    const failure = { ...success, type: 'breaker.failure', errorType: 'timeout' } as const;
    expect(isNoOp('closed', context, failure as never)).toBe(false);
    const slow = breakerOn({ slowCallMs: 100 }).breaker.actor.getSnapshot().context;
    expect(isNoOp('closed', slow, { ...success, durationMs: 500 })).toBe(false);
    breaker.stop();
  });
});
