/**
 * OpenAI Chat Completions: request body, answer parsing and stream reading, over any client whose
 * `chat.completions.create` behaves like the official SDK's.
 */
import { classifyError } from '../errors/classify.js';
import type { LLMRequest, ProviderResult, ProviderStreamEvent, Usage } from '../types.js';
import { contentText, outputTokenLimit } from '../types.js';
import type { ErrorContext } from './shared.js';
import { abortReason, contentFiltered, toFinishReason, toUsage, truncatedStream } from './shared.js';

/** A chat message as the Chat Completions API takes it. */
export interface ChatMessageParam {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The Chat Completions body the adapters send. */
export interface ChatBody {
  model: string;
  messages: ChatMessageParam[];
  max_completion_tokens?: number;
  max_tokens?: number;
  temperature?: number;
  stream?: boolean;
  stream_options?: { include_usage: boolean };
}

interface ChatChoice {
  message?: { content?: string | null; refusal?: string | null };
  delta?: { content?: string | null; refusal?: string | null };
  finish_reason?: string | null;
}

interface ChatPayload {
  model?: string;
  choices?: ChatChoice[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

/** The body for `request`; `maxTokensField` is `max_completion_tokens` (OpenAI) or `max_tokens` (compatible APIs). */
export function chatBody(
  request: LLMRequest,
  model: string,
  maxTokens: number | undefined,
  maxTokensField: 'max_completion_tokens' | 'max_tokens',
): ChatBody {
  const body: ChatBody = {
    model,
    messages: request.messages.map((m) => ({
      role: m.role === 'tool' ? 'user' : m.role,
      content: contentText(m.content),
    })),
  };
  const limit = outputTokenLimit(request) ?? maxTokens;
  if (limit !== undefined) body[maxTokensField] = limit;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  return body;
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
  if (model !== undefined) result.model = model;
  if (finishReason !== undefined) {
    result.finishReason = toFinishReason(finishReason);
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
  const done: Extract<ProviderStreamEvent, { type: 'done' }> = {
    type: 'done',
    finishReason: toFinishReason(finishReason),
    rawFinishReason: finishReason,
  };
  if (model !== undefined) done.model = model;
  if (usage) done.usage = usage;
  yield done;
}
