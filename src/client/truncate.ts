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
 * Keeps system messages and the newest other messages within `maxTokens`. Never cuts a message and never
 * returns an empty conversation: when even the newest message is too long, the request comes back unchanged.
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
  // Even the newest message alone does not fit: leave the request whole, so the check fails and the
  // lifecycle fails over to a larger window instead of cutting the user's question.
  return kept.length > 0 ? { ...request, messages: [...system, ...kept] } : request;
}
