/**
 * Graded admission after rate limits, one per provider. A 429 no longer blacks a provider out for every later
 * call: calls are shed in proportion to how much of the provider's recent traffic is rate limited, and a
 * Retry-After pauses the provider only when its limit is evidently account-wide (most recent calls limited).
 *
 * Counts decay exponentially with time constant `windowMs` (a sliding window without buckets). With
 * `sent` calls, `accepted` of them not rate limited and `limited` rate limited:
 * - nothing is shed while `round(limited) < minRateLimits` or the rate-limited share is not evidently above
 *   `threshold` (its one-sided 95% Wilson lower bound is at or below it; {@link shareLowerBound});
 * - past that, a call is shed with probability `(sent - accepted / (1 - threshold)) / (sent + 1)`
 *   (client-side adaptive throttling, as in Google's SRE book, chapter "Handling Overload");
 * - a rate limit that arrives past that point, with a Retry-After, pauses the provider until then;
 *   when the pause ends the counts restart at `minRateLimits - 1` rate limits (probation), so the next calls probe it
 *   and a further 429 pauses it again at once.
 * A provider whose recent rate-limited share stays at or below `threshold` is therefore never shed.
 *
 * Rate-limit headers act before the 429s start: when an answer (not a 429) reports that less than `headroom`
 * of its limit remains (`x-ratelimit-remaining-*` ÷ `x-ratelimit-limit-*`, Anthropic's
 * `anthropic-ratelimit-*`), a call is admitted with probability `remaining share ÷ headroom` until the bucket's
 * reset passes (or `windowMs` without one) or a later answer reports more room; at `remaining: 0` nothing is
 * admitted until the reset. On a 429 those headers always read 0 and add nothing to the 429 itself, so they
 * are not used there: one 429 must not black the provider out (issue 16).
 */
import { headroomOf, type RateLimitInfo } from '../errors/rate-limit-headers.js';

/** Options of the per-provider admission. */
export interface AdmissionOptions {
  /** Share of recent calls that may be rate limited before calls are shed (0..1). @default 0.5 */
  threshold?: number;
  /** Time constant of the decaying counts, in ms. @default 10_000 */
  windowMs?: number;
  /** Rate limits in the window (decayed count, to the nearest whole) before anything is shed or paused. @default 3 */
  minRateLimits?: number;
  /**
   * Share of its rate limit (0..1) below which a provider's answers' rate-limit headers shrink its admission
   * in proportion; 0 ignores the headers. @default 0.1
   */
  headroom?: number;
}

/** Defaults of {@link AdmissionOptions}. */
export const defaultAdmissionOptions = {
  threshold: 0.5,
  windowMs: 10_000,
  minRateLimits: 3,
  headroom: 0.1,
} as const satisfies Required<AdmissionOptions>;

/** Whether a call may go to the provider now, and why not. */
export type AdmissionDecision =
  | { ok: true }
  /**
   * `rate_limited`: paused until a Retry-After passes; `rate_limit_shed`: shed in proportion;
   * `rate_limit_headroom`: its answers' rate-limit headers say less than `headroom` of the limit is left
   * (with the time to the reset); `concurrency_limited`: at its adaptive concurrency limit
   * (see `concurrency-limit.ts`).
   */
  | {
      ok: false;
      code: 'rate_limited' | 'rate_limit_shed' | 'rate_limit_headroom' | 'concurrency_limited';
      retryAfterMs?: number;
    };

const ADMIT: AdmissionDecision = { ok: true };

/** Decaying rate-limit counts of one provider. */
export class Admission {
  private sent = 0;
  private accepted = 0;
  private limited = 0;
  private at = Number.NEGATIVE_INFINITY;
  /** Until when (client clock) an account-wide Retry-After pauses the provider. */
  pausedUntil = Number.NEGATIVE_INFINITY;
  /** Share of its limit the provider's last answer reported left (1: plenty, or no headers). */
  private headroomLeft = 1;
  /** When that report expires (the bucket's reset). */
  private headroomUntil = Number.NEGATIVE_INFINITY;
  private readonly options: Required<AdmissionOptions>;

  constructor(options: AdmissionOptions = {}) {
    this.options = { ...defaultAdmissionOptions, ...options };
  }

  /** Recent calls sent, accepted and rate limited (decayed to `now`). */
  counts(now: number): { sent: number; accepted: number; limited: number } {
    this.decay(now);
    return { sent: this.sent, accepted: this.accepted, limited: this.limited };
  }

  /** Probability that a call is shed now (0 while the rate-limited share is at or below the threshold). */
  shedProbability(now: number): number {
    this.decay(now);
    if (!this.engaged()) return 0;
    const weight = 1 / (1 - this.options.threshold);
    return Math.max(0, Math.min(1, (this.sent - weight * this.accepted) / (this.sent + 1)));
  }

