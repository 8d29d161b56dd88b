/**
 * Graded admission after rate limits, one per provider. A 429 no longer blacks a provider out for every later
 * call: calls are shed in proportion to how much of the provider's recent traffic is rate limited, and a
 * Retry-After pauses the provider only when its limit is evidently account-wide (most recent calls limited).
 *
 * Counts decay exponentially with time constant `windowMs` (a sliding window without buckets). With
 * `sent` calls, `accepted` of them not rate limited and `limited` rate limited:
 * - nothing is shed while `round(limited) < minRateLimits` or `limited / sent <= threshold`;
 * - past that, a call is shed with probability `(sent - accepted / (1 - threshold)) / (sent + 1)`
 *   (client-side adaptive throttling, as in Google's SRE book, chapter "Handling Overload");
 * - a rate limit that arrives past that point, with a Retry-After, pauses the provider until then;
 *   when the pause ends the counts restart at `minRateLimits - 1` rate limits (probation), so the next calls probe it
 *   and a further 429 pauses it again at once.
 * A provider whose recent rate-limited share stays at or below `threshold` is therefore never shed.
 */

/** Options of the per-provider admission. */
export interface AdmissionOptions {
  /** Share of recent calls that may be rate limited before calls are shed (0..1). @default 0.5 */
  threshold?: number;
  /** Time constant of the decaying counts, in ms. @default 10_000 */
  windowMs?: number;
  /** Rate limits in the window (decayed count, to the nearest whole) before anything is shed or paused. @default 3 */
  minRateLimits?: number;
}

/** Defaults of {@link AdmissionOptions}. */
export const defaultAdmissionOptions = {
  threshold: 0.5,
  windowMs: 10_000,
  minRateLimits: 3,
} as const satisfies Required<AdmissionOptions>;

/** Whether a call may go to the provider now, and why not. */
export type AdmissionDecision =
  | { ok: true }
  /**
   * `rate_limited`: paused until a Retry-After passes; `rate_limit_shed`: shed in proportion;
   * `concurrency_limited`: at its adaptive concurrency limit (see `concurrency-limit.ts`).
   */
  | { ok: false; code: 'rate_limited' | 'rate_limit_shed' | 'concurrency_limited'; retryAfterMs?: number };

const ADMIT: AdmissionDecision = { ok: true };

/** Decaying rate-limit counts of one provider. */
export class Admission {
  private sent = 0;
  private accepted = 0;
  private limited = 0;
  private at = Number.NEGATIVE_INFINITY;
  /** Until when (client clock) an account-wide Retry-After pauses the provider. */
  pausedUntil = Number.NEGATIVE_INFINITY;
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

  /** Decides for one call at `now`; `random` in [0, 1) is drawn only when a call may be shed. */
  admit(now: number, random: () => number): AdmissionDecision {
    if (this.pausedUntil > now) {
      return { ok: false, code: 'rate_limited', retryAfterMs: this.pausedUntil - now };
    }
    if (this.pausedUntil !== Number.NEGATIVE_INFINITY) this.endPause(now);
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

  /** Forgets everything (the breaker closed: the provider is healthy again). */
  reset(): void {
    this.sent = 0;
    this.accepted = 0;
    this.limited = 0;
    this.pausedUntil = Number.NEGATIVE_INFINITY;
  }

  private engaged(): boolean {
    const { minRateLimits, threshold } = this.options;
    return Math.round(this.limited) >= minRateLimits && this.limited > threshold * this.sent;
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
