/**
 * `anthropicProvider`: an adapter over the official `@anthropic-ai/sdk` client (Messages API). The SDK is never
 * imported at runtime: the client object is typed structurally, so the SDK stays an optional peer.
 */
import { z } from 'zod';
import type { LLMRequest, Provider, ProviderResult, ProviderStreamEvent } from '../types.js';
import { contentText, outputTokenLimit } from '../types.js';
import { payloadWithRateLimit, withRateLimit } from './rate-limit.js';
import type { BaseProviderOptions, ErrorContext, SdkRequestOptions } from './shared.js';
import {
  abortReason,
  baseProviderShape,
  contentFiltered,
  hasMethod,
  providerIdentity,
  refineClientError,
  registerCredentials,
  sdkRequestOptions,
  splitSystem,
  toFinishReason,
  toUsage,
  truncatedStream,
  validateOptions,
  warnAboutSdkRetries,
} from './shared.js';

/** The Messages body the adapter sends. */
export interface AnthropicMessagesBody {
  model: string;
  max_tokens: number;
  messages: Array<{ role: 'user' | 'assistant'; content: string }>;
  system?: string;
  temperature?: number;
  stream?: boolean;
}

/** The part of an `Anthropic` client instance the adapter uses. A real `new Anthropic({...})` satisfies it. */
export interface AnthropicClientLike {
  /** Should be 0: resilient-llm owns retries. */
  maxRetries?: number;
  /** The client's key (the SDKs expose it); registered with the redactor so errors never carry it. */
  apiKey?: string | null;
  /** The client's bearer token, when it uses one; registered with the redactor too. */
  authToken?: string | null;
  messages: { create(body: AnthropicMessagesBody, options?: SdkRequestOptions): PromiseLike<unknown> };
}

/** Options of {@link anthropicProvider}. */
export interface AnthropicProviderOptions extends BaseProviderOptions {
  /** An `@anthropic-ai/sdk` client, ideally created with `maxRetries: 0`. */
  client: AnthropicClientLike;
  /** Model id, e.g. `'claude-sonnet-4-5'`. */
  model: string;
  /** `max_tokens` when the request sets none (the Messages API requires one). @default 1024 */
  maxTokens?: number;
}

/** Defaults of {@link anthropicProvider}'s optional fields. */
export const defaultAnthropicProviderOptions = {
  id: 'anthropic',
  priority: 0,
  enabled: true,
  maxTokens: 1024,
} satisfies Required<Pick<AnthropicProviderOptions, 'id' | 'priority' | 'enabled' | 'maxTokens'>>;

const optionsSchema = z.object({
  ...baseProviderShape,
  client: z.custom<AnthropicClientLike>((value) => hasMethod(value, 'messages.create'), {
    message: 'client must be an @anthropic-ai/sdk client (client.messages.create is missing)',
  }),
  model: z.string().min(1, 'model must be a non-empty string'),
  maxTokens: z.number().int().positive().optional(),
});

interface MessagePayload {
  model?: string;
  content?: Array<{ type?: string; text?: string }>;
  stop_reason?: string | null;
  usage?: { input_tokens?: number; output_tokens?: number };
}

interface StreamEvent {
  type?: string;
  message?: MessagePayload;
  delta?: { type?: string; text?: string; stop_reason?: string | null };
  usage?: { output_tokens?: number };
}

function messagesBody(request: LLMRequest, model: string, maxTokens: number): AnthropicMessagesBody {
  const { system, rest } = splitSystem(request.messages);
  const body: AnthropicMessagesBody = {
    model,
    max_tokens: outputTokenLimit(request) ?? maxTokens,
    messages: rest.map((m) => ({
      role: m.role === 'assistant' ? 'assistant' : 'user',
      content: contentText(m.content),
    })),
  };
  if (system !== undefined) body.system = system;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  return body;
}

