/**
 * The simplified-prompt step of degradation: one try of a cheaper request on each provider that failed for
 * reasons a smaller prompt can fix (too long, filtered, malformed answer), within the call's deadline.
 */
import { fromPromise } from 'xstate';
import type {
  AnswerInfo,
  AttemptRecord,
  SimplifiedInput,
  SimplifiedOutput,
} from '../../machines/request-types.js';
import { LLMError, type LLMErrorType } from '../errors/llm-error.js';
import type { LLMRequest } from '../types.js';
import { type ActorDeps, scopeOf } from './actor-deps.js';
import { judgeAnswer, withAttemptDetails } from './answer.js';
import { runAttempt } from './attempt.js';

/** Errors after which the same provider may still answer a simpler request. */
const SIMPLIFIABLE: ReadonlySet<LLMErrorType> = new Set([
  'context_length',
  'content_filtered',
  'invalid_response',
]);

/** Builds the simplified request: a string becomes the system prompt, kept with the last user message. */
export function simplifyRequest(
  request: LLMRequest,
  simplified: string | ((r: LLMRequest) => LLMRequest),
): LLMRequest {
  if (typeof simplified === 'function') return simplified(request);
  const lastUser = [...request.messages].reverse().find((m) => m.role === 'user');
  return {
    ...request,
    messages: [{ role: 'system', content: simplified }, ...(lastUser ? [lastUser] : [])],
  };
}

/** The `callSimplified` actor. */
export function callSimplifiedActor(deps: ActorDeps) {
  const { clock, registry, options } = deps;
  return fromPromise<SimplifiedOutput, SimplifiedInput>(async ({ input, signal }) => {
    const scope = scopeOf(deps, input.requestId);
    const simplified = options.degradation.simplifiedPrompt;
    const attempts: AttemptRecord[] = [];
    if (simplified === undefined) return { answer: null, attempts, at: clock.now() };
    const request = simplifyRequest(scope.request, simplified);
    for (const entry of registry.ranked()) {
      const last = scope.lastErrorByProvider.get(entry.provider.id);
      if (last !== undefined && !SIMPLIFIABLE.has(last)) continue;
      const remaining = input.deadlineAt - clock.now();
      if (remaining <= 0 || signal.aborted) break;
      const acquired = entry.breaker.tryAcquire();
      if (!acquired.ok) continue;
      const attemptSignal = new AbortController();
      const stop = () => attemptSignal.abort(signal.reason);
      signal.addEventListener('abort', stop, { once: true });
      const timer = clock.setTimeout(
        () => attemptSignal.abort(new LLMError({ type: 'timeout', code: 'attempt_timeout' })),
        Math.min(options.timeouts.attemptMs, remaining),
      );
      const startedAt = clock.now();
      const record = (
        outcome: AttemptRecord['outcome'],
        decision: AttemptRecord['decision'],
      ): AttemptRecord => ({
        provider: entry.provider.id,
        attempt: 1,
        startedAt,
        durationMs: clock.now() - startedAt,
        outcome,
        decision,
        phase: 'simplified',
      });
      try {
        const result = await Promise.race([
          runAttempt(
            deps,
            scope,
            entry,
            entry.stats.track(acquired.permit, clock),
            request,
            1,
            attemptSignal.signal,
          ),
          new Promise<never>((_, reject) =>
            attemptSignal.signal.addEventListener('abort', () => reject(attemptSignal.signal.reason), {
              once: true,
            }),
          ),
        ]);
        const valid = judgeAnswer(result, scope, entry.provider.id, options.validation);
        if (!valid.ok) {
          attempts.push(record('invalid_response', 'degrade'));
          continue;
        }
        attempts.push(withAttemptDetails(record('success', 'succeeded'), result));
        const answer: AnswerInfo = {
          text: result.text,
          data: valid.data,
          source: 'simplified',
          provider: entry.provider.id,
        };
        if (result.model !== undefined) answer.model = result.model;
        if (result.usage !== undefined) answer.usage = result.usage;
        if (result.toolCalls !== undefined) answer.toolCalls = result.toolCalls;
        if (result.finishReason !== undefined) answer.finishReason = result.finishReason;
        return { answer, attempts, at: clock.now() };
      } catch (thrown) {
        const type = LLMError.is(thrown) ? thrown.type : 'unknown';
        attempts.push(record(type, 'degrade'));
      } finally {
        clock.clearTimeout(timer);
        signal.removeEventListener('abort', stop);
      }
    }
    return { answer: null, attempts, at: clock.now() };
  });
}
