/**
 * `anthropicProvider`: an adapter over the official `@anthropic-ai/sdk` client (Messages API). The SDK is never
 * imported at runtime: the client object is typed structurally, so the SDK stays an optional peer.
 */
import { z } from 'zod';
import type { LLMRequest, Message, Provider, ProviderResult, ProviderStreamEvent } from '../types.js';
import { contentText, outputTokenLimit } from '../types.js';
import { payloadWithRateLimit, withRateLimit } from './rate-limit.js';
import type { BaseProviderOptions, ErrorContext, SdkRequestOptions } from './shared.js';
import {
  abortReason,
  base64Of,
  baseProviderShape,
  bodyOptions,
  contentFiltered,
  finishOf,
  hasMethod,
  providerIdentity,
  refineClientError,
  registerCredentials,
  sdkRequestOptions,
  splitSystem,
  ToolCallCollector,
  toUsage,
  truncatedStream,
  validateOptions,
  warnAboutSdkRetries,
} from './shared.js';

type TextBlock = { type: 'text'; text: string };
type ImageMediaType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';
/** A content block of a user turn. */
export type AnthropicUserBlock =
  | TextBlock
  | {
      type: 'image';
      source: { type: 'url'; url: string } | { type: 'base64'; media_type: ImageMediaType; data: string };
    }
  | { type: 'tool_result'; tool_use_id: string; content: string; is_error?: boolean };
/** A content block of an assistant turn. */
export type AnthropicAssistantBlock =
  | TextBlock
  | { type: 'tool_use'; id: string; name: string; input: unknown };
type AnthropicBlock = AnthropicUserBlock | AnthropicAssistantBlock;
type AnthropicTurn =
  | { role: 'user'; content: string | AnthropicUserBlock[] }
  | { role: 'assistant'; content: string | AnthropicAssistantBlock[] };

/** The Messages body the adapter sends. */
export interface AnthropicMessagesBody {
  model: string;
  max_tokens: number;
  messages: AnthropicTurn[];
  system?: string;
  temperature?: number;
  stop_sequences?: string[];
  tools?: Array<{
    name: string;
    description?: string;
    input_schema: { type: 'object'; [key: string]: unknown };
  }>;
  tool_choice?: { type: 'auto' } | { type: 'any' } | { type: 'none' } | { type: 'tool'; name: string };
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
  content?: Array<{ type?: string; text?: string; id?: string; name?: string; input?: unknown }>;
  stop_reason?: string | null;
  usage?: { input_tokens?: number; output_tokens?: number };
}

interface StreamEvent {
  type?: string;
  index?: number;
  message?: MessagePayload;
  content_block?: { type?: string; id?: string; name?: string };
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string | null };
  usage?: { output_tokens?: number };
}

function blocksOf(m: Message): AnthropicBlock[] {
  switch (m.role) {
    case 'tool':
      return [
        {
          type: 'tool_result',
          tool_use_id: m.toolCallId,
          content: m.content,
          ...(m.isError ? { is_error: true } : {}),
        },
      ];
    case 'assistant': {
      const text = contentText(m.content);
      const blocks: AnthropicBlock[] = text === '' ? [] : [{ type: 'text', text }];
      for (const call of m.toolCalls ?? []) {
        blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: call.input ?? {} });
      }
      return blocks;
    }
    default: {
      if (typeof m.content === 'string') return [{ type: 'text', text: m.content }];
      return m.content.map((part): AnthropicBlock => {
        if (part.type === 'text') return { type: 'text', text: part.text };
        if (part.url !== undefined && !part.url.startsWith('data:')) {
          return { type: 'image', source: { type: 'url', url: part.url } };
        }
        const inline = part.url === undefined ? undefined : /^data:([^;,]+);base64,(.*)$/s.exec(part.url);
        return {
          type: 'image',
          source: {
            type: 'base64',
            media_type: (inline?.[1] ?? part.mediaType ?? 'image/png') as ImageMediaType,
            data: inline?.[2] ?? base64Of(part.data ?? ''),
          },
        };
      });
    }
  }
}

/**
 * The conversation as Messages: tool results become `tool_result` blocks of a user turn, and consecutive
 * turns of one role merge (the API wants user and assistant to alternate, and every result of an assistant
 * turn's tool calls in the next user turn). A plain text turn stays a string.
 */
