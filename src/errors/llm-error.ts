/**
 * The one error type of resilient-llm. Every failure — a provider's HTTP error, a timeout, a schema
 * mismatch, an open circuit, the caller's abort — surfaces as an {@link LLMError} whose `type` says what
 * the request lifecycle does about it (see the taxonomy table in the README).
 *
 * Nothing secret leaves through an `LLMError`: the message (and so the stack) is passed through
 * `redactSecrets` at construction, and the kept `cause` is a redacted copy (`redactedCopy`), so
 * `util.inspect(err)` and `console.error(err)` print no key. The original cause is reachable only on
 * purpose, through {@link LLMError.originalCause}. `retryAfterMs` is clamped by `clampRetryAfterMs`.
 */
import { defaultRetryable, type LLMErrorType, type SerializedLLMError } from '../../machines/vocabulary.js';
import type { RateLimitInfo } from './rate-limit-headers.js';
import { redactSecrets } from './redact.js';
import { redactedCopy } from './redact-value.js';
import { clampRetryAfterMs } from './retry-after.js';

export {
  defaultRetryable,
  isLLMErrorType,
  LLM_ERROR_TYPES,
  type LLMErrorType,
  type SerializedLLMError,
} from '../../machines/vocabulary.js';

/** Fields accepted by the {@link LLMError} constructor. */
export interface LLMErrorOptions {
  /** Taxonomy type. */
  type: LLMErrorType;
  /** Human-readable message (may contain provider text: never send it to API consumers as is). */
  message?: string;
  /** Whether the same provider may succeed on retry. @default defaultRetryable[type] */
  retryable?: boolean;
  /**
   * How long the provider asked us to wait, in milliseconds; clamped to `0..MAX_RETRY_AFTER_MS` (a negative
   * or non-finite value is dropped). @default undefined
   */
  retryAfterMs?: number | undefined;
  /** Id of the provider that failed. @default undefined */
  provider?: string | undefined;
  /** Model that failed. @default undefined */
  model?: string | undefined;
  /** HTTP status, when there was one. @default undefined */
  status?: number | undefined;
  /** Finer machine-readable reason, e.g. `insufficient_quota`, `circuit_open`, `overloaded`. @default undefined */
  code?: string | undefined;
  /** Text already streamed before a mid-stream failure. @default undefined */
  partialText?: string | undefined;
  /** The provider's rate-limit headroom, from the error's rate-limit headers. @default undefined */
  rateLimit?: RateLimitInfo | undefined;
  /**
   * The original thrown value or payload. The error keeps a redacted copy as `cause`; the value given here
   * is returned by {@link LLMError.originalCause}. @default undefined
   */
  cause?: unknown;
}

const BRAND = Symbol.for('resilient-llm.LLMError');
/** Original causes, outside the error object so that no inspector or logger can reach them by walking it. */
const originals = new WeakMap<LLMError, unknown>();

/** The error every resilient-llm API throws or reports. Use {@link LLMError.is} rather than `instanceof`. */
export class LLMError extends Error {
  /** Taxonomy type. */
  readonly type: LLMErrorType;
  /** Whether the same provider may succeed on retry. */
  readonly retryable: boolean;
  /** How long to wait before retrying, in milliseconds, when known. */
  readonly retryAfterMs: number | undefined;
  /** Id of the provider that failed. */
  readonly provider: string | undefined;
  /** Model that failed. */
  readonly model: string | undefined;
  /** HTTP status, when there was one. */
  readonly status: number | undefined;
  /** Finer machine-readable reason. */
  readonly code: string | undefined;
  /** Text already streamed before a mid-stream failure. */
  readonly partialText: string | undefined;
  /** The provider's rate-limit headroom as the error's headers reported it, when they did. */
  readonly rateLimit: RateLimitInfo | undefined;

  constructor(options: LLMErrorOptions) {
    super(
      redactSecrets(options.message ?? options.type),
      options.cause === undefined ? undefined : { cause: redactedCopy(options.cause) },
    );
    if (options.cause !== undefined) originals.set(this, options.cause);
    this.name = 'LLMError';
    this.type = options.type;
    this.retryable = options.retryable ?? defaultRetryable[options.type];
    this.retryAfterMs = clampRetryAfterMs(options.retryAfterMs);
    this.provider = options.provider;
    this.model = options.model;
    this.status = options.status;
    this.code = options.code;
    this.partialText = options.partialText;
    this.rateLimit = options.rateLimit;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for any `LLMError`, including one created by another copy of this package. */
  static is(value: unknown): value is LLMError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /**
   * The cause exactly as it was given, unredacted: it may hold credentials (an SDK error echoing the key,
   * request headers). `err.cause` is the redacted copy; call this only to debug locally.
   */
  originalCause(): unknown {
    return originals.has(this) ? originals.get(this) : this.cause;
  }

  /** A copy with some fields replaced (errors are immutable). */
  with(changes: Partial<LLMErrorOptions>): LLMError {
    return new LLMError({ ...this.toOptions(), ...changes });
  }

  /** Serializable form: no cause, no stack. */
  toJSON(): SerializedLLMError {
    const json: SerializedLLMError = {
      name: 'LLMError',
      type: this.type,
      message: this.message,
      retryable: this.retryable,
    };
    if (this.retryAfterMs !== undefined) json.retryAfterMs = this.retryAfterMs;
    if (this.provider !== undefined) json.provider = this.provider;
    if (this.model !== undefined) json.model = this.model;
    if (this.status !== undefined) json.status = this.status;
    if (this.code !== undefined) json.code = this.code;
    return json;
  }

  private toOptions(): LLMErrorOptions {
    return {
      type: this.type,
      message: this.message,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      provider: this.provider,
      model: this.model,
      status: this.status,
      code: this.code,
      partialText: this.partialText,
      rateLimit: this.rateLimit,
      cause: this.originalCause(),
    };
  }
}
