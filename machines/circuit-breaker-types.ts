/**
 * Types and defaults of the circuit-breaker statechart. Everything here is plain data, so a breaker's
 * snapshot serializes with `JSON.stringify` and restores on another process.
 */
import type { LLMErrorType } from './vocabulary.js';

/** Thresholds and durations the machine decides with. All times in milliseconds. */
export interface BreakerMachineConfig {
  /** Consecutive counted failures in `closed` that open the circuit. */
  failureThreshold: number;
  /**
   * Successful half-open probes that close the circuit. More than `halfOpenMaxCalls - successThreshold`
   * counted probe failures reopen it.
   */
  successThreshold: number;
  /** Base open duration before the first half-open probe. */
  openMs: number;
  /** Concurrent half-open probes allowed. */
  halfOpenMaxCalls: number;
  /** Failure rate (0..1] over `windowMs` that opens the circuit; `null` turns rate mode off. */
  failureRateThreshold: number | null;
  /** Length of the sliding window of rate mode (it slides in steps of `windowMs / 10`). */
  windowMs: number;
  /** Calls the window must hold before the failure rate is judged. */
  minimumCalls: number;
  /** A success slower than this counts as a failure; `null` turns it off. */
  slowCallMs: number | null;
  /** Open duration multiplier per consecutive re-trip (a failed half-open probe). 1 = no growth. */
  backoffFactor: number;
  /** Upper bound of the grown open duration (a provider's Retry-After may still exceed it). */
  maxOpenMs: number;
  /** Whether the open duration is stretched to a failure's `retryAfterMs` hint. */
  honorRetryAfter: boolean;
  /** Error types that count as failures; other failures count as neither success nor failure. */
  countedErrors: LLMErrorType[];
}

/** The machine's defaults: the values `createCircuitBreaker` documents. */
export const defaultBreakerMachineConfig = {
  failureThreshold: 5,
  successThreshold: 2,
  openMs: 1_000,
  halfOpenMaxCalls: 3,
  failureRateThreshold: null,
  windowMs: 60_000,
  minimumCalls: 10,
  slowCallMs: null,
  backoffFactor: 2,
  maxOpenMs: 60_000,
  honorRetryAfter: true,
  countedErrors: ['provider_error', 'timeout', 'unknown'],
} satisfies BreakerMachineConfig;

export { WINDOW_BUCKETS } from './breaker-rules.js';

/** Calls and failures of one slice (`windowMs / WINDOW_BUCKETS` long) of the sliding window. */
export interface WindowBucket {
  /** Start time of the slice. */
  start: number;
  calls: number;
  failures: number;
}

/** The answer to the last `breaker.acquire`, read synchronously by the runtime after sending it. */
export type BreakerDecision =
  | { allowed: true; period: number; at: number }
  | { allowed: false; code: 'circuit_open' | 'forced_open'; retryAfterMs: number | null; at: number };

/** Why the breaker last changed state (shown by `onTransition` and the inspector). */
export type BreakerReason =
  | 'initial'
  | 'failure_threshold'
  | 'failure_rate'
  | 'probe_failed'
  | 'open_elapsed'
  | 'probes_succeeded'
  | 'forced_open'
  | 'disabled'
  | 'reset';

/** The machine's context: counters, the window and the open-period bookkeeping. Serializable. */
export interface BreakerContext {
  config: BreakerMachineConfig;
  /** Bumped on every state change; outcomes of permits from an older period are ignored. */
  period: number;
  consecutiveFailures: number;
  window: WindowBucket[];
  /** Latest time a counted failure's Retry-After points at in this period, or null. */
  hintUntil: number | null;
  halfOpenSuccesses: number;
  /** Counted probe failures of this half-open period (reopens once above what the round tolerates). */
  halfOpenFailures: number;
  /** Half-open probes holding a permit. */
  inFlight: number;
  /** Consecutive re-trips (failed half-open probes) since the circuit last closed. */
  reopens: number;
  openedAt: number | null;
  openUntil: number | null;
  /** Delay the pending `openDuration` timer was armed with. */
  openDelayMs: number;
  /** Total trips (closed or half-open to open) since creation. */
  trips: number;
  changedAt: number;
  reason: BreakerReason;
  lastDecision: BreakerDecision | null;
  /**
   * Who decides trips and closes: `local` (this actor counts and decides) or `store` (a shared
   * breaker store's state decides and the actor mirrors it through `breaker.sync`). Only the
   * shared machine ever sets `store`; it falls back to `local` on `breaker.storeLost`.
   */
  source: BreakerSource;
  /** Half-open probe permits reserved from the store and not yet used (store source only). */
  probeAllowance: number;
}

/** Who decides a breaker's state changes: this actor, or the shared store it mirrors. */
export type BreakerSource = 'local' | 'store';

/** The shared state a store reports, as carried by `breaker.sync`. Durations, never absolute times. */
export interface BreakerSyncState {
  state: BreakerStateName;
  /** Time left until half-open when `state` is `open` (by the store's clock), else null. */
  remainingMs: number | null;
  reason: BreakerReason;
  trips: number;
  reopens: number;
}

/** Fields every timed event carries: the runtime's clock reading. */
interface Timed {
  at: number;
}

/** Events the breaker accepts. Times come in on events, so the machine itself never reads a clock. */
export type BreakerEvent =
  | ({ type: 'breaker.acquire' } & Timed)
  | ({ type: 'breaker.release'; period: number } & Timed)
  | ({ type: 'breaker.success'; period: number; durationMs: number } & Timed)
  | ({
      type: 'breaker.failure';
      period: number;
      durationMs: number;
      errorType: LLMErrorType;
      retryAfterMs?: number | undefined;
    } & Timed)
  | ({ type: 'breaker.forceOpen' } & Timed)
  | ({ type: 'breaker.disable' } & Timed)
  | ({ type: 'breaker.reset' } & Timed)
  | ({ type: 'breaker.restore' } & Timed)
  /** The shared store's state, received by a breaker that mirrors a store. */
  | ({ type: 'breaker.sync' } & BreakerSyncState & Timed)
  /** The store reserved one half-open probe permit for this process. */
  | ({ type: 'breaker.probeGranted' } & Timed)
  /** The store is unreachable: decide locally until the next `breaker.sync`. */
  | ({ type: 'breaker.storeLost' } & Timed);

/** An outcome event: `breaker.success` or `breaker.failure`. */
export type BreakerOutcomeEvent = Extract<BreakerEvent, { type: 'breaker.success' | 'breaker.failure' }>;

/** Input of the machine: any part of the config (the rest comes from {@link defaultBreakerMachineConfig}). */
export interface BreakerMachineInput {
  config?: Partial<BreakerMachineConfig>;
  /** Clock reading at creation. @default 0 */
  at?: number;
}

/** Names of the machine's top-level states. */
export type BreakerStateName = 'closed' | 'open' | 'halfOpen' | 'forcedOpen' | 'disabled';
