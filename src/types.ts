/**
 * The shapes shared by providers, caches and the client. Names here are part of the public contract.
 */
import type { LLMRequest, Usage } from '../machines/vocabulary.js';
import type { LLMError } from './errors/llm-error.js';
import type { RateLimitInfo } from './errors/rate-limit-headers.js';

export type { LLMRequest, Message, Role, Usage } from '../machines/vocabulary.js';

/** What a provider's `call` resolves with. */
export interface ProviderResult {
  text: string;
  model?: string;
  finishReason?: string;
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
}

/** One event of a provider's stream: a text delta, then a final `done`. */
export type ProviderStreamEvent =
  | { type: 'delta'; text: string }
  | { type: 'done'; model?: string; finishReason?: string; usage?: Usage };

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
