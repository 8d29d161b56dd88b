/**
 * The contenders of the overhead benchmark, each wrapping the same in-process provider: a plain async
 * function, cockatiel's composed policy, opossum's breaker and resilient-llm's `call()`. Every one gets the
 * same per-attempt timeout (30 s) and the same static fallback.
 */

import {
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  fallback,
  handleAll,
  retry,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import CircuitBreaker from 'opossum';
import { z } from 'zod';
import { createResilientLLM } from '../../src/client/create-resilient-llm.js';
import {
  createTelemetrySubject,
  TELEMETRY_SUBJECTS,
  type TelemetrySubjectName,
} from './telemetry-subjects.js';

/** The provider every subject wraps: resolves an answer (at once, or when a gate opens). */
export type RawProvider = (signal?: AbortSignal) => Promise<string>;

/** One contender, ready to call. */
export interface Subject {
  call(): Promise<unknown>;
  stop(): Promise<void>;
}

/** Names of the contenders, in report order. */
export const SUBJECTS = [
  'plain',
  'cockatiel',
  'opossum',
  'resilient-llm',
  'resilient-llm+schema',
  'resilient-llm+statechart',
] as const;
/** A contender's name. */
export type SubjectName = (typeof SUBJECTS)[number];

/** Per-attempt timeout given to every contender. */
export const ATTEMPT_MS = 30_000;
/** Static fallback given to every contender. */
export const FALLBACK = '{"answer":"Sorry, try again later."}'; // valid for the +schema subject's schema
/** What the provider answers (valid for the schema). */
export const ANSWER = '{"answer":"ok"}';

const answerSchema = z.object({ answer: z.string() });
const messages = [{ role: 'user' as const, content: 'ping' }];

function cockatielSubject(provider: RawProvider): Subject {
  // The composition cockatiel's README recommends: fallback(retry(breaker(timeout(fn)))).
  const policy = wrap(
    fallback(handleAll, FALLBACK),
    retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() }),
    circuitBreaker(handleAll, { halfOpenAfter: 60_000, breaker: new ConsecutiveBreaker(5) }),
    timeout(ATTEMPT_MS, TimeoutStrategy.Aggressive),
  );
  return { call: () => policy.execute(({ signal }) => provider(signal)), stop: async () => {} };
}

function opossumSubject(provider: RawProvider): Subject {
  const breaker = new CircuitBreaker(provider, {
    timeout: ATTEMPT_MS,
    errorThresholdPercentage: 50,
    resetTimeout: 60_000,
  });
  breaker.fallback(() => FALLBACK);
  return {
    call: () => breaker.fire(),
    stop: async () => {
      breaker.shutdown();
    },
  };
}

/**
 * resilient-llm's `call()`; `statechart` turns the fast path off, so every call runs the request statechart
 * (the path a call takes when it needs a decision: a failure, invalid output, a cache write).
 */
function resilientSubject(provider: RawProvider, withSchema: boolean, statechart = false): Subject {
  const llm = createResilientLLM({
    providers: [{ id: 'inproc', call: async (_req, { signal }) => ({ text: await provider(signal) }) }],
    timeouts: { attemptMs: ATTEMPT_MS },
    degradation: { fallback: FALLBACK },
    inspect: false,
    fastPath: !statechart,
  });
  return {
    call: withSchema ? () => llm.call({ messages, schema: answerSchema }) : () => llm.call({ messages }),
    stop: () => llm.stop(),
  };
}

/** Builds the named contender around `provider`. */
export function createSubject(name: SubjectName | TelemetrySubjectName, provider: RawProvider): Subject {
  if ((TELEMETRY_SUBJECTS as readonly string[]).includes(name))
    return createTelemetrySubject(name as TelemetrySubjectName, provider);
  switch (name as SubjectName) {
    case 'plain':
      return {
        call: async () => {
          const text = await provider();
          return text;
        },
        stop: async () => {},
      };
    case 'cockatiel':
      return cockatielSubject(provider);
    case 'opossum':
      return opossumSubject(provider);
    case 'resilient-llm':
      return resilientSubject(provider, false);
    case 'resilient-llm+schema':
      return resilientSubject(provider, true);
    case 'resilient-llm+statechart':
      return resilientSubject(provider, false, true);
  }
}

/** Narrows a string to a {@link SubjectName}; throws a clear error otherwise. */
export function subjectName(value: string | undefined): SubjectName | TelemetrySubjectName {
  const known: readonly string[] = [...SUBJECTS, ...TELEMETRY_SUBJECTS];
  if (known.includes(value ?? '')) return value as SubjectName;
  throw new TypeError(`Unknown overhead subject "${value}"; expected one of ${known.join(', ')}`);
}
