/**
 * Fitting a request into a provider's context window: a token estimate and the default truncation
 * (keep every system message and the newest messages that fit).
 */
import type { LLMRequest, Message } from '../types.js';

/** Rough token estimate: a token per 4 characters, plus 4 per message for framing. Replace it with `hooks.countTokens`. */
export function estimateTokens(request: LLMRequest): number {
  let tokens = 0;
  for (const message of request.messages) tokens += Math.ceil(message.content.length / 4) + 4;
  return tokens;
}

/**
 * Keeps system messages and the newest other messages within `maxTokens`; if even the newest message alone
 * is too long, keeps its end (the question usually closes the message). Never returns an empty conversation.
 */
export function truncateRequest(
  request: LLMRequest,
  budget: { maxTokens: number; countTokens: (r: LLMRequest) => number },
): LLMRequest {
  const system = request.messages.filter((m) => m.role === 'system');
  const others = request.messages.filter((m) => m.role !== 'system');
  const kept: Message[] = [];
  for (let i = others.length - 1; i >= 0; i--) {
    const candidate = [others[i] as Message, ...kept];
    if (budget.countTokens({ ...request, messages: [...system, ...candidate] }) > budget.maxTokens) break;
    kept.unshift(others[i] as Message);
  }
  if (kept.length > 0) return { ...request, messages: [...system, ...kept] };
  const newest = others.at(-1);
  if (!newest) return request;
  const systemTokens = budget.countTokens({ ...request, messages: system });
  const roomChars = Math.max(0, (budget.maxTokens - systemTokens - 4) * 4);
  const content = newest.content.slice(Math.max(0, newest.content.length - roomChars));
  return { ...request, messages: [...system, { ...newest, content }] };
}
