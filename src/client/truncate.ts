/**
 * Fitting a request into a provider's context window: a token estimate and the default truncation
 * (keep every system message and the newest messages that fit).
 */
import type { LLMRequest, Message } from '../types.js';

/** What one image is counted as: about what a ~1 megapixel image costs on the major APIs. */
export const IMAGE_TOKEN_ESTIMATE = 1_000;

const chars = (text: string) => Math.ceil(text.length / 4);

/** Rough size of one message: its text, images, tool calls (name and JSON input) and framing. */
export function estimateMessageTokens(message: Message): number {
  let tokens = 4;
  if (typeof message.content === 'string') tokens += chars(message.content);
  else {
    for (const part of message.content)
      tokens += part.type === 'text' ? chars(part.text) : IMAGE_TOKEN_ESTIMATE;
  }
  if (message.role === 'assistant') {
    for (const call of message.toolCalls ?? []) {
      tokens += 4 + chars(call.id) + chars(call.name) + chars(JSON.stringify(call.input ?? null));
    }
  }
  if (message.role === 'tool') tokens += chars(message.toolCallId);
  return tokens;
}

/**
 * Rough token estimate: a token per 4 characters (text, tool-call ids, names and JSON inputs, tool
 * definitions), {@link IMAGE_TOKEN_ESTIMATE} per image, plus 4 per message and per call for framing.
 * Replace it with `hooks.countTokens`.
 */
export function estimateTokens(request: LLMRequest): number {
  let tokens = 0;
  for (const message of request.messages) tokens += estimateMessageTokens(message);
  for (const tool of request.tools ?? []) tokens += chars(JSON.stringify(tool));
  return tokens;
}

/**
 * The conversation (system messages left out) in units that are kept or dropped whole: a message, or an
 * assistant message that calls tools together with the tool results that follow it.
 */
function units(messages: readonly Message[]): Message[][] {
  const out: Message[][] = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    const last = out[out.length - 1];
    if (m.role === 'tool' && last !== undefined) last.push(m);
    else out.push([m]);
  }
  return out;
}

/**
 * Keeps system messages and the newest other messages within `maxTokens`. Never cuts a message, never
 * separates an assistant's tool calls from their results (they are kept or dropped together), and never
 * returns an empty conversation: when even the newest unit is too long, the request comes back unchanged.
 */
export function truncateRequest(
  request: LLMRequest,
  budget: { maxTokens: number; countTokens: (r: LLMRequest) => number },
): LLMRequest {
  const system = request.messages.filter((m) => m.role === 'system');
  const all = units(request.messages);
  let kept: Message[] = [];
  for (let i = all.length - 1; i >= 0; i--) {
    const candidate = [...(all[i] as Message[]), ...kept];
    if (budget.countTokens({ ...request, messages: [...system, ...candidate] }) > budget.maxTokens) break;
    kept = candidate;
  }
  // Even the newest unit alone does not fit: leave the request whole, so the check fails and the
  // lifecycle fails over to a larger window instead of cutting the user's question.
  return kept.length > 0 ? { ...request, messages: [...system, ...kept] } : request;
}
