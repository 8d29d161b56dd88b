/**
 * The vocabulary every layer shares: the error taxonomy's type names and the request, message and usage
 * shapes. It imports nothing, so the statecharts (`machines/`) and the runtime (`src/`) can both build on
 * it; `resilient-llm` re-exports all of it from `src/errors/llm-error.ts` and `src/types.ts`.
 */

/** Every value `LLMError.type` can take. */
export const LLM_ERROR_TYPES = [
  'rate_limit',
  'quota_exhausted',
  'timeout',
  'invalid_response',
  'content_filtered',
  'context_length',
  'authentication',
  'bad_request',
  'provider_error',
  'aborted',
  'unknown',
] as const;

/** What went wrong, as one of the 11 taxonomy types. */
export type LLMErrorType = (typeof LLM_ERROR_TYPES)[number];

/** Whether retrying the same provider can help, per type, when the source says nothing more precise. */
export const defaultRetryable: Readonly<Record<LLMErrorType, boolean>> = {
  rate_limit: true,
  quota_exhausted: false,
  timeout: true,
  invalid_response: true,
  content_filtered: false,
  context_length: false,
  authentication: false,
  bad_request: false,
  provider_error: true,
  aborted: false,
  unknown: false,
};

/** JSON form of an {@link LLMError}. */
export interface SerializedLLMError {
  name: 'LLMError';
  type: LLMErrorType;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
  provider?: string;
  model?: string;
  status?: number;
  code?: string;
}

/** True when `value` is one of the 11 taxonomy types. */
export function isLLMErrorType(value: unknown): value is LLMErrorType {
  return typeof value === 'string' && (LLM_ERROR_TYPES as readonly string[]).includes(value);
}

/** Who said a message. */
export type Role = 'system' | 'user' | 'assistant';

/** One chat message. */
export interface Message {
  role: Role;
  content: string;
}

/** What a caller asks for; providers receive it (possibly truncated or rewritten by the lifecycle). */
export interface LLMRequest {
  messages: Message[];
  /** Upper bound on generated tokens, passed to the provider. @default provider's own default */
  maxTokens?: number;
  /** Sampling temperature, passed to the provider. @default provider's own default */
  temperature?: number;
}

/** Token counts reported by a provider. */
export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
}
