/**
 * What the provider adapters share: the common options and their validation, per-attempt headers, usage,
 * and the errors an adapter raises itself (content filtered, cut-off stream, malformed body, abort).
 */
import { z } from 'zod';
import { LLMError } from '../errors/llm-error.js';
import { registerSecret } from '../errors/secrets.js';
import type { FinishReason, Message, ProviderCallOptions, Usage } from '../types.js';

/** Options every adapter accepts. */
export interface BaseProviderOptions {
  /** Unique provider id (breakers, results, logs). @default the adapter's name, e.g. `'openai'` */
  id?: string;
  /** Lower is tried first. @default 0 */
  priority?: number;
  /** Disabled providers are skipped. @default true */
  enabled?: boolean;
  /** Context window in tokens, for truncation before sending. @default undefined (not checked) */
  contextWindow?: number;
  /** Receives configuration warnings (e.g. SDK retries left on). @default console.warn */
  onWarning?: (message: string) => void;
  /**
   * More credentials to scrub by value from every error, log field and inspector frame, e.g. the key an
   * AI SDK provider was created with (the adapters already register the key their client or options hold).
   * @default []
   */
  secrets?: readonly string[];
}

/** Per-request options the official SDKs (`openai`, `@anthropic-ai/sdk`) accept as their second argument. */
export interface SdkRequestOptions {
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

const isFunction = (value: unknown) => typeof value === 'function';

/** zod shape of {@link BaseProviderOptions}, to extend per adapter. */
export const baseProviderShape = {
  id: z.string().min(1, 'id must be a non-empty string').optional(),
  priority: z.number().finite().optional(),
  enabled: z.boolean().optional(),
  contextWindow: z.number().int().positive().optional(),
  onWarning: z
    .custom<(message: string) => void>(isFunction, { message: 'onWarning must be a function' })
    .optional(),
  // Never echoed: a bad entry is reported by rule, not by value.
  secrets: z.array(z.string({ error: 'secrets must be strings' })).optional(),
};

/**
 * Hands the credentials an adapter knows to the redactor: `options.secrets` and the `apiKey` / `authToken`
 * an SDK client exposes (`new OpenAI(...)`, `new Anthropic(...)`). Read guarded: a throwing getter is skipped.
 */
export function registerCredentials(options: BaseProviderOptions, client?: unknown): void {
  for (const secret of options.secrets ?? []) registerSecret(secret);
  if ((typeof client !== 'object' && typeof client !== 'function') || client === null) return;
  for (const key of ['apiKey', 'authToken']) {
    try {
      registerSecret((client as Record<string, unknown>)[key]);
    } catch {
      // A getter that throws holds nothing we can scrub.
    }
  }
}

/** A zod check that `path` (dot separated) on a value is a function, e.g. `chat.completions.create`. */
export function hasMethod(value: unknown, path: string): boolean {
  let node: unknown = value;
  for (const key of path.split('.')) {
    if ((typeof node !== 'object' && typeof node !== 'function') || node === null) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return isFunction(node);
}

/** Validates adapter options once; throws one `TypeError` naming every bad field. */
export function validateOptions(schema: z.ZodType, value: unknown, label: string): void {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new TypeError(`Invalid ${label} options: ${z.prettifyError(parsed.error)}`);
}

/** The `id`/`priority`/`enabled`/`contextWindow` part of a provider, with defaults applied. */
export function providerIdentity(options: BaseProviderOptions, defaultId: string) {
  return {
    id: options.id ?? defaultId,
    priority: options.priority ?? 0,
    enabled: options.enabled ?? true,
    ...(options.contextWindow === undefined ? {} : { contextWindow: options.contextWindow }),
  };
}

/** Headers every adapter sends: `x-request-id` and `x-attempt`, when known. */
export function attemptHeaders(options: ProviderCallOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  if (options.requestId !== undefined) headers['x-request-id'] = options.requestId;
  if (options.attempt !== undefined) headers['x-attempt'] = String(options.attempt);
  return headers;
}

/** Second argument for an SDK call: the signal and the attempt headers. */
export function sdkRequestOptions(options: ProviderCallOptions): SdkRequestOptions {
  return { signal: options.signal, headers: attemptHeaders(options) };
}

/** Warns (once, at construction) when an SDK client would retry on its own. */
export function warnAboutSdkRetries(
  client: { maxRetries?: unknown },
  label: string,
  options: BaseProviderOptions,
): void {
  const retries = client.maxRetries;
  if (typeof retries !== 'number' || retries === 0) return;
  const warn = options.onWarning ?? ((message: string) => console.warn(message));
  warn(
    `resilient-llm: the ${label} client has maxRetries=${retries}; create it with maxRetries: 0. ` +
      'resilient-llm owns retries: SDK retries multiply attempts and hide failures from the circuit breaker.',
  );
}

/** A {@link Usage} from two token counts, or undefined when neither is a number. */
export function toUsage(input: unknown, output: unknown): Usage | undefined {
  const usage: Usage = {};
  if (typeof input === 'number') usage.inputTokens = input;
  if (typeof output === 'number') usage.outputTokens = output;
  return usage.inputTokens === undefined && usage.outputTokens === undefined ? undefined : usage;
}

const FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  stop: 'stop',
  end_turn: 'stop',
  stop_sequence: 'stop',
  completed: 'stop',
  pause_turn: 'other',
  length: 'length',
  max_tokens: 'length',
  max_output_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_calls: 'tool-calls',
  function_call: 'tool-calls',
  tool_use: 'tool-calls',
  content_filter: 'content-filter',
  refusal: 'content-filter',
  failed: 'error',
  error: 'error',
};

/** A provider's own finish reason (`end_turn`, `tool_calls`, `max_output_tokens`, …) in the shared vocabulary. */
export function toFinishReason(raw: string): FinishReason {
  return FINISH_REASONS[raw] ?? 'other';
}

/** Splits system messages (joined with blank lines) from the conversation, for APIs with a separate `system`. */
export function splitSystem(messages: readonly Message[]): { system: string | undefined; rest: Message[] } {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content);
  return {
    system: system.length === 0 ? undefined : system.join('\n\n'),
    rest: messages.filter((m) => m.role !== 'system'),
  };
}

