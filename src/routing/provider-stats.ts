/**
 * What routing knows of each provider besides its breaker: calls in flight, a latency estimate (EWMA of
 * answered attempts), the rate-limit {@link Admission} and the optional {@link ConcurrencyLimit}. Fed by the breaker permit of every attempt, so
 * the fast path, the statechart and the simplified prompt all count the same way.
 */
import type { BreakerOutcome, BreakerPermit } from '../breaker/types.js';
import type { Clock } from '../clock.js';
import { Admission, type AdmissionDecision, type AdmissionOptions } from './admission.js';
import { ConcurrencyLimit, type ConcurrencyLimitOptions } from './concurrency-limit.js';
import { LatencySketch } from './latency-sketch.js';

/** Weight of the newest sample in the latency EWMA. */
const LATENCY_ALPHA = 0.2;

/** Live routing figures of one provider. */
export class ProviderStats {
  /** Attempts holding a permit now. */
  inFlight = 0;
  /** EWMA of the durations of answered attempts, in ms; undefined before the first answer. */
  latencyMs: number | undefined = undefined;
  /** Recent answered-attempt durations, for quantile hedge delays. */
  readonly sketch = new LatencySketch();
  /** Rate-limit admission; undefined when `retry.rateLimitCooldown` is off. */
  readonly admission: Admission | undefined;

  /** Adaptive concurrency limit; undefined unless the `concurrency` option turns it on. */
  readonly concurrency: ConcurrencyLimit | undefined;

  constructor(admission: AdmissionOptions | false, concurrency: ConcurrencyLimitOptions | false = false) {
    this.admission = admission === false ? undefined : new Admission(admission);
    this.concurrency = concurrency === false ? undefined : new ConcurrencyLimit(concurrency);
  }

  /** Whether a call may go to the provider now (undefined: nothing holds it back). */
  admit(now: number, random: () => number): AdmissionDecision | undefined {
    if (this.concurrency !== undefined && !this.concurrency.allows(this.inFlight)) {
      return { ok: false, code: 'concurrency_limited' };
    }
    return this.admission?.admit(now, random);
  }

  /** The breaker closed: the provider regains its share at once. */
  reset(): void {
    this.admission?.reset();
    this.concurrency?.reset();
  }

  /** Adds one answered attempt's duration to the latency estimate. */
  observeLatency(durationMs: number): void {
    this.sketch.add(durationMs);
    this.latencyMs =
      this.latencyMs === undefined
        ? durationMs
        : this.latencyMs + LATENCY_ALPHA * (durationMs - this.latencyMs);
  }

  /** Wraps an attempt's permit: counts it in flight until released and learns from its outcome. */
  track(permit: BreakerPermit, clock: Clock): BreakerPermit {
    this.inFlight++;
    return new TrackedPermit(this, permit, clock);
  }

  /** An attempt under a tracked permit ended (first release only). */
  settle(outcome: BreakerOutcome, now: number): void {
    this.inFlight--;
    if (outcome.kind === 'cancelled') return;
    if (outcome.kind === 'success') {
      this.observeLatency(outcome.durationMs);
      this.concurrency?.recordSuccess();
    } else this.concurrency?.recordFailure(outcome.error.type, this.inFlight);
    const admission = this.admission;
    if (admission === undefined) return;
    if (outcome.kind === 'failure' && outcome.error.type === 'rate_limit') {
      admission.recordRateLimit(now, outcome.error.retryAfterMs);
      return;
    }
    admission.recordAccepted(now);
    const rateLimit = outcome.kind === 'success' ? outcome.rateLimit : outcome.error.rateLimit;
    if (rateLimit !== undefined) admission.recordHeaders(now, rateLimit);
  }
}

/** A breaker permit that reports its release to the provider's stats once (one small object per attempt). */
class TrackedPermit implements BreakerPermit {
  private released = false;

  constructor(
    private readonly stats: ProviderStats,
    private readonly permit: BreakerPermit,
    private readonly clock: Clock,
  ) {}

  release(outcome: BreakerOutcome): void {
    if (this.released) return;
    this.released = true;
    this.stats.settle(outcome, this.clock.now());
    this.permit.release(outcome);
  }
}
