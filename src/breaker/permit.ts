/**
 * Breaker permits: one release per permit, turned into the machine's outcome events.
 */
import type { BreakerEvent } from '../../machines/circuit-breaker-types.js';
import type { Clock } from '../clock.js';
import { LLMError } from '../errors/llm-error.js';
import type { BreakerOutcome, BreakerPermit } from './types.js';

/** Throws a `TypeError` naming what is wrong with `outcome`. */
function assertOutcome(outcome: BreakerOutcome): void {
  if (typeof outcome !== 'object' || outcome === null) {
    throw new TypeError('permit.release(outcome): outcome must be an object');
  }
  const { kind } = outcome as { kind: unknown };
  if (kind === 'cancelled') return;
  if (kind !== 'success' && kind !== 'failure') {
    throw new TypeError(`permit.release(outcome): outcome.kind must be 'success', 'failure' or 'cancelled'`);
  }
  const { durationMs } = outcome as { durationMs: unknown };
  if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs < 0) {
    throw new TypeError('permit.release(outcome): outcome.durationMs must be a finite number >= 0');
  }
  if (kind === 'failure' && !LLMError.is((outcome as { error: unknown }).error)) {
    throw new TypeError('permit.release(outcome): outcome.error must be an LLMError');
  }
}

/** The machine event that reports `outcome` of a permit issued in `period`. */
function toEvent(outcome: BreakerOutcome, period: number, at: number): BreakerEvent {
  switch (outcome.kind) {
    case 'success':
      return { type: 'breaker.success', at, period, durationMs: outcome.durationMs };
    case 'failure':
      return {
        type: 'breaker.failure',
        at,
        period,
        durationMs: outcome.durationMs,
        errorType: outcome.error.type,
        retryAfterMs: outcome.error.retryAfterMs,
      };
    case 'cancelled':
      return { type: 'breaker.release', at, period };
  }
}

/** One permit: a small object with its release on the prototype (many may be held at once). */
class Permit implements BreakerPermit {
  private released = false;
  constructor(
    private readonly period: number,
    private readonly clock: Clock,
    private readonly send: (event: BreakerEvent) => void,
  ) {}

  release(outcome: BreakerOutcome): void {
    assertOutcome(outcome);
    if (this.released) return;
    this.released = true;
    this.send(toEvent(outcome, this.period, this.clock.now()));
  }
}

/**
 * A permit issued in `period`. Its first valid `release` sends one event through `send`; later releases
 * are ignored, and an invalid outcome throws without using the permit up.
 */
export function createPermit(
  period: number,
  clock: Clock,
  send: (event: BreakerEvent) => void,
): BreakerPermit {
  return new Permit(period, clock, send);
}
