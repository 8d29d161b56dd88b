/**
 * What the provider adapters share: the common options and their validation, per-attempt headers, usage,
 * and the errors an adapter raises itself (content filtered, cut-off stream, malformed body, abort).
 */
import { z } from 'zod';
import { LLMError } from '../errors/llm-error.js';
import { registerSecret } from '../errors/secrets.js';
import type {
  FinishReason,
  ImagePart,
  LLMRequest,
  Message,
  ProviderCallOptions,
  ProviderCapabilities,
  ProviderStreamEvent,
  ToolCall,
  Usage,
} from '../types.js';

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
  /**
   * What the model can take (e.g. `{ vision: false }` for a text-only model): a request with images is then
   * not sent to it. @default the adapter's (OpenAI and Anthropic: vision, tools, json; others unknown)
   */
  capabilities?: ProviderCapabilities;
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
  capabilities: z
    .strictObject({
      vision: z.boolean().optional(),
      tools: z.boolean().optional(),
      json: z.boolean().optional(),
    })
    .optional(),
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

/** The `id`/`priority`/`enabled`/`contextWindow`/`capabilities` part of a provider, with defaults applied. */
export function providerIdentity(
  options: BaseProviderOptions,
  defaultId: string,
  capabilities?: ProviderCapabilities,
) {
  const declared = { ...capabilities, ...options.capabilities };
  return {
    id: options.id ?? defaultId,
    priority: options.priority ?? 0,
    enabled: options.enabled ?? true,
    ...(options.contextWindow === undefined ? {} : { contextWindow: options.contextWindow }),
    ...(Object.keys(declared).length === 0 ? {} : { capabilities: declared }),
  };
}

/** Headers every adapter sends: `x-request-id` and `x-attempt`, when known. */
export function attemptHeaders(options: ProviderCallOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  if (options.requestId !== undefined) headers['x-request-id'] = options.requestId;
  if (options.attempt !== undefined) headers['x-attempt'] = String(options.attempt);
  return headers;
}

/** Second argument for an SDK call: the signal, the caller's per-call headers and the attempt headers. */
export function sdkRequestOptions(options: ProviderCallOptions): SdkRequestOptions {
  return { signal: options.signal, headers: { ...options.headers, ...attemptHeaders(options) } };
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

/** Parses a tool call's JSON arguments ('' is `{}`); unparsable arguments are an `invalid_response`. */
export function parseToolInput(json: string, ctx: ErrorContext, name: string): unknown {
  if (json.trim() === '') return {};
  try {
    return JSON.parse(json);
  } catch (error) {
    throw new LLMError({
      type: 'invalid_response',
      message: `The model's call of tool "${name}" has arguments that are not valid JSON.`,
      code: 'tool_input_not_json',
      ...withContext({ ...ctx, cause: error }),
    });
  }
}

/**
 * Collects streamed tool calls: each delta (by the wire's index) becomes a `tool-call-delta` event, and
 * `complete(index)` / `completeAll()` give the `tool-call` events once the input is whole.
 */
export class ToolCallCollector {
  private readonly open = new Map<number, { id: string; name: string; input: string }>();
  readonly calls: ToolCall[] = [];
  constructor(private readonly ctx: ErrorContext) {}

  /** Records a piece of call `index`; returns the event to yield. */
  delta(
    index: number,
    id: string | undefined,
    name: string | undefined,
    inputDelta: string,
  ): ProviderStreamEvent {
    const call = this.open.get(index) ?? { id: '', name: '', input: '' };
    this.open.set(index, call);
    if (id) call.id = id;
    if (name) call.name = name;
    call.input += inputDelta;
    const event: ProviderStreamEvent = { type: 'tool-call-delta', index, inputDelta };
    if (id) event.id = id;
    if (name) event.name = name;
    return event;
  }

  /** Completes call `index` (its input is whole); undefined when no such call is open. */
  complete(index: number): ProviderStreamEvent | undefined {
    const call = this.open.get(index);
    if (call === undefined) return undefined;
    this.open.delete(index);
    const toolCall: ToolCall = {
      id: call.id,
      name: call.name,
      input: parseToolInput(call.input, this.ctx, call.name),
    };
    this.calls.push(toolCall);
    return { type: 'tool-call', toolCall };
  }

  /** Completes every open call, in index order. */
  completeAll(): ProviderStreamEvent[] {
    const events: ProviderStreamEvent[] = [];
    for (const index of [...this.open.keys()].sort((a, b) => a - b)) {
      const event = this.complete(index);
      if (event) events.push(event);
    }
    return events;
  }
}

/** The normalized finish reason, `tool-calls` when the answer called tools (some APIs say `completed`). */
export function finishOf(raw: string, toolCalls: readonly ToolCall[]): FinishReason {
  const reason = toFinishReason(raw);
  return toolCalls.length > 0 && reason === 'stop' ? 'tool-calls' : reason;
}

/** An image part as a URL: its own, or a `data:` URL of its bytes. */
export function imageUrl(part: ImagePart): string {
  if (part.url !== undefined) return part.url;
  return `data:${part.mediaType ?? 'image/png'};base64,${base64Of(part.data ?? '')}`;
}

/** Bytes (or base64 text, returned as is) as base64. */
export function base64Of(data: Uint8Array | string): string {
  return typeof data === 'string' ? data : Buffer.from(data).toString('base64');
}

/** The caller's `providerOptions` for provider `id`, to merge into its request body. */
export function bodyOptions(request: LLMRequest, id: string): Record<string, unknown> {
  return request.providerOptions?.[id] ?? {};
}
