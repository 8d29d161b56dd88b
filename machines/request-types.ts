/**
 * Types of the request-lifecycle statechart: its input, context, events, actor contracts and output.
 * Everything here is serializable data; non-serializable things (schemas, signals, clients) stay in the
 * runtime that provides the actors, keyed by `requestId`.
 */
import type {
  FinishReason,
  LLMErrorType,
  LLMRequest,
  SerializedLLMError,
  ToolCall,
  Usage,
} from './vocabulary.js';

/** Where an answer came from. */
export type AnswerSource = 'primary' | 'cache' | 'simplified' | 'fallback';

/** What the lifecycle decided after an attempt (or a skipped provider). */
export type AttemptDecision =
  | 'succeeded'
  | 'backoff'
  | 'retry'
  | 'reprompt'
  | 'rewrite'
  | 'truncate'
  | 'failover'
  | 'fail'
  | 'skipped'
  | 'degrade'
  | 'resume'
  | 'hedge';

/** One entry of a call's history: an attempt on a provider, or a provider skipped by its breaker. */
export interface AttemptRecord {
  provider: string;
  /** 1-based attempt number on that provider within the call (0 for a skipped provider). */
  attempt: number;
  /** Clock time the attempt started. */
  startedAt: number;
  durationMs: number;
  /**
   * `success`, the error type, `skipped` when the breaker refused a permit (or a hedge was refused), or
   * `cancelled` for the losing attempt of a hedged race (aborted through its signal, never a breaker failure).
   */
  outcome: 'success' | 'skipped' | 'cancelled' | LLMErrorType;
  /** What the lifecycle did next. */
  decision: AttemptDecision;
  /** Machine-readable detail: `circuit_open`, `disabled`, an error code. */
  code?: string;
  retryAfterMs?: number;
  /** Which path produced the attempt: the main flow, or the simplified prompt while degrading. */
  phase?: 'primary' | 'simplified';
  /** Tokens this attempt used, as the provider reported them (also for an answer that failed validation). */
  usage?: Usage;
  /** The model that answered (or, for a failure, the one asked). */
  model?: string;
  /** The failure's message, secrets scrubbed. */
  message?: string;
  /** Why the answer failed validation (the text the re-prompt sends back). */
  issues?: string;
  /** True for an attempt started as a hedge (racing the attempt in flight on another provider). */
  hedge?: true;
}

/** Hedging as a call runs with it (resolved from the client's `hedging` option). */
export interface HedgeSettings {
  /**
   * `latency`: hedge an attempt running past the hedge delay; `on-failure`: race after a first failure;
   * `both`: either, whichever comes first.
   */
  mode: 'latency' | 'on-failure' | 'both';
  /** Hedges per call at most. */
  maxHedges: number;
  /** The machine's own hedge delay (the runtime refines it from each provider's latency sketch). */
  delayMs: number;
}

/** Numeric settings a call runs with (resolved from the client's options). */
export interface RequestSettings {
  /** Attempts per provider within one call (first try included). */
  maxAttempts: number;
  /** Re-prompts after invalid output, per call. */
  maxReprompts: number;
  /** Retries on the same provider after a timeout. */
  timeoutRetries: number;
  /** Per-attempt deadline in ms. */
  attemptMs: number;
  /** Whole-call deadline in ms. */
  totalMs: number;
  /** Backoff base and cap in ms (the machine's default delay; the runtime adds jitter). */
  baseMs: number;
  maxMs: number;
  /** How backoff delays are randomised. */
  jitter: 'full' | 'decorrelated' | 'none';
  /** Rate limits: wait on the same provider only when no other can take the call (`lastResort`), or `always`. */
  rateLimitWait: 'lastResort' | 'always';
  /** Streaming: deadline for the first token of an attempt. */
  firstTokenMs: number;
  /** Streaming: longest silence between tokens once the stream has started. */
  idleMs: number;
  /** Hedged attempts (calls only, not streams); absent or null when hedging is off. */
  hedging?: HedgeSettings | null;
}

