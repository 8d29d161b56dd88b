/**
 * OpenAI Responses API: request body, answer parsing and stream reading, over any client whose
 * `responses.create` behaves like the official SDK's.
 */
import { classifyError } from '../errors/classify.js';
import type { LLMRequest, ProviderResult, ProviderStreamEvent, Usage } from '../types.js';
import { contentText, outputTokenLimit } from '../types.js';
import type { ErrorContext } from './shared.js';
import { abortReason, contentFiltered, toFinishReason, toUsage, truncatedStream } from './shared.js';

/** The Responses body the adapter sends. */
export interface ResponsesBody {
  model: string;
  input: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
  max_output_tokens?: number;
  temperature?: number;
  stream?: boolean;
}

interface ResponsePayload {
  model?: string;
  status?: string;
  error?: unknown;
  incomplete_details?: { reason?: string } | null;
  output_text?: string;
  output?: Array<{ type?: string; content?: Array<{ type?: string; text?: string; refusal?: string }> }>;
  usage?: { input_tokens?: number; output_tokens?: number } | null;
}

/** The body for `request`. */
export function responsesBody(
  request: LLMRequest,
  model: string,
  maxTokens: number | undefined,
): ResponsesBody {
  const body: ResponsesBody = {
    model,
    input: request.messages.map((m) => ({
      role: m.role === 'tool' ? 'user' : m.role,
      content: contentText(m.content),
    })),
  };
  const limit = outputTokenLimit(request) ?? maxTokens;
  if (limit !== undefined) body.max_output_tokens = limit;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  return body;
}

function parts(response: ResponsePayload) {
  return (response.output ?? [])
    .filter((item) => item.type === 'message')
    .flatMap((item) => item.content ?? []);
}

/** Throws for a failed, filtered or refused response; returns its finish reason otherwise. */
function checkResponse(response: ResponsePayload, ctx: ErrorContext, partialText?: string): string {
  const where = {
    ...ctx,
    model: response.model ?? ctx.model,
    cause: response,
    ...(partialText ? { partialText } : {}),
  };
  if (response.status === 'failed') {
    throw classifyError({ error: response.error ?? { message: 'Response failed' } }, where).with({
      cause: response,
      ...(partialText ? { partialText } : {}),
    });
  }
  const reason = response.incomplete_details?.reason;
  if (reason === 'content_filter') throw contentFiltered(where, 'content_filter');
  if (parts(response).some((part) => part.type === 'refusal')) throw contentFiltered(where, 'refusal');
  return response.status === 'incomplete' ? (reason ?? 'incomplete') : (response.status ?? 'completed');
}

/** Reads a response; throws on failed, filtered or refused answers. */
export function parseResponse(payload: unknown, ctx: ErrorContext): ProviderResult {
  const response = (payload ?? {}) as ResponsePayload;
  const finishReason = checkResponse(response, ctx);
  const text =
    response.output_text ??
    parts(response)
      .filter((part) => part.type === 'output_text')
      .map((part) => part.text ?? '')
      .join('');
  const result: ProviderResult = {
    text,
    finishReason: toFinishReason(finishReason),
    rawFinishReason: finishReason,
  };
  const model = response.model ?? ctx.model;
  if (model !== undefined) result.model = model;
  const usage = toUsage(response.usage?.input_tokens, response.usage?.output_tokens);
  if (usage) result.usage = usage;
  return result;
}

interface StreamEvent {
  type?: string;
  delta?: string;
  response?: ResponsePayload;
}

/** Turns Responses stream events into deltas then `done`; error and failure events throw classified errors. */
export async function* readResponsesStream(
  events: AsyncIterable<unknown>,
  ctx: ErrorContext,
  signal: AbortSignal,
): AsyncGenerator<ProviderStreamEvent> {
  let text = '';
  let final: ResponsePayload | undefined;
  for await (const raw of events) {
    const event = raw as StreamEvent;
    if (event.type === 'response.output_text.delta' && event.delta) {
      text += event.delta;
      yield { type: 'delta', text: event.delta };
    } else if (event.type === 'error') {
      throw classifyError(raw, ctx).with({ cause: raw, ...(text ? { partialText: text } : {}) });
    } else if (
      event.type === 'response.completed' ||
      event.type === 'response.incomplete' ||
      event.type === 'response.failed'
    ) {
      final = event.response ?? {};
    }
  }
  if (signal.aborted) throw abortReason(signal);
  if (final === undefined) throw truncatedStream({ ...ctx, partialText: text });
  const finishReason = checkResponse(final, ctx, text);
  const done: Extract<ProviderStreamEvent, { type: 'done' }> = {
    type: 'done',
    finishReason: toFinishReason(finishReason),
    rawFinishReason: finishReason,
  };
  const model = final.model ?? ctx.model;
  if (model !== undefined) done.model = model;
  const usage: Usage | undefined = toUsage(final.usage?.input_tokens, final.usage?.output_tokens);
  if (usage) done.usage = usage;
  yield done;
}
