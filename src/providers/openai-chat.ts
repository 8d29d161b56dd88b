/**
 * OpenAI Chat Completions: request body, answer parsing and stream reading, over any client whose
 * `chat.completions.create` behaves like the official SDK's.
 */
import { classifyError } from '../errors/classify.js';
import type { LLMRequest, Message, ProviderResult, ProviderStreamEvent, Usage } from '../types.js';
import { contentText, outputTokenLimit } from '../types.js';
import type { ErrorContext } from './shared.js';
import {
  abortReason,
  bodyOptions,
  contentFiltered,
  finishOf,
  imageUrl,
  parseToolInput,
  ToolCallCollector,
  toUsage,
  truncatedStream,
} from './shared.js';

/** A chat message as the Chat Completions API takes it. */
export type ChatMessageParam =
  | { role: 'system'; content: string }
  | {
      role: 'user';
      content:
        | string
        | Array<{ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } }>;
    }
  | { role: 'assistant'; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** The Chat Completions body the adapters send. */
export interface ChatBody {
  model: string;
  messages: ChatMessageParam[];
  max_completion_tokens?: number;
  max_tokens?: number;
  temperature?: number;
  stop?: string[];
  tools?: Array<{
    type: 'function';
    function: { name: string; description?: string; parameters: Record<string, unknown> };
  }>;
  tool_choice?: 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };
  response_format?:
    | { type: 'json_object' }
    | { type: 'json_schema'; json_schema: { name: string; schema: Record<string, unknown> } };
  stream?: boolean;
  stream_options?: { include_usage: boolean };
}

interface ChatChoice {
  message?: {
    content?: string | null;
    refusal?: string | null;
    tool_calls?: Array<{ id?: string; function?: { name?: string; arguments?: string } }> | null;
  };
  delta?: {
    content?: string | null;
    refusal?: string | null;
    tool_calls?: Array<{
      index?: number;
      id?: string;
      function?: { name?: string; arguments?: string };
    }> | null;
  };
  finish_reason?: string | null;
}

interface ChatPayload {
  model?: string;
  choices?: ChatChoice[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

function chatMessage(m: Message): ChatMessageParam {
  switch (m.role) {
    case 'system':
      return { role: 'system', content: m.content };
    case 'user':
      return {
        role: 'user',
        content:
          typeof m.content === 'string'
            ? m.content
            : m.content.map((part) =>
                part.type === 'text'
                  ? { type: 'text', text: part.text }
                  : { type: 'image_url', image_url: { url: imageUrl(part) } },
              ),
      };
    case 'assistant': {
      const text = contentText(m.content);
      const calls = m.toolCalls ?? [];
      if (calls.length === 0) return { role: 'assistant', content: text };
      return {
        role: 'assistant',
        content: text === '' ? null : text,
        tool_calls: calls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: JSON.stringify(call.input ?? {}) },
        })),
      };
    }
    case 'tool':
      return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
  }
}

/** How a chat body is built for one adapter. */
export interface ChatBodyConfig {
  /** The adapter's provider id (selects `request.providerOptions[id]`). */
  providerId: string;
  model: string;
  /** The adapter's token cap when the request sets none. */
  maxTokens: number | undefined;
  /** `max_completion_tokens` (OpenAI) or `max_tokens` (compatible APIs). */
  maxTokensField: 'max_completion_tokens' | 'max_tokens';
}

/** The body for `request`: messages, tools, tool choice, response format, limits and `providerOptions`. */
export function chatBody(request: LLMRequest, config: ChatBodyConfig): ChatBody {
  const body: ChatBody = { model: config.model, messages: request.messages.map(chatMessage) };
  const limit = outputTokenLimit(request) ?? config.maxTokens;
  if (limit !== undefined) body[config.maxTokensField] = limit;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.stop !== undefined && request.stop.length > 0) body.stop = request.stop;
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        parameters: tool.inputSchema,
      },
    }));
  }
  const choice = request.toolChoice;
  if (choice !== undefined) {
    body.tool_choice =
      typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.tool } };
  }
  const format = request.responseFormat;
  if (format === 'json') body.response_format = { type: 'json_object' };
  else if (typeof format === 'object') {
    body.response_format = {
      type: 'json_schema',
      json_schema: { name: format.name ?? 'response', schema: format.schema },
    };
  }
  return { ...body, ...bodyOptions(request, config.providerId) };
}