/** Which optional capabilities this call has. */
export interface RequestFeatures {
  schema: boolean;
  cache: boolean;
  simplified: boolean;
  rewrite: boolean;
  truncate: boolean;
  /** Streaming: after a mid-stream failure, continue on the next provider with the partial answer as context. */
  resumeStream: boolean;
}

/** Input to `requestMachine` (one actor per call). */
export interface RequestInput {
  requestId: string;
  request: LLMRequest;
  settings: RequestSettings;
  features: RequestFeatures;
  /** Number of providers that could serve this call (enabled at call start). */
  providerCount: number;
  /** Clock time at call start. */
  startedAt: number;
  /** Static answer of last resort, or null when the call should fail instead. */
  fallback: string | null;
  /** `call` waits for whole answers; `stream` forwards tokens as they arrive. */
  mode: 'call' | 'stream';
  /** The caller's `metadata` (never sent to providers): kept in the context so the inspector shows it. */
  metadata?: Record<string, unknown> | undefined;
}

/** The provider currently in use. */
export interface ProviderRef {
  id: string;
  contextWindow?: number;
}

/** A successful answer. */
export interface AnswerInfo {
  text: string;
  data: unknown;
  source: AnswerSource;
  provider?: string;
  model?: string;
  usage?: Usage;
  toolCalls?: ToolCall[];
  finishReason?: FinishReason;
}

/** Context of `requestMachine`. */
export interface RequestContext extends RequestInput {
  deadlineAt: number;
  /** Latest clock time the machine has heard of (times arrive on events; machines never read a clock). */
  clockMs: number;
  /** The request before per-provider changes (re-prompts); rewrites replace it. */
  base: LLMRequest;
  provider: ProviderRef | null;
  /** Other providers able to take the call when this one was selected. */
  alternatives: number;
  excluded: string[];
  attemptsOnProvider: number;
  timeoutsOnProvider: number;
  truncated: boolean;
  rewritten: boolean;
  reprompts: number;
  totalAttempts: number;
  attemptStartedAt: number;
  /**
   * When the attempt window in flight ends (its `attemptTimeout` fires): set as `attempting` is entered. A
   * retry started beside a running hedge stays in the same window, so it keeps this instant.
   */
  attemptDeadlineAt: number;
  lastText: string | null;
  lastValidation: string | null;
  lastError: SerializedLLMError | null;
  deadlinePassed: boolean;
  attempts: AttemptRecord[];
  answer: AnswerInfo | null;
  error: SerializedLLMError | null;
  /** Streaming: text already forwarded to the caller in this call (kept across a resumed failover). */
  streamedText: string;
  /** Streaming: text forwarded by the current attempt. */
  attemptText: string;
  /** Streaming: tool-call events of the current attempt reached the caller (a half tool call cannot be resumed). */
  attemptToolCalls: boolean;
  /** The wait planned for the current backoff (the machine knows exactly how long it waited). */
  backoffMs: number;
  /** The previous backoff on this provider (decorrelated jitter grows from it). */
  previousBackoffMs: number | null;
  /** The uniform draw in [0, 1) that came with the last failure; jitter is computed from it. */
  draw: number;
  /** The hedge in flight (started, not settled), racing the attempt on `provider` or carrying on alone. */
  hedge: {
    provider: ProviderRef;
    startedAt: number /** When the attempt it raced times out. */;
    deadlineAt: number;
  } | null;
  /** Hedges started or refused in this call (at most `settings.hedging.maxHedges`). */
  hedges: number;
  /** The attempt on `provider` is still running (false once it failed and a hedge carries on). */
  primaryRunning: boolean;
  /** `on-failure` hedging: the next attempt starts racing a hedge at once. */
  raceNow: boolean;
}

/**
 * Events of a request actor: the caller's abort, what the synchronous steps (selection, the fit check,
 * validation) report — the runtime's entry actions raise them in the same macrostep — and what a streaming
 * attempt or a hedge reports.
 */
