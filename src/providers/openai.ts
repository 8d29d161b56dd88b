/**
 * `openaiProvider`: an adapter over the official `openai` client (Chat Completions or Responses API). The SDK
 * is never imported at runtime: the client object is typed structurally, so `openai` stays an optional peer.
 */
import { z } from 'zod';
import type { Provider } from '../types.js';
import { type ChatBody, chatBody, parseChatCompletion, readChatStream } from './openai-chat.js';
import { parseResponse, type ResponsesBody, readResponsesStream, responsesBody } from './openai-responses.js';
import { payloadWithRateLimit, withRateLimit } from './rate-limit.js';
import type { BaseProviderOptions, SdkRequestOptions } from './shared.js';
import {
  baseProviderShape,
  hasMethod,
  providerIdentity,
  refineClientError,
  registerCredentials,
  sdkRequestOptions,
  validateOptions,
  warnAboutSdkRetries,
} from './shared.js';

/** The part of an `OpenAI` client instance the adapter uses. A real `new OpenAI({...})` satisfies it. */
export interface OpenAIClientLike {
  /** Should be 0: resilient-llm owns retries. */
  maxRetries?: number;
  /** The client's key (the SDKs expose it); registered with the redactor so errors never carry it. */
  apiKey?: string | null;
  chat: { completions: { create(body: ChatBody, options?: SdkRequestOptions): PromiseLike<unknown> } };
  responses?: { create(body: ResponsesBody, options?: SdkRequestOptions): PromiseLike<unknown> };
}

/** Options of {@link openaiProvider}. */
export interface OpenAIProviderOptions extends BaseProviderOptions {
  /** An `openai` client, ideally created with `maxRetries: 0`. */
  client: OpenAIClientLike;
  /** Model id, e.g. `'gpt-4o-mini'`. */
  model: string;
  /** Which API to call. @default 'chat' */
  api?: 'chat' | 'responses';
  /** Token cap when the request sets none (`max_completion_tokens` / `max_output_tokens`). @default undefined */
  maxTokens?: number;
}

/** Defaults of {@link openaiProvider}'s optional fields. */
export const defaultOpenAIProviderOptions = {
  id: 'openai',
  priority: 0,
  enabled: true,
  api: 'chat',
} satisfies Required<Pick<OpenAIProviderOptions, 'id' | 'priority' | 'enabled' | 'api'>>;

const optionsSchema = z.object({
  ...baseProviderShape,
  client: z.custom<OpenAIClientLike>((value) => hasMethod(value, 'chat.completions.create'), {
    message: 'client must be an openai client (client.chat.completions.create is missing)',
  }),
  model: z.string().min(1, 'model must be a non-empty string'),
  api: z.enum(['chat', 'responses']).optional(),
  maxTokens: z.number().int().positive().optional(),
});

/**
 * A {@link Provider} over the official `openai` client. A 200 answer whose finish reason is `content_filter`
 * (Responses: `incomplete_details.reason`) or that carries a refusal throws a `content_filtered` LLMError;
 * everything the SDK throws is rethrown as is for `classifyError`. Warns once when `client.maxRetries` is not 0.
 */
export function openaiProvider(options: OpenAIProviderOptions): Provider {
  validateOptions(optionsSchema, options, 'openaiProvider');
  const api = options.api ?? defaultOpenAIProviderOptions.api;
  if (api === 'responses' && !hasMethod(options.client, 'responses.create')) {
    throw new TypeError(
      'Invalid openaiProvider options: ✖ client.responses.create is missing (api: "responses")',
    );
  }
  registerCredentials(options, options.client);
  warnAboutSdkRetries(options.client, 'openai', options);
  const identity = providerIdentity(options, defaultOpenAIProviderOptions.id, {
    vision: true,
    tools: true,
    json: true,
  });
  const { client, model, maxTokens } = options;
  const ctx = { provider: identity.id, model };
  const chatConfig = {
    providerId: identity.id,
    model,
    maxTokens,
    maxTokensField: 'max_completion_tokens',
  } as const;

  if (api === 'responses') {
    const responses = client.responses!;
    return {
      ...identity,
      model: ctx.model,
      async call(request, callOptions) {
        const body = responsesBody(request, { providerId: identity.id, model, maxTokens });
        const { payload, rateLimit } = await payloadWithRateLimit(
          responses.create(body, sdkRequestOptions(callOptions)),
        ).catch((error: unknown) => Promise.reject(refineClientError(error, ctx)));
        return withRateLimit(parseResponse(payload, ctx), rateLimit);
      },
      async *stream(request, callOptions) {
        const body = {
          ...responsesBody(request, { providerId: identity.id, model, maxTokens }),
          stream: true,
        };
        try {
          const events = (await responses.create(
            body,
            sdkRequestOptions(callOptions),
          )) as AsyncIterable<unknown>;
          yield* readResponsesStream(events, ctx, callOptions.signal);
        } catch (error) {
          throw refineClientError(error, ctx);
        }
      },
    };
  }

  return {
    ...identity,
    model: ctx.model,
    async call(request, callOptions) {
      const body = chatBody(request, chatConfig);
      const { payload, rateLimit } = await payloadWithRateLimit(
        client.chat.completions.create(body, sdkRequestOptions(callOptions)),
      ).catch((error: unknown) => Promise.reject(refineClientError(error, ctx)));
      return withRateLimit(parseChatCompletion(payload, ctx), rateLimit);
    },
    async *stream(request, callOptions) {
      const body: ChatBody = {
        ...chatBody(request, chatConfig),
        stream: true,
        stream_options: { include_usage: true },
      };
      try {
        const chunks = (await client.chat.completions.create(
          body,
          sdkRequestOptions(callOptions),
        )) as AsyncIterable<unknown>;
        yield* readChatStream(chunks, ctx, callOptions.signal);
      } catch (error) {
        throw refineClientError(error, ctx);
      }
    },
  };
}
