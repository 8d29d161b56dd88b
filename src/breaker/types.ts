/**
 * The public shape of a circuit breaker: the API the request lifecycle consumes.
 */
import type { Actor } from 'xstate';
import type { circuitBreakerMachine } from '../../machines/circuit-breaker.js';
import type { BreakerReason, BreakerStateName } from '../../machines/circuit-breaker-types.js';
import type { LLMError } from '../errors/llm-error.js';
import type { RateLimitInfo } from '../errors/rate-limit-headers.js';
import type { BreakerSnapshot } from './snapshot.js';

export type { BreakerReason, BreakerStateName };

/** How a call made under a permit ended. */
export type BreakerOutcome =
  /** `rateLimit`: the answer's rate-limit headers, which routing's admission reads (the breaker ignores them). */
  | { kind: 'success'; durationMs: number; rateLimit?: RateLimitInfo | undefined }
  /** `error.type` decides whether it counts (see `countedErrors`); `error.retryAfterMs` may stretch `open`. */
  | { kind: 'failure'; error: LLMError; durationMs: number }
  /** An aborted call: the permit goes back and nothing is counted. */
  | { kind: 'cancelled' };

/** Permission to make one call. Release it exactly once with the outcome; later releases are ignored. */
export interface BreakerPermit {
  release(outcome: BreakerOutcome): void;
}

/** The answer of {@link CircuitBreaker.tryAcquire}. */
export type BreakerAcquireResult = { ok: true; permit: BreakerPermit } | { ok: false; error: LLMError };

/** A change of state, as reported to {@link CircuitBreaker.onTransition} listeners. */
export interface BreakerTransition {
  from: BreakerStateName;
  to: BreakerStateName;
  /** Clock time of the change. */
  at: number;
  reason: BreakerReason;
}

/** Options of {@link CircuitBreaker.execute}. */
export interface BreakerExecuteOptions {
  /** Aborting it releases the permit as `cancelled` and rejects with an `aborted` LLMError. */
  signal?: AbortSignal | undefined;
}

/** A running circuit breaker around one provider. Create it with `createCircuitBreaker`. */
export interface CircuitBreaker {
  /** The breaker's id (usually the provider id). */
  readonly id: string;
  /** The current state. */
  readonly state: BreakerStateName;
  /**
   * Synchronously asks for a permit. When refused, the error is an `LLMError` of type `provider_error`,
   * code `circuit_open` or `forced_open`, `retryable: false`, `retryAfterMs` = ms until half-open
   * (undefined when forced open or when every half-open probe slot is taken), `provider` = id.
   */
  tryAcquire(): BreakerAcquireResult;
  /**
   * Runs `fn` under a permit and releases it with the outcome. A throw of `fn` is reported as
   * `LLMError.is(e) ? e : new LLMError({ type: 'unknown', cause: e })` and rethrown in that form.
   */
  execute<T>(fn: (signal: AbortSignal) => Promise<T>, options?: BreakerExecuteOptions): Promise<T>;
  /** `fn` guarded by {@link CircuitBreaker.execute}. */
  wrap<A extends unknown[], T>(fn: (...args: A) => Promise<T>): (...args: A) => Promise<T>;
  /** Calls `listener` after every change of state; returns the unsubscribe function. */
  onTransition(listener: (transition: BreakerTransition) => void): () => void;
  /** A JSON-serializable copy of the state and context; pass it as `options.snapshot` to resume. */
  snapshot(): BreakerSnapshot;
  /** Milliseconds until half-open when open, else 0. */
  retryAfterMs(): number;
  /** Ops: reject everything (code `forced_open`) until {@link CircuitBreaker.reset}. */
  forceOpen(): void;
  /** Ops: turn protection off (let everything through, count nothing) until {@link CircuitBreaker.reset}. */
  disable(): void;
  /** Ops: back to `closed` with every counter cleared. */
  reset(): void;
  /** The underlying xstate actor, for inspection. */
  readonly actor: Actor<typeof circuitBreakerMachine>;
  /** Stops the actor; no timer is left pending. Later calls to `tryAcquire` throw. */
  stop(): void;
}