function parseMessage(payload: unknown, ctx: ErrorContext): ProviderResult {
  const message = (payload ?? {}) as MessagePayload;
  const model = message.model ?? ctx.model;
  if (message.stop_reason === 'refusal') throw contentFiltered({ ...ctx, model, cause: payload }, 'refusal');
  const text = (message.content ?? [])
    .filter((block) => block.type === 'text')
    .map((block) => block.text ?? '')
    .join('');
  const result: ProviderResult = { text };
  if (model !== undefined) result.model = model;
  if (message.stop_reason) {
    result.finishReason = toFinishReason(message.stop_reason);
    result.rawFinishReason = message.stop_reason;
  }
  const usage = toUsage(message.usage?.input_tokens, message.usage?.output_tokens);
  if (usage) result.usage = usage;
  return result;
}

async function* readStream(
  events: AsyncIterable<unknown>,
  ctx: ErrorContext,
  signal: AbortSignal,
): AsyncGenerator<ProviderStreamEvent> {
  let text = '';
  let model = ctx.model;
  let stopReason: string | undefined;
  let inputTokens: number | undefined;
  let outputTokens: number | undefined;
  let stopped = false;
  for await (const raw of events) {
    const event = raw as StreamEvent;
    if (event.type === 'message_start') {
      model = event.message?.model ?? model;
      inputTokens = event.message?.usage?.input_tokens;
    } else if (
      event.type === 'content_block_delta' &&
      event.delta?.type === 'text_delta' &&
      event.delta.text
    ) {
      text += event.delta.text;
      yield { type: 'delta', text: event.delta.text };
    } else if (event.type === 'message_delta') {
      stopReason = event.delta?.stop_reason ?? stopReason;
      outputTokens = event.usage?.output_tokens ?? outputTokens;
    } else if (event.type === 'message_stop') {
      stopped = true;
    }
  }
  if (signal.aborted) throw abortReason(signal);
  const where = { ...ctx, model, partialText: text };
  if (stopReason === 'refusal') throw contentFiltered(where, 'refusal');
  if (!stopped) throw truncatedStream(where);
  const done: Extract<ProviderStreamEvent, { type: 'done' }> = { type: 'done' };
  if (model !== undefined) done.model = model;
  if (stopReason !== undefined) {
    done.finishReason = toFinishReason(stopReason);
    done.rawFinishReason = stopReason;
  }
  const usage = toUsage(inputTokens, outputTokens);
  if (usage) done.usage = usage;
  yield done;
}

/**
 * A {@link Provider} over the official `@anthropic-ai/sdk` client. System messages go to `system`; a
 * `stop_reason: 'refusal'` throws a `content_filtered` LLMError; everything the SDK throws is rethrown as is
 * for `classifyError`. Warns once when `client.maxRetries` is not 0.
 */
export function anthropicProvider(options: AnthropicProviderOptions): Provider {
  validateOptions(optionsSchema, options, 'anthropicProvider');
  registerCredentials(options, options.client);
  warnAboutSdkRetries(options.client, 'Anthropic', options);
  const identity = providerIdentity(options, defaultAnthropicProviderOptions.id);
  const { client, model } = options;
  const maxTokens = options.maxTokens ?? defaultAnthropicProviderOptions.maxTokens;
  const ctx = { provider: identity.id, model };
  return {
    ...identity,
    model: ctx.model,
    async call(request, callOptions) {
      const body = messagesBody(request, model, maxTokens);
      const { payload, rateLimit } = await payloadWithRateLimit(
        client.messages.create(body, sdkRequestOptions(callOptions)),
      ).catch((error: unknown) => Promise.reject(refineClientError(error, ctx)));
      return withRateLimit(parseMessage(payload, ctx), rateLimit);
    },
    async *stream(request, callOptions) {
      const body = { ...messagesBody(request, model, maxTokens), stream: true };
      try {
        const events = (await client.messages.create(
          body,
          sdkRequestOptions(callOptions),
        )) as AsyncIterable<unknown>;
        yield* readStream(events, ctx, callOptions.signal);
      } catch (error) {
        throw refineClientError(error, ctx);
      }
    },
  };
}
