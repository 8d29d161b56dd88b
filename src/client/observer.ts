/**
 * The one interface through which the client reports what happens (telemetry and observation hooks live in
 * `src/telemetry/`). Both paths of a call report through the same few points: providers are wrapped once
 * (every attempt, fast path or statechart, goes through them), a call is observed from `runCall` to its
 * settlement, and the statechart's steps carry its attempt records and decisions.
 */
import type { AnyMachineSnapshot } from 'xstate';
import type { AttemptRecord } from '../../machines/request-types.js';
import type { BreakerTransition } from '../breaker/types.js';
import type { LLMError } from '../errors/llm-error.js';
import type { LLMRequest, Provider } from '../types.js';
import type { CallResult } from './call-request.js';

/** Where the statechart is after a step, as far as observation cares. */
export interface StepInfo {
  /** Still trying providers (an answer's record may yet turn out invalid). */
  active: boolean;
  /** The backoff planned by the latest decision (ms). */
  backoffMs: number;
  /** The degradation step being taken, if any. */
  degrading: string | undefined;
}

/** One call, observed. */
export interface CallObservation {
  /** The statechart took a step: the attempt records so far (append-only, the last one may be replaced). */
  step(attempts: readonly AttemptRecord[], info: StepInfo): void;
  succeeded(result: CallResult<unknown>): void;
  failed(error: LLMError): void;
}

/** What the client reports to. */
export interface ClientObserver {
  /** The provider as the client calls it: attempts of observed calls are seen (same `id`, `stream` kept). */
  provider(provider: Provider): Provider;
  /** A call started; undefined when nothing listens right now (then the call costs nothing more). */
  callStarted(
    requestId: string,
    mode: 'call' | 'stream',
    startedAt: number,
    request: LLMRequest,
    /** The call's `metadata`, passed to every hook event. */
    metadata?: Record<string, unknown>,
  ): CallObservation | undefined;
  /** The observation of a call in flight. */
  call(requestId: string): CallObservation | undefined;
  breakerTransition(provider: string, transition: BreakerTransition): void;
  /** The client stopped: drop callbacks, end open breaker spans. */
  stop(): void;
}

/** Reads what observation needs from a request actor's snapshot. */
export function stepInfo(snapshot: AnyMachineSnapshot): StepInfo {
  const value = snapshot.value as string | Record<string, unknown>;
  const degrading = typeof value === 'object' ? value.degrading : undefined;
  return {
    active: typeof value === 'object' && 'active' in value,
    backoffMs: (snapshot.context as { backoffMs?: number }).backoffMs ?? 0,
    degrading: typeof degrading === 'string' ? degrading : undefined,
  };
}

/** Observes a promise of a call's result. */
export function observeSettlement<T>(
  observation: CallObservation,
  promise: Promise<CallResult<T>>,
): Promise<CallResult<T>> {
  return promise.then(
    (result) => {
      observation.succeeded(result as CallResult<unknown>);
      return result;
    },
    (error: unknown) => {
      observation.failed(error as LLMError);
      throw error;
    },
  );
}