  /**
   * Probability that the rate-limit headers let a call through now: `remaining share ÷ headroom` while the
   * last report is below `headroom` and its reset has not passed, else 1.
   */
  headroomAdmitProbability(now: number): number {
    const { headroom } = this.options;
    if (headroom <= 0 || this.headroomLeft >= headroom || now >= this.headroomUntil) return 1;
    return this.headroomLeft / headroom;
  }

  /** Decides for one call at `now`; `random` in [0, 1) is drawn only when a call may be shed. */
  admit(now: number, random: () => number): AdmissionDecision {
    if (this.pausedUntil > now) {
      return { ok: false, code: 'rate_limited', retryAfterMs: this.pausedUntil - now };
    }
    if (this.pausedUntil !== Number.NEGATIVE_INFINITY) this.endPause(now);
    const room = this.headroomAdmitProbability(now);
    if (room < 1 && (room === 0 || random() >= room)) {
      return { ok: false, code: 'rate_limit_headroom', retryAfterMs: this.headroomUntil - now };
    }
    if (this.limited === 0) return ADMIT;
    const p = this.shedProbability(now);
    return p > 0 && random() < p ? { ok: false, code: 'rate_limit_shed' } : ADMIT;
  }

  /** Records an answer of the provider that was not a rate limit (success or another error). */
  recordAccepted(now: number): void {
    this.decay(now);
    this.sent++;
    this.accepted++;
  }

  /** Records a rate limit; a Retry-After pauses the provider when the limit is evidently account-wide. */
  recordRateLimit(now: number, retryAfterMs: number | undefined): void {
    this.decay(now);
    this.sent++;
    this.limited++;
    if (retryAfterMs !== undefined && retryAfterMs > 0 && this.engaged()) {
      this.pausedUntil = Math.max(this.pausedUntil, now + retryAfterMs);
    }
  }

  /**
   * Records the rate-limit headers of an answer that was not a 429 (see the module comment); the newest
   * report replaces the previous one.
   */
  recordHeaders(now: number, info: RateLimitInfo): void {
    const left = headroomOf(info);
    this.headroomLeft = left;
    this.headroomUntil =
      left >= this.options.headroom
        ? Number.NEGATIVE_INFINITY
        : now + (info.resetMs ?? this.options.windowMs);
  }

  /** Forgets everything (the breaker closed: the provider is healthy again). */
  reset(): void {
    this.headroomLeft = 1;
    this.headroomUntil = Number.NEGATIVE_INFINITY;
    this.sent = 0;
    this.accepted = 0;
    this.limited = 0;
    this.pausedUntil = Number.NEGATIVE_INFINITY;
  }

  /**
   * Whether the rate-limited share is *evidently* above the threshold: at least `minRateLimits` rate limits,
   * and the share's lower confidence bound (Wilson, one-sided 95%) above `threshold`. A raw share misjudges
   * small samples: right after a reset or a pause, 3 rate limits in the first 5 calls happen by chance 6% of
   * the time at a 20% rate-limit rate, and each such run paused the provider for a whole Retry-After.
   * Every call limited still engages at once (3 of 3 has a lower bound of 0.53).
   */
  private engaged(): boolean {
    const { minRateLimits, threshold } = this.options;
    return Math.round(this.limited) >= minRateLimits && shareLowerBound(this.limited, this.sent) > threshold;
  }

  /**
   * The pause is over: calls go through again on probation — the counts restart at `minRateLimits - 1` rate
   * limits out of as many calls, so one more 429 pauses again at once and every answer dilutes them.
   */
  private endPause(now: number): void {
    this.pausedUntil = Number.NEGATIVE_INFINITY;
    this.decay(now);
    const probation = this.options.minRateLimits - 1;
    this.sent = probation;
    this.accepted = 0;
    this.limited = probation;
  }

  private decay(now: number): void {
    if (now <= this.at) return;
    const factor = Math.exp(-(now - this.at) / this.options.windowMs);
    this.at = now;
    this.sent *= factor;
    this.accepted *= factor;
    this.limited *= factor;
  }
}

/** z of a one-sided 95% confidence bound. */
const Z = 1.645;

/** Lower Wilson bound of the share `hits / n` (n > 0; decayed counts may be fractional). */
export function shareLowerBound(hits: number, n: number): number {
  if (!(n > 0)) return 0;
  const p = hits / n;
  const z2 = Z * Z;
  const centre = p + z2 / (2 * n);
  const margin = Z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return (centre - margin) / (1 + z2 / n);
}