function anthropicMessages(messages: readonly Message[]): AnthropicTurn[] {
  const out: Array<{ role: 'user' | 'assistant'; content: string | AnthropicBlock[] }> = [];
  for (const m of messages) {
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const blocks = blocksOf(m);
    const last = out[out.length - 1];
    if (last !== undefined && last.role === role) {
      const previous =
        typeof last.content === 'string' ? [{ type: 'text', text: last.content } as const] : last.content;
      last.content = [...previous, ...blocks];
    } else if (blocks.length === 1 && blocks[0]?.type === 'text' && m.role !== 'tool') {
      out.push({ role, content: blocks[0].text });
    } else out.push({ role, content: blocks });
  }
  // Blocks were built per role (user blocks for user and tool messages, assistant blocks for assistant ones).
  return out as AnthropicTurn[];
}

/**
 * The Messages API has no JSON mode: `responseFormat: 'json'` adds a system instruction to answer with one
 * JSON object only, and a schema adds the schema to that instruction (the answer stays text, so the call's
 * `schema` validates it and re-prompts as usual).
 */
export function jsonInstruction(format: LLMRequest['responseFormat']): string | undefined {
  if (format === undefined || format === 'text') return undefined;
  const base = 'Answer with a single JSON object and nothing else: no prose, no code fences.';
  return format === 'json'
    ? base
    : `${base} The object must match this JSON Schema:\n${JSON.stringify(format.schema)}`;
}

function messagesBody(
  request: LLMRequest,
  config: { providerId: string; model: string; maxTokens: number },
): AnthropicMessagesBody {
  const { system, rest } = splitSystem(request.messages);
  const body: AnthropicMessagesBody = {
    model: config.model,
    max_tokens: outputTokenLimit(request) ?? config.maxTokens,
    messages: anthropicMessages(rest),
  };
  const instruction = jsonInstruction(request.responseFormat);
  const fullSystem = [system, instruction].filter((s) => s !== undefined).join('\n\n');
  if (fullSystem !== '') body.system = fullSystem;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.stop !== undefined && request.stop.length > 0) body.stop_sequences = request.stop;
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      input_schema: { ...tool.inputSchema, type: 'object' },
    }));
  }
  const choice = request.toolChoice;
  if (choice !== undefined) {
    body.tool_choice =
      choice === 'auto'
        ? { type: 'auto' }
        : choice === 'required'
          ? { type: 'any' }
          : choice === 'none'
            ? { type: 'none' }
            : { type: 'tool', name: choice.tool };
  }
  return { ...body, ...bodyOptions(request, config.providerId) };
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
  const toolCalls = (message.content ?? [])
    .filter((block) => block.type === 'tool_use')
    .map((block) => ({ id: block.id ?? '', name: block.name ?? '', input: block.input ?? {} }));
  if (toolCalls.length > 0) result.toolCalls = toolCalls;
  if (model !== undefined) result.model = model;
  if (message.stop_reason) {
    result.finishReason = finishOf(message.stop_reason, toolCalls);
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
  const tools = new ToolCallCollector(ctx);
  for await (const raw of events) {
    const event = raw as StreamEvent;
    const index = event.index ?? 0;
    if (event.type === 'message_start') {
      model = event.message?.model ?? model;
      inputTokens = event.message?.usage?.input_tokens;
    } else if (event.type === 'content_block_start' && event.content_block?.type === 'tool_use') {
      yield tools.delta(index, event.content_block.id, event.content_block.name, '');
    } else if (event.type === 'content_block_delta' && event.delta?.type === 'input_json_delta') {
      yield tools.delta(index, undefined, undefined, event.delta.partial_json ?? '');
    } else if (event.type === 'content_block_stop') {
      const done = tools.complete(index);
      if (done) yield done;
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
  yield* tools.completeAll();
  const done: Extract<ProviderStreamEvent, { type: 'done' }> = { type: 'done' };
  if (model !== undefined) done.model = model;
  if (stopReason !== undefined) {
    done.finishReason = finishOf(stopReason, tools.calls);
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
  const identity = providerIdentity(options, defaultAnthropicProviderOptions.id, {
    vision: true,
    tools: true,
    json: true,
  });
  const { client, model } = options;
  const maxTokens = options.maxTokens ?? defaultAnthropicProviderOptions.maxTokens;
  const ctx = { provider: identity.id, model };
  const bodyConfig = { providerId: identity.id, model, maxTokens };
  return {
    ...identity,
    model: ctx.model,
    async call(request, callOptions) {
      const body = messagesBody(request, bodyConfig);
      const { payload, rateLimit } = await payloadWithRateLimit(
        client.messages.create(body, sdkRequestOptions(callOptions)),
      ).catch((error: unknown) => Promise.reject(refineClientError(error, ctx)));
      return withRateLimit(parseMessage(payload, ctx), rateLimit);
    },
    async *stream(request, callOptions) {
      const body = { ...messagesBody(request, bodyConfig), stream: true };
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
