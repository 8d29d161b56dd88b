export type { Clock } from './clock.js';
export { sleep, systemClock } from './clock.js';
export type { LLMErrorOptions, LLMErrorType, SerializedLLMError } from './errors/llm-error.js';
export { defaultRetryable, isLLMErrorType, LLM_ERROR_TYPES, LLMError } from './errors/llm-error.js';
export type * from './types.js';
