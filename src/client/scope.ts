/**
 * Per-call state the runtime keeps outside the statechart: what cannot be serialized (the schema, the
 * caller's signal, breaker permits, the original thrown errors).
 */
import type { z } from 'zod';
import type { BreakerPermit } from '../breaker/types.js';
import type { LLMError, LLMErrorType } from '../errors/llm-error.js';
import type { LLMRequest, ToolCall, ToolCallStreamEvent } from '../types.js';
import type { CallRequest } from './call-request.js';
import type { Replay } from './replay.js';

/** The attempt in flight (`attempt-actions.ts`): its abort, and whether it settled or was stopped. */
export interface RunningAttempt {
  readonly controller: AbortController;
  /** Settled (its event sent) or stopped (aborted): either way it reports nothing more. */
  over: boolean;
}

/** Runtime-only state of one call, keyed by request id. */
export interface CallScope {
  readonly requestId: string;
  readonly request: LLMRequest;
  readonly schema: z.ZodType | undefined;
  readonly cacheKey: string | undefined;
  readonly deadlineAt: number;
  /** Set when the caller aborted: in-flight permits go back as cancelled, not failed. */
  callerAborted: boolean;
  /** A permit taken while selecting, handed to the first attempt on that provider. */
  heldPermit: { providerId: string; permit: BreakerPermit } | undefined;
  /** Providers skipped by their breaker in this call (recorded once). */
  readonly skipped: Set<string>;
  /** Last error type per provider, to pick who may take the simplified prompt. */
  readonly lastErrorByProvider: Map<string, LLMErrorType>;
  /** The last error as thrown, kept as the `cause` of the call's final error. */
  lastError: LLMError | undefined;
  /** The fast path's first attempt, when the statechart took the call over from it. */
  readonly replay: Replay | undefined;
  /** The attempt `callProvider` started and `stopAttempt` has not stopped (undefined between attempts). */
  attempt?: RunningAttempt | undefined;
  /** Attempts of this call waiting on a provider now (more than one only while a hedge races). */
  attemptsRunning: number;
  /** Answers that won this call's attempts so far; an attempt stopped after one arrived lost a race. */
  answers: number;
  /** What `schemaTarget` the schema checks. @default 'text' */
  readonly schemaTarget: CallRequest['schemaTarget'];
  /** The caller's per-call headers, sent with every attempt. */
  readonly headers: Record<string, string> | undefined;
  /** Providers that cannot take this request (images sent to a provider without vision), skipped once. */
  readonly incapable: readonly string[];
  /** Tool calls of the answer being validated (the statechart keeps only its text). */
  toolCalls: ToolCall[] | undefined;
  /** Streaming: where tokens (strings) and tool-call events go, in order, as they arrive. */
  readonly sink: ((part: string | ToolCallStreamEvent) => void) | undefined;
}
