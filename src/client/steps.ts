/**
 * The steps of a call's success path, each written once: the fit check against the provider's context window,
 * the attempt's outcome (an answer without text is not an answer), the success record on the breaker permit,
 * the cache-write decision and the caller's result. The statechart's actors (`actors.ts`, `attempt.ts`), the
 * runner (`run.ts`) and the fast path (`fast-path.ts`) all call these; selection is `selectFrom` (`select.ts`)
 * and validation `validateAnswer`, also one function each. The attempt records and the primary answer come
 * from the machine's own builders (`successRecord`, `primaryAnswer`), so both paths record a success alike.
 */
import type { AnswerInfo, AttemptRecord } from '../../machines/request-types.js';
import type { BreakerPermit } from '../breaker/types.js';
import { LLMError } from '../errors/llm-error.js';
import { type LLMRequest, outputTokenLimit, type ProviderResult } from '../types.js';
import { sumUsage } from './answer.js';
import type { CallResult } from './call-request.js';
import type { ResolvedOptions } from './options.js';

/** A request that does not fit: its estimated tokens and the window left after the answer's `maxTokens`. */
export interface Overflow {
  tokens: number;
  /** Tokens the request may take, or undefined when the provider declares no window (forced truncation). */
  budget: number | undefined;
}

/**
 * The fit check: undefined when `request` goes to a provider with `contextWindow` as it is, else how far it
 * is over. `force` (the provider said "too long" although the estimate fit) always reports an overflow.
 */
export function overflowOf(
  request: LLMRequest,
  contextWindow: number | undefined,
  countTokens: (request: LLMRequest) => number,
  force = false,
): Overflow | undefined {
  if (contextWindow === undefined && !force) return undefined;
  const tokens = countTokens(request);
  const budget = contextWindow === undefined ? undefined : contextWindow - (outputTokenLimit(request) ?? 0);
  if (!force && budget !== undefined && tokens <= budget) return undefined;
  return { tokens, budget };
}

/**
 * The attempt's outcome from what the provider resolved with: undefined for an answer, else the
 * `invalid_response` error of an answer without text.
 */
export function missingTextError(
  providerId: string,
  result: ProviderResult | undefined,
): LLMError | undefined {
  if (typeof result?.text === 'string') return undefined;
  return new LLMError({
    type: 'invalid_response',
    message: 'The provider returned no text.',
    provider: providerId,
  });
}

/** The success record on the breaker: the permit goes back as a success of the attempt's duration. */
export function recordSuccess(
  permit: BreakerPermit,
  startedAt: number,
  now: number,
  rateLimit?: ProviderResult['rateLimit'],
): void {
  permit.release({ kind: 'success', durationMs: now - startedAt, rateLimit });
}

/** The cache-write decision: a schema-valid primary answer is stored when a cache and a key are given. */
export function writesCache(options: ResolvedOptions, cacheKey: string | undefined): boolean {
  return options.degradation.cache !== undefined && cacheKey !== undefined;
}

/** The caller's result from an answer, its (validated) data and the call's attempt records. */
export function callResult<T>(
  answer: AnswerInfo,
  data: unknown,
  attempts: AttemptRecord[],
  requestId: string,
  durationMs: number,
): CallResult<T> {
  return {
    data: data as T,
    text: answer.text,
    // The answer's tool calls (none: an empty list) and finish reason.
    toolCalls: answer.toolCalls ?? [],
    finishReason: answer.finishReason,
    source: answer.source,
    provider: answer.provider,
    model: answer.model,
    usage: sumUsage(attempts) ?? answer.usage,
    attempts,
    durationMs,
    requestId,
  };
}
