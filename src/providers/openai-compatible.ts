/**
 * `openaiCompatibleProvider`: Chat Completions over plain `fetch`, for Groq, OpenRouter, Mistral, vLLM, Ollama
 * and any other OpenAI-compatible endpoint. SSE is parsed with `eventsource-parser`.
 */
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { z } from 'zod';
import { classifyError } from '../errors/classify.js';
import { rateLimitFromHeaders } from '../errors/rate-limit-headers.js';
import type { Provider, ProviderCallOptions } from '../types.js';
import { type ChatBody, chatBody, parseChatCompletion, readChatStream } from './openai-chat.js';
import { withRateLimit } from './rate-limit.js';
import type { BaseProviderOptions, ErrorContext } from './shared.js';
import {
  attemptHeaders,
  baseProviderShape,
  malformedBody,
  providerIdentity,
  registerCredentials,
  validateOptions,
} from './shared.js';

/** Options of {@link openaiCompatibleProvider}. */
export interface OpenAICompatibleProviderOptions extends BaseProviderOptions {
  /** Provider id, e.g. `'groq'`. Required: there is no sensible default. */
  id: string;
  /** API root without the endpoint, e.g. `'https://api.groq.com/openai/v1'`; `/chat/completions` is appended. */
  baseURL: string;
  /**
   * Sent as `Authorization: Bearer …`; never appears in errors: it is scrubbed by value (whatever its shape,
   * if at least 8 characters long) and by pattern. @default undefined (no header, e.g. Ollama)
   */
  apiKey?: string;
  /** Model id. */
  model: string;
  /** Extra headers on every request. @default {} */
  headers?: Record<string, string>;
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** `max_tokens` when the request sets none. @default undefined */
  maxTokens?: number;
}

/** Defaults of {@link openaiCompatibleProvider}'s optional fields. */
export const defaultOpenAICompatibleProviderOptions = {
  priority: 0,
  enabled: true,
  headers: {},
} satisfies Required<Pick<OpenAICompatibleProviderOptions, 'priority' | 'enabled' | 'headers'>>;

const optionsSchema = z.object({
  ...baseProviderShape,
  id: z.string().min(1, 'id must be a non-empty string'),
  baseURL: z.url({ protocol: /^https?$/, error: 'baseURL must be an http(s) URL' }),
  // The key is never echoed: a bad one is reported by rule, not by value.
  apiKey: z
    .string()
    .regex(/^[\x21-\x7e]+$/, { error: 'apiKey must be printable ASCII without spaces' })
    .optional(),
  model: z.string().min(1, 'model must be a non-empty string'),
  headers: z.record(z.string(), z.string()).optional(),
  fetch: z
    .custom<typeof fetch>((value) => typeof value === 'function', { message: 'fetch must be a function' })
    .optional(),
  maxTokens: z.number().int().positive().optional(),
});

function responseHeaders(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

/** Parsed JSON of each SSE `data:` frame until `[DONE]` or the end; the reader is cancelled on early exit. */
async function* sseJson(body: ReadableStream<Uint8Array>, ctx: ErrorContext): AsyncGenerator<unknown> {
  const reader = body
    .pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>)
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || value.data === '[DONE]') return;
      try {
        yield JSON.parse(value.data);
      } catch (error) {
        if (error instanceof SyntaxError) throw malformedBody({ ...ctx, cause: error });
        throw error;
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

/**
 * A {@link Provider} for any OpenAI-compatible Chat Completions endpoint, over `fetch`. A non-2xx answer throws
 * `classifyError({ status, headers, body })`; an in-band `{"error": …}` (JSON or SSE frame) throws its
 * classified error; a `content_filter` finish reason throws `content_filtered`.
 */
export function openaiCompatibleProvider(options: OpenAICompatibleProviderOptions): Provider {
  validateOptions(optionsSchema, options, 'openaiCompatibleProvider');
  registerCredentials(options, { apiKey: options.apiKey });
  const identity = providerIdentity(options, options.id);
  const { model, apiKey, maxTokens } = options;
  const endpoint = `${options.baseURL.replace(/\/+$/, '')}/chat/completions`;
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const extraHeaders = options.headers ?? defaultOpenAICompatibleProviderOptions.headers;
  const ctx = { provider: identity.id, model };
  const chatConfig = { providerId: identity.id, model, maxTokens, maxTokensField: 'max_tokens' } as const;

  const post = async (body: ChatBody, callOptions: ProviderCallOptions): Promise<Response> => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: body.stream ? 'text/event-stream' : 'application/json',
      ...extraHeaders,
      ...callOptions.headers,
      ...attemptHeaders(callOptions),
    };
    if (apiKey !== undefined) headers.authorization = `Bearer ${apiKey}`;
    const response = await doFetch(endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: callOptions.signal,
    });
    if (!response.ok) {
      const text = await response.text();
      throw classifyError({ status: response.status, headers: responseHeaders(response), body: text }, ctx);
    }
    return response;
  };

  return {
    ...identity,
    model: ctx.model,
    async call(request, callOptions) {
      const response = await post(chatBody(request, chatConfig), callOptions);
      const text = await response.text();
      let payload: unknown;
      try {
        payload = JSON.parse(text);
      } catch (error) {
        throw malformedBody({ ...ctx, cause: error });
      }
      if (typeof payload === 'object' && payload !== null && 'error' in payload && payload.error) {
        throw classifyError({ status: response.status, headers: responseHeaders(response), body: text }, ctx);
      }
      return withRateLimit(parseChatCompletion(payload, ctx), rateLimitFromHeaders(response.headers));
    },
    async *stream(request, callOptions) {
      const body: ChatBody = {
        ...chatBody(request, chatConfig),
        stream: true,
        stream_options: { include_usage: true },
      };
      const response = await post(body, callOptions);
      if (response.body === null) throw malformedBody(ctx);
      yield* readChatStream(sseJson(response.body, ctx), ctx, callOptions.signal);
    },
  };
}