export type RequestEvent =
  | { type: 'request.abort'; at?: number; reason?: string }
  | { type: 'select.done'; output: SelectOutput }
  | { type: 'prepare.done'; output: PrepareOutput }
  | { type: 'prepare.failed'; failure: ActorFailure }
  | { type: 'validate.done'; output: ValidateOutput }
  /** The attempt `callProvider` started answered (the answer's text, not yet validated). */
  | { type: 'attempt.done'; output: CallOutput }
  /** The attempt failed: the provider's error, classified, as a failure. */
  | { type: 'attempt.failed'; failure: ActorFailure }
  | { type: 'validate.failed'; failure: ActorFailure }
  /** A token (or, with `tool`, a tool-call event, `text` ''): it reached the caller and restarts the idle deadline. */
  | { type: 'stream.token'; text: string; at: number; tool?: boolean }
  | { type: 'stream.end'; output: CallOutput }
  | { type: 'stream.failed'; failure: ActorFailure }
  | { type: 'hedge.started'; provider: ProviderRef; at: number }
  | { type: 'hedge.refused'; provider: string | null; code: 'hedge_budget' | 'no_hedge_provider'; at: number }
  | { type: 'hedge.answered'; output: CallOutput }
  | { type: 'hedge.failed'; failure: ActorFailure };

/** What `selectProvider` reports (`select.done`): the next provider to try, and those skipped on the way. */
export interface SelectOutput {
  provider: ProviderRef | null;
  /** Other providers that could take the call right now (enabled, not excluded, circuit not open). */
  alternatives?: number;
  skipped: AttemptRecord[];
  at: number;
}

/** An attempt's answer: on `attempt.done` (and a stream's or a hedge's answer). */
export interface CallOutput {
  text: string;
  model?: string;
  usage?: Usage;
  toolCalls?: ToolCall[];
  finishReason?: FinishReason;
  at: number;
}

/** What `prepareRequest` reports (`prepare.done`). */
export interface PrepareOutput {
  request: LLMRequest;
  truncated: boolean;
  at: number;
}

/** What `validateOutput` reports (`validate.done`). */
export interface ValidateOutput {
  data: unknown;
  at: number;
}

/** Output of `readCache`. */
export interface CacheOutput {
  hit: { text: string; data: unknown; provider: string; model?: string } | null;
  at: number;
}

/** Output of `callSimplified`. */
export interface SimplifiedOutput {
  answer: AnswerInfo | null;
  attempts: AttemptRecord[];
  at: number;
}

/** Output of `rewritePrompt`: the rewritten request, or null for "no rewrite, fail over". */
export interface RewriteOutput {
  request: LLMRequest | null;
  at: number;
}

/** What runtime actors reject with (and failed steps report); anything else thrown is read as an `unknown` error. */
export interface ActorFailure {
  error: SerializedLLMError;
  at: number;
  /** For `validateOutput`: the validation message to re-prompt with. */
  validation?: string;
  /** A uniform draw in [0, 1) for the backoff's jitter (randomness enters the machine as data). */
  draw?: number;
}

/** Final output of a request actor. */
export type RequestOutput =
  | { status: 'succeeded'; answer: AnswerInfo; attempts: AttemptRecord[]; finishedAt: number }
  | {
      status: 'failed';
      error: SerializedLLMError;
      attempts: AttemptRecord[];
      finishedAt: number;
      /** Streaming: what the caller already received before the failure. */
      partialText: string;
    };

/** Input of the `streamProvider` actor the runtime supplies. */
export interface CallInput {
  requestId: string;
  request: LLMRequest;
  provider: ProviderRef | null;
  attempt: number;
}
/** Input of `hedgeProvider`: the same request, on a provider not yet tried in this call. */
export interface HedgeInput {
  requestId: string;
  request: LLMRequest;
  /** Providers the hedge must not go to (the one in flight and those already left). */
  excluded: string[];
  /** True for a race after a failure, false for a hedge of a slow attempt (they may draw on different shares of the budget). */
  race: boolean;
}
export interface WriteCacheInput {
  requestId: string;
  answer: AnswerInfo | null;
}
export interface ReadCacheInput {
  requestId: string;
}
export interface RewriteInput {
  requestId: string;
  base: LLMRequest;
  lastError: SerializedLLMError | null;
}
export interface SimplifiedInput {
  requestId: string;
  excluded: string[];
  deadlineAt: number;
}