/** Context of an adapter-raised error. */
export interface ErrorContext {
  provider: string;
  model: string | undefined;
  partialText?: string;
  cause?: unknown;
}

function withContext(ctx: ErrorContext) {
  return {
    provider: ctx.provider,
    model: ctx.model,
    ...(ctx.partialText ? { partialText: ctx.partialText } : {}),
    ...(ctx.cause === undefined ? {} : { cause: ctx.cause }),
  };
}

/** A 200 answer that a content filter blocked or the model refused. */
export function contentFiltered(ctx: ErrorContext, code: 'content_filter' | 'refusal'): LLMError {
  const message =
    code === 'refusal' ? 'The model refused to answer.' : 'The answer was blocked by a content filter.';
  return new LLMError({ type: 'content_filtered', message, status: 200, code, ...withContext(ctx) });
}

/** A stream that ended without its final event (connection cut, server gave up). */
export function truncatedStream(ctx: ErrorContext): LLMError {
  const message = 'The stream ended before the provider finished the answer.';
  return new LLMError({ type: 'provider_error', message, code: 'stream_truncated', ...withContext(ctx) });
}

/** A 200 whose body is not valid JSON (cut off or garbled in transit). */
export function malformedBody(ctx: ErrorContext): LLMError {
  const message = 'The provider sent a malformed response body.';
  return new LLMError({
    type: 'provider_error',
    message,
    status: 200,
    code: 'malformed_body',
    ...withContext(ctx),
  });
}

/** Rethrows a JSON `SyntaxError` from a client as {@link malformedBody}; anything else unchanged. */
export function refineClientError(error: unknown, ctx: ErrorContext): unknown {
  return error instanceof SyntaxError ? malformedBody({ ...ctx, cause: error }) : error;
}

/** What to throw when the signal aborted: its reason, or an `AbortError`. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
