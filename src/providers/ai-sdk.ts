/**
 * `aiSdkProvider`: wraps a Vercel AI SDK (v5/v6) language model through `generateText` / `streamText`.
 * `ai` is imported dynamically on first use, so it stays an optional peer dependency.
 */
import { z } from 'zod';
import { classifyError } from '../errors/classify.js';
import { LLMError } from '../errors/llm-error.js';
import type {
  LLMRequest,
  Provider,
  ProviderCallOptions,
  ProviderResult,
  ProviderStreamEvent,
  ToolCall,
} from '../types.js';
import { toCallArgs } from './ai-sdk-request.js';
import type { BaseProviderOptions, ErrorContext } from './shared.js';
import {
  abortReason,
  attemptHeaders,
  baseProviderShape,
  contentFiltered,
  malformedBody,
  providerIdentity,
  registerCredentials,
  toUsage,
  truncatedStream,
  validateOptions,
} from './shared.js';

type AiModule = typeof import('ai');
type GenerateArgs = Parameters<AiModule['generateText']>[0];

/** An AI SDK language model object, e.g. `createOpenAICompatible({...})('model-id')`. */
export interface AiSdkLanguageModelLike {
  readonly specificationVersion: string;
  readonly provider: string;
  readonly modelId: string;
}

/** Options of {@link aiSdkProvider}. */
export interface AiSdkProviderOptions extends BaseProviderOptions {
  /** Output token cap when the request sets none. @default undefined */
  maxTokens?: number;
}

/** Defaults of {@link aiSdkProvider}'s optional fields (the id defaults to the model's `provider`). */
export const defaultAiSdkProviderOptions = {
  id: 'ai-sdk',
  priority: 0,
  enabled: true,
} satisfies Required<Pick<AiSdkProviderOptions, 'id' | 'priority' | 'enabled'>>;

const modelSchema = z.custom<AiSdkLanguageModelLike>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>).modelId === 'string' &&
    typeof (value as Record<string, unknown>).specificationVersion === 'string',
  { message: 'model must be an AI SDK language model object (with modelId and specificationVersion)' },
);
const optionsSchema = z.object({ ...baseProviderShape, maxTokens: z.number().int().positive().optional() });

let aiModule: Promise<AiModule> | undefined;
function loadAi(): Promise<AiModule> {
  aiModule ??= import('ai');
  return aiModule;
}

/**
 * Converts an AI SDK error to what `classifyError` reads best: an `APICallError` (or a `RetryError`'s last
 * error) becomes `{ status, headers, body }`; an in-band error object becomes an error body.
 */
export function toClassifiable(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const e = error as Record<string, unknown>;
  if (e.name === 'AI_RetryError' && 'lastError' in e) return toClassifiable(e.lastError);
  if (typeof e.statusCode === 'number') {
    return {
      status: e.statusCode,
      headers: e.responseHeaders ?? {},
      body: e.responseBody ?? e.message ?? '',
    };
  }
  if (!(error instanceof Error) && !('error' in e)) return { error };
  return error;
}

/** AI SDK errors meaning the provider's body or stream was unusable (cut off, invalid JSON, no finish). */
const MALFORMED_ERRORS = new Set([
  'AI_JSONParseError',
  'AI_TypeValidationError',
  'AI_InvalidResponseDataError',
]);

/** `classifyError` for AI SDK errors: the original error is kept as `cause`. */
export function classifyAiSdkError(error: unknown, ctx: ErrorContext): LLMError {
  const { statusCode, name } = (error ?? {}) as { statusCode?: unknown; name?: unknown };
  // A 2xx APICallError, or a chunk that failed to parse, means a cut-off or invalid body: a malformed answer.
  const unusable2xx = typeof statusCode === 'number' && statusCode >= 200 && statusCode < 300;
  if (unusable2xx || (typeof name === 'string' && MALFORMED_ERRORS.has(name))) {
    return malformedBody({ ...ctx, cause: error });
  }
  const input = toClassifiable(error);
  const classified = classifyError(input, ctx);
  return input === error ? classified : classified.with({ cause: error });
}

/** An AI SDK tool call (static or dynamic) as far as this adapter reads it. */
interface AiToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
  invalid?: boolean;
  error?: unknown;
}

/** Tool calls as ours; one the SDK could not parse or match to a tool is an `invalid_response`. */
function toToolCalls(calls: readonly AiToolCall[], ctx: ErrorContext): ToolCall[] {
  return calls.map((call) => {
    if (call.invalid) throw invalidToolCall(call, ctx);
    return { id: call.toolCallId, name: call.toolName, input: call.input };
  });
}

function invalidToolCall(call: AiToolCall, ctx: ErrorContext): LLMError {
  const reason = call.error instanceof Error ? `: ${call.error.message}` : '';
  return new LLMError({
    type: 'invalid_response',
    message: `The model called tool ${call.toolName} with an input that does not fit it${reason}`,
    code: 'invalid_tool_call',
    provider: ctx.provider,
    model: ctx.model,
  });
}

