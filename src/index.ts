/**
 * resilient-llm: keeps LLM-backed applications answering when provider APIs fail.
 *
 * @example
 * ```ts
 * import { createResilientLLM, openaiProvider, anthropicProvider, memoryCache } from 'resilient-llm';
 * const llm = createResilientLLM({ providers: [openaiProvider({ client, model })], degradation: { fallback: 'Try later.' } });
 * const r = await llm.call({ messages: [{ role: 'user', content: 'Hi' }] });
 * ```
 */
export type { AnswerSource, AttemptDecision, AttemptRecord } from '../machines/request-types.js';
export type { BackoffContext, Jitter, ResolvedRetryOptions, RetryOptions } from './backoff.js';
export {
  backoffCap,
  computeBackoff,
  defaultRetryOptions,
  MAX_DELAY_MS,
  resolveRetryOptions,
  retryOptionsSchema,
} from './backoff.js';
export * from './breaker/index.js';
export type { MemoryCacheOptions } from './cache/memory-cache.js';
export { defaultMemoryCacheOptions, memoryCache } from './cache/memory-cache.js';
export type {
  CallRequest,
  CallResponseFormat,
  CallResult,
  CallTimeouts,
  CallToolDefinition,
  StreamRequest,
} from './client/call-request.js';
export type { ResilientLLM } from './client/create-resilient-llm.js';
export { createResilientLLM } from './client/create-resilient-llm.js';
export type {
  ContentFilterOptions,
  DegradationOptions,
  LifecycleHooks,
  ResilientLLMOptions,
  TimeoutOptions,
} from './client/options.js';
export type { ProviderConfig } from './client/registry.js';
export { DEFAULT_CONTENT_FILTER_INSTRUCTION, withPolicyInstruction } from './client/rewrite.js';
export { estimateTokens, truncateRequest } from './client/truncate.js';
export type { Clock } from './clock.js';
export { sleep, systemClock } from './clock.js';
export type { ClassifyOptions } from './errors/classify.js';
export {
  classifyError,
  classifyOptionsSchema,
  createClassifier,
  defaultClassifyOptions,
  QUOTA_RETRY_AFTER_THRESHOLD_MS,
} from './errors/classify.js';
export type { HeadersLike } from './errors/header-map.js';
export type { LLMErrorOptions, LLMErrorType, SerializedLLMError } from './errors/llm-error.js';
export { defaultRetryable, isLLMErrorType, LLM_ERROR_TYPES, LLMError } from './errors/llm-error.js';
export { headroomOf, type RateLimitInfo, rateLimitFromHeaders } from './errors/rate-limit-headers.js';
export { redactSecrets } from './errors/redact.js';
export { redactedCopy } from './errors/redact-value.js';
export {
  clampRetryAfterMs,
  MAX_RETRY_AFTER_MS,
  parseDurationMs,
  parseRetryAfter,
  parseRetryAfterValue,
  retryAfterFromHeaders,
  retryAfterFromText,
} from './errors/retry-after.js';
export { MIN_SECRET_CHARS, registerSecret } from './errors/secrets.js';
export * from './providers/index.js';
export type { RetryBudgetOptions } from './retry-budget.js';
export { defaultRetryBudgetOptions } from './retry-budget.js';
export { type AdmissionOptions, defaultAdmissionOptions } from './routing/admission.js';
export { ROUTING_STRATEGIES, type RoutingStrategy } from './routing/strategy.js';
export type {
  AttemptEvent,
  BreakerTransitionEvent,
  DecisionEvent,
  HookName,
  MeterLike,
  ObservationHooks,
  ResultEvent,
  TelemetryOptions,
  TracerLike,
} from './telemetry/types.js';
export type * from './types.js';
export { contentText, outputTokenLimit } from './types.js';
export type { ExtractResult } from './validation/extract-json.js';
export { extractJson } from './validation/extract-json.js';
export type { ValidationResult } from './validation/validate.js';
export { validateAnswer } from './validation/validate.js';