/** Reads a chat completion; throws `content_filtered` on a filtered or refused answer. */
export function parseChatCompletion(payload: unknown, ctx: ErrorContext): ProviderResult {
  const completion = (payload ?? {}) as ChatPayload;
  const choice = completion.choices?.[0];
  const model = completion.model ?? ctx.model;
  const finishReason = choice?.finish_reason ?? undefined;
  if (finishReason === 'content_filter')
    throw contentFiltered({ ...ctx, model, cause: payload }, 'content_filter');
  if (choice?.message?.refusal) throw contentFiltered({ ...ctx, model, cause: payload }, 'refusal');
  const result: ProviderResult = { text: choice?.message?.content ?? '' };
  const toolCalls = (choice?.message?.tool_calls ?? []).map((call) => {
    const name = call.function?.name ?? '';
    return { id: call.id ?? '', name, input: parseToolInput(call.function?.arguments ?? '', ctx, name) };
  });
  if (toolCalls.length > 0) result.toolCalls = toolCalls;
  if (model !== undefined) result.model = model;
  if (finishReason !== undefined) {
    result.finishReason = finishOf(finishReason, toolCalls);
    result.rawFinishReason = finishReason;
  }
  const usage = toUsage(completion.usage?.prompt_tokens, completion.usage?.completion_tokens);
  if (usage) result.usage = usage;
  return result;
}

/**
 * Turns parsed chat chunks into deltas then `done`. Throws on a filtered or refused answer, on an abort (the
 * SDK ends its iterator quietly when aborted), and when the stream ends before a finish reason.
 */
export async function* readChatStream(
  chunks: AsyncIterable<unknown>,
  ctx: ErrorContext,
  signal: AbortSignal,
): AsyncGenerator<ProviderStreamEvent> {
  let text = '';
  let model = ctx.model;
  let finishReason: string | undefined;
  let refused = false;
  let usage: Usage | undefined;
  const tools = new ToolCallCollector(ctx);
  for await (const raw of chunks) {
    const chunk = raw as ChatPayload & { error?: unknown };
    if (chunk.error) {
      // An in-band error frame (`data: {"error": …}`); the official SDK throws these itself.
      throw classifyError(raw, { ...ctx, model }).with({
        cause: raw,
        ...(text ? { partialText: text } : {}),
      });
    }
    if (chunk.model) model = chunk.model;
    const choice = chunk.choices?.[0];
    const delta = choice?.delta?.content;
    if (delta) {
      text += delta;
      yield { type: 'delta', text: delta };
    }
    for (const call of choice?.delta?.tool_calls ?? []) {
      yield tools.delta(call.index ?? 0, call.id, call.function?.name, call.function?.arguments ?? '');
    }
    if (choice?.delta?.refusal) refused = true;
    if (choice?.finish_reason) finishReason = choice.finish_reason;
    const counted = toUsage(chunk.usage?.prompt_tokens, chunk.usage?.completion_tokens);
    if (counted) usage = counted;
  }
  if (signal.aborted) throw abortReason(signal);
  const where = { ...ctx, model, partialText: text };
  if (finishReason === 'content_filter') throw contentFiltered(where, 'content_filter');
  if (refused) throw contentFiltered(where, 'refusal');
  if (finishReason === undefined) throw truncatedStream(where);
  yield* tools.completeAll();
  const done: Extract<ProviderStreamEvent, { type: 'done' }> = {
    type: 'done',
    finishReason: finishOf(finishReason, tools.calls),
    rawFinishReason: finishReason,
  };
  if (model !== undefined) done.model = model;
  if (usage) done.usage = usage;
  yield done;
}