/** The per-call headers the caller asked for, then `x-request-id` / `x-attempt`. */
function callHeaders(callOptions: ProviderCallOptions): Record<string, string> {
  return { ...callOptions.headers, ...attemptHeaders(callOptions) };
}

/**
 * A {@link Provider} over a Vercel AI SDK language model. The SDK's own retries are off (`maxRetries: 0`);
 * its errors are thrown as `LLMError`s classified from their status, headers and body; a `content-filter`
 * finish reason throws `content_filtered`. Tools, tool choice, image parts, tool calls and results, the
 * response format and stop sequences are mapped both ways (streams too: tool-input deltas become
 * `tool-call-delta` events); `request.providerOptions[id]` is passed as the SDK's `providerOptions` (keyed by
 * the AI SDK provider's name, e.g. `{ openai: { user: 'u1' } }`). The SDK does not validate a JSON answer:
 * the lifecycle does.
 */
export function aiSdkProvider(model: AiSdkLanguageModelLike, options: AiSdkProviderOptions = {}): Provider {
  validateOptions(modelSchema, model, 'aiSdkProvider model');
  validateOptions(optionsSchema, options, 'aiSdkProvider');
  registerCredentials(options);
  const identity = providerIdentity(options, model.provider || defaultAiSdkProviderOptions.id);
  const ctx = { provider: identity.id, model: model.modelId };
  const args = (ai: AiModule, request: LLMRequest) =>
    toCallArgs(ai, model as GenerateArgs['model'], request, identity.id, options.maxTokens);
  return {
    ...identity,
    model: ctx.model,
    classify: (error) => classifyAiSdkError(error, ctx),
    async call(request, callOptions) {
      const ai = await loadAi();
      let result: Awaited<ReturnType<AiModule['generateText']>>;
      try {
        result = await ai.generateText({
          ...args(ai, request),
          abortSignal: callOptions.signal,
          headers: callHeaders(callOptions),
        });
      } catch (error) {
        throw callOptions.signal.aborted ? abortReason(callOptions.signal) : classifyAiSdkError(error, ctx);
      }
      const modelId = result.response.modelId || model.modelId;
      const where = { ...ctx, model: modelId };
      if (result.finishReason === 'content-filter') throw contentFiltered(where, 'content_filter');
      const answer: ProviderResult = { text: result.text, model: modelId, finishReason: result.finishReason };
      if (result.rawFinishReason !== undefined) answer.rawFinishReason = result.rawFinishReason;
      const toolCalls = toToolCalls(result.toolCalls as readonly AiToolCall[], where);
      if (toolCalls.length > 0) answer.toolCalls = toolCalls;
      const usage = toUsage(result.usage.inputTokens, result.usage.outputTokens);
      if (usage) answer.usage = usage;
      return answer;
    },
    async *stream(request, callOptions): AsyncGenerator<ProviderStreamEvent> {
      const ai = await loadAi();
      const result = ai.streamText({
        ...args(ai, request),
        abortSignal: callOptions.signal,
        headers: callHeaders(callOptions),
        onError: () => undefined, // errors arrive as `error` parts below; the default handler would log them
      });
      let text = '';
      let modelId = model.modelId;
      let finish: (ProviderStreamEvent & { type: 'done' }) | undefined;
      const indexes = new Map<string, number>();
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta' && part.text) {
          text += part.text;
          yield { type: 'delta', text: part.text };
        } else if (part.type === 'tool-input-start') {
          indexes.set(part.id, indexes.size);
          yield {
            type: 'tool-call-delta',
            index: indexes.size - 1,
            id: part.id,
            name: part.toolName,
            inputDelta: '',
          };
        } else if (part.type === 'tool-input-delta' && part.delta) {
          yield { type: 'tool-call-delta', index: indexes.get(part.id) ?? 0, inputDelta: part.delta };
        } else if (part.type === 'tool-call') {
          const [toolCall] = toToolCalls([part as AiToolCall], { ...ctx, model: modelId });
          if (toolCall) yield { type: 'tool-call', toolCall };
        } else if (part.type === 'error') {
          throw classifyAiSdkError(part.error, ctx).with({ ...(text ? { partialText: text } : {}) });
        } else if (part.type === 'abort') {
          throw abortReason(callOptions.signal);
        } else if (part.type === 'finish-step') {
          modelId = part.response.modelId || modelId;
        } else if (part.type === 'finish') {
          finish = { type: 'done', model: modelId, finishReason: part.finishReason };
          if (part.rawFinishReason !== undefined) finish.rawFinishReason = part.rawFinishReason;
          const usage = toUsage(part.totalUsage.inputTokens, part.totalUsage.outputTokens);
          if (usage) finish.usage = usage;
        }
      }
      if (callOptions.signal.aborted) throw abortReason(callOptions.signal);
      const where = { ...ctx, model: modelId, partialText: text };
      if (finish === undefined) throw truncatedStream(where);
      if (finish.finishReason === 'content-filter') throw contentFiltered(where, 'content_filter');
      yield finish;
    },
  };
}
