/**
 * The rewrite tried once after a content filter, before failing over: the user's `hooks.rewritePrompt`, or
 * by default a system instruction asking the model to answer within its content policy.
 */
import type { LLMError } from '../errors/llm-error.js';
import type { LLMRequest } from '../types.js';
import type { LifecycleHooks } from './options.js';

export { DEFAULT_CONTENT_FILTER_INSTRUCTION } from './content-filter-instruction.js';

/** Adds `instruction` as the first system message (before any of the caller's). */
export function withPolicyInstruction(request: LLMRequest, instruction: string): LLMRequest {
  return { ...request, messages: [{ role: 'system', content: instruction }, ...request.messages] };
}

/** Whether a content filter leads to a rewrite at all (a hook, or the default instruction not turned off). */
export function rewritesContentFilter(hooks: LifecycleHooks, instruction: string | false): boolean {
  return hooks.rewritePrompt !== undefined || instruction !== false;
}

/** The request to try after `error`, or undefined to fail over. */
export async function rewriteAfterFilter(
  request: LLMRequest,
  error: LLMError,
  hooks: LifecycleHooks,
  instruction: string | false,
): Promise<LLMRequest | undefined> {
  if (hooks.rewritePrompt) return hooks.rewritePrompt(request, error);
  return instruction === false ? undefined : withPolicyInstruction(request, instruction);
}
