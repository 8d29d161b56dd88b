/**
 * The shapes shared by providers, caches and the client. Names here are part of the public contract.
 */
import type { FinishReason, LLMRequest, ToolCall, Usage } from '../machines/vocabulary.js';
import type { LLMError } from './errors/llm-error.js';
import type { RateLimitInfo } from './errors/rate-limit-headers.js';

export type {
  AssistantMessage,
  ContentPart,
  FinishReason,
  ImagePart,
  JsonSchema,
  LLMRequest,
  Message,
  ResponseFormat,
  Role,
  SystemMessage,
  TextPart,
  ToolCall,
  ToolChoice,
  ToolDefinition,
  ToolMessage,
  Usage,
  UserMessage,
} from '../machines/vocabulary.js';
export { contentText, outputTokenLimit } from '../machines/vocabulary.js';

/** What a provider's `call` resolves with. */
export interface ProviderResult {
  /** The answer's text ('' when the model only called tools). */
  text: string;
  /** Tools the model asked to call. @default undefined (none) */
  toolCalls?: ToolCall[];
  /** Why the model stopped, normalized. */
  finishReason?: FinishReason;
  /** The provider's own finish reason, e.g. `'end_turn'`, `'tool_calls'`. */
  rawFinishReason?: string;
  /** The model that answered (as the provider reports it). */
  model?: string;
  usage?: Usage;
  /**
   * The provider's rate-limit headroom from the answer's headers (`x-ratelimit-remaining-*`,
   * `anthropic-ratelimit-*-remaining`); the adapters set it, and routing sheds calls before 429s start.
   */
  rateLimit?: RateLimitInfo;
}

/** Per-attempt options the lifecycle hands a provider. */
export interface ProviderCallOptions {
  /** Aborts when the attempt times out, the total deadline passes or the caller aborts. */
  signal: AbortSignal;
  /** Stable id of the logical call (same across attempts and providers). */
  requestId?: string;
  /** 1-based attempt number on this provider within the call. */
  attempt?: number;
  /** Headers the caller asked to send with this call (`call({ headers })`); adapters pass them to the SDK. */
  headers?: Record<string, string>;
}

/**
 * One event of a provider's stream: text deltas and tool-call deltas (interleaved), each tool call once
 * complete as `tool-call`, then a final `done`.
 */
export type ProviderStreamEvent =
  | { type: 'delta'; text: string }
  /** A piece of tool call `index`'s JSON input; `id` and `name` come with its first delta. */
  | { type: 'tool-call-delta'; index: number; id?: string; name?: string; inputDelta: string }
  /** A complete tool call (its input parsed), emitted once its input is complete. */
  | { type: 'tool-call'; toolCall: ToolCall }
  | {
      type: 'done';
      model?: string;
      finishReason?: FinishReason;
      rawFinishReason?: string;
      usage?: Usage;
    };

/**
 * A tool call as `llm.stream().events()` reports it while it streams: `tool-call-start` (its id and tool name),
 * zero or more `tool-call-delta` pieces of its JSON input (joined in order, they are the input's JSON text), then
 * `tool-call-end` with the whole call, its input parsed. Calls are told apart by `id`; text may come between.
 */
export type ToolCallStreamEvent =
  | { type: 'tool-call-start'; id: string; name: string }
  | { type: 'tool-call-delta'; id: string; inputDelta: string }
  | { type: 'tool-call-end'; toolCall: ToolCall };

/**
 * One event of `llm.stream().events()`: a text token, or a {@link ToolCallStreamEvent}, in the order the
 * provider streamed them. Once one has reached the caller, the stream never switches provider silently: a
 * failure ends it with the error (a text-only stream may resume elsewhere with `resumeOnFailure`; one that
 * streamed tool-call events does not, since half a tool call cannot be continued by another model).
 */
export type LLMStreamEvent = { type: 'text'; text: string } | ToolCallStreamEvent;

/** What a provider can take; a request needing a capability the provider lacks is not sent to it. */
export interface ProviderCapabilities {
  /** Image parts in user messages. @default undefined (unknown: allowed) */
  vision?: boolean;
  /** Tool definitions and tool calls. @default undefined (unknown: allowed) */
  tools?: boolean;
  /** `responseFormat: 'json'` or a JSON schema. @default undefined (unknown: allowed) */
  json?: boolean;
}

/**
 * An LLM backend. `call` resolves a result or throws whatever its client throws; the lifecycle
 * classifies the throw into an {@link LLMError} (through `classify` when given, else `classifyError`).
 */
export interface Provider {
  /** Unique id, used in results, breakers and logs. */
  id: string;
  /** Lower is tried first. @default 0 */
  priority?: number;
  /** Disabled providers are skipped. @default true */
  enabled?: boolean;
  /** Context window in tokens; when set, requests are checked (and truncated) before sending. @default undefined */
  contextWindow?: number;
  /** The model it requests (telemetry's `gen_ai.request.model`); the adapters set it. @default undefined */
  model?: string;
  /** What it can take (the adapters set it); unknown capabilities are allowed. @default undefined */
  capabilities?: ProviderCapabilities;
  /** Sends one request. */
  call(request: LLMRequest, options: ProviderCallOptions): Promise<ProviderResult>;
  /** Streams one request as text deltas then `done`; throws (or the iterator throws) on failure. */
  stream?(request: LLMRequest, options: ProviderCallOptions): AsyncIterable<ProviderStreamEvent>;
  /** Provider-specific classification of a thrown value; return undefined to use `classifyError`. */
  classify?(error: unknown): LLMError | undefined;
}

/** An answer kept by a {@link Cache}: only schema-valid answers are ever stored. */
export interface CachedAnswer {
  text: string;
  data: unknown;
  provider: string;
  model?: string;
  /** Clock time (ms) when it was stored. */
  storedAt: number;
}

/** Where degraded calls look for an earlier good answer. `memoryCache()` and `redisCache()` implement it. */
export interface Cache {
  get(key: string): Promise<CachedAnswer | undefined>;
  set(key: string, value: CachedAnswer): Promise<void>;
  delete(key: string): Promise<void>;
}
