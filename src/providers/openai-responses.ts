/**
 * OpenAI Responses API: request body, answer parsing and stream reading, over any client whose
 * `responses.create` behaves like the official SDK's.
 */
import { classifyError } from '../errors/classify.js';
import type { LLMRequest, Message, ProviderResult, ProviderStreamEvent, ToolCall, Usage } from '../types.js';
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

type ResponsesInputItem =
  | {
      role: 'system' | 'user' | 'assistant';
      content:
        | string
        | Array<
            { type: 'input_text'; text: string } | { type: 'input_image'; image_url: string; detail: 'auto' }
          >;
    }
  | { type: 'function_call'; call_id: string; name: string; arguments: string }
  | { type: 'function_call_output'; call_id: string; output: string };

/** The Responses body the adapter sends. */
export interface ResponsesBody {
  model: string;
  input: ResponsesInputItem[];
  max_output_tokens?: number;
  temperature?: number;
  tools?: Array<{
    type: 'function';
    name: string;
    description?: string;
    parameters: Record<string, unknown>;
    strict: false;
  }>;
  tool_choice?: 'auto' | 'none' | 'required' | { type: 'function'; name: string };
  text?: {
    format:
      | { type: 'json_object' }
      | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict: false };
  };
  stream?: boolean;
}

interface OutputItem {
  type?: string;
  id?: string;
  call_id?: string;
  name?: string;
  arguments?: string;
  content?: Array<{ type?: string; text?: string; refusal?: string }>;
}

interface ResponsePayload {
  model?: string;
  status?: string;
  error?: unknown;
  incomplete_details?: { reason?: string } | null;
  output_text?: string;
  output?: OutputItem[];
  usage?: { input_tokens?: number; output_tokens?: number } | null;
}

function inputItems(m: Message): ResponsesInputItem[] {
  switch (m.role) {
    case 'system':
      return [{ role: 'system', content: m.content }];
    case 'user':
      return [
        {
          role: 'user',
          content:
            typeof m.content === 'string'
              ? m.content
              : m.content.map((part) =>
                  part.type === 'text'
                    ? { type: 'input_text', text: part.text }
                    : { type: 'input_image', image_url: imageUrl(part), detail: 'auto' },
                ),
        },
      ];
    case 'assistant': {
      const text = contentText(m.content);
      const items: ResponsesInputItem[] = text === '' ? [] : [{ role: 'assistant', content: text }];
      for (const call of m.toolCalls ?? []) {
        items.push({
          type: 'function_call',
          call_id: call.id,
          name: call.name,
          arguments: JSON.stringify(call.input ?? {}),
        });
      }
      return items;
    }
    case 'tool':
      return [{ type: 'function_call_output', call_id: m.toolCallId, output: m.content }];
  }
}

/**
 * The body for `request`. The Responses API has no stop sequences: `request.stop` is not sent (pass
 * another API's equivalent through `providerOptions` if it gains one).
 */
export function responsesBody(
  request: LLMRequest,
  config: { providerId: string; model: string; maxTokens: number | undefined },
): ResponsesBody {
  const body: ResponsesBody = { model: config.model, input: request.messages.flatMap(inputItems) };
  const limit = outputTokenLimit(request) ?? config.maxTokens;
  if (limit !== undefined) body.max_output_tokens = limit;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      parameters: tool.inputSchema,
      strict: false,
    }));
  }
  const choice = request.toolChoice;
  if (choice !== undefined) {
    body.tool_choice = typeof choice === 'string' ? choice : { type: 'function', name: choice.tool };
  }
  const format = request.responseFormat;
  if (format === 'json') body.text = { format: { type: 'json_object' } };
  else if (typeof format === 'object') {
    body.text = {
      format: { type: 'json_schema', name: format.name ?? 'response', schema: format.schema, strict: false },
    };
  }
  return { ...body, ...bodyOptions(request, config.providerId) };
}

function toolCallsOf(response: ResponsePayload, ctx: ErrorContext): ToolCall[] {
  return (response.output ?? [])
    .filter((item) => item.type === 'function_call')
    .map((item) => {
      const name = item.name ?? '';
      return {
        id: item.call_id ?? item.id ?? '',
        name,
        input: parseToolInput(item.arguments ?? '', ctx, name),
      };
    });
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
  const toolCalls = toolCallsOf(response, ctx);
  const result: ProviderResult = {
    text,
    finishReason: finishOf(finishReason, toolCalls),
    rawFinishReason: finishReason,
  };
  if (toolCalls.length > 0) result.toolCalls = toolCalls;
  const model = response.model ?? ctx.model;
  if (model !== undefined) result.model = model;
  const usage = toUsage(response.usage?.input_tokens, response.usage?.output_tokens);
  if (usage) result.usage = usage;
  return result;
}

interface StreamEvent {
  type?: string;
  delta?: string;
  output_index?: number;
  item?: OutputItem;
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
  const tools = new ToolCallCollector(ctx);
  for await (const raw of events) {
    const event = raw as StreamEvent;
    if (event.type === 'response.output_text.delta' && event.delta) {
      text += event.delta;
      yield { type: 'delta', text: event.delta };
    } else if (event.type === 'response.output_item.added' && event.item?.type === 'function_call') {
      const id = event.item.call_id ?? event.item.id;
      yield tools.delta(event.output_index ?? 0, id, event.item.name, event.item.arguments ?? '');
    } else if (event.type === 'response.function_call_arguments.delta' && event.delta) {
      yield tools.delta(event.output_index ?? 0, undefined, undefined, event.delta);
    } else if (event.type === 'response.output_item.done' && event.item?.type === 'function_call') {
      const done = tools.complete(event.output_index ?? 0);
      if (done) yield done;
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
  yield* tools.completeAll();
  const done: Extract<ProviderStreamEvent, { type: 'done' }> = {
    type: 'done',
    finishReason: finishOf(finishReason, tools.calls),
    rawFinishReason: finishReason,
  };
  const model = final.model ?? ctx.model;
  if (model !== undefined) done.model = model;
  const usage: Usage | undefined = toUsage(final.usage?.input_tokens, final.usage?.output_tokens);
  if (usage) done.usage = usage;
  yield done;
}
