/**
 * How each chaos contender is configured, in words, for the report. Kept next to `peers.ts`: change both.
 */
import { ATTEMPT_MS } from './scenario.js';

/** One contender's settings, as the report prints them. */
export interface PeerSetting {
  peer: string;
  settings: string;
}

/** Settings of every chaos contender. */
export const PEER_SETTINGS: readonly PeerSetting[] = [
  {
    peer: 'oracle',
    settings:
      'knows the schedule; one call to the fastest provider whose first attempt succeeds (openai client, maxRetries 0)',
  },
  {
    peer: 'openai-sdk',
    settings: `official openai client per provider, SDK default maxRetries 2 (honours Retry-After), timeout ${ATTEMPT_MS} ms; try/catch failover A→B→C`,
  },
  {
    peer: 'ai-sdk',
    settings: `Vercel AI SDK generateText over @ai-sdk/openai-compatible, default maxRetries 2 (2 s, 4 s backoff; honours Retry-After), timeout.stepMs ${ATTEMPT_MS}; failover A→B→C`,
  },
  {
    peer: 'cockatiel',
    settings: `per provider wrap(retry(maxAttempts 2, ExponentialBackoff; not on BrokenCircuitError), circuitBreaker(ConsecutiveBreaker(5), halfOpenAfter 10 s), timeout(${ATTEMPT_MS} ms, aggressive)) (README pattern); failover A→B→C`,
  },
  {
    peer: 'opossum',
    settings: `per provider new CircuitBreaker(fn, { timeout: ${ATTEMPT_MS}, errorThresholdPercentage: 50, resetTimeout: 30000 }) (README values); failover A→B→C`,
  },
  {
    peer: 'resilient-llm',
    settings: `three openaiProvider over the official client (maxRetries 0), priorities A<B<C, default breaker (5 failures, open 1 s doubling per failed probe to 60 s) and retry (3 attempts, Retry-After first), timeouts.attemptMs ${ATTEMPT_MS}`,
  },
  {
    peer: 'resilient-llm-openMs-2s',
    settings:
      'same, with breaker.openMs 2000: the run compresses a multi-minute outage into ~2 s of wall time, so a long open state outlasts the rest of the run; shown as a second row, never instead of the defaults',
  },
  {
    peer: 'resilient-llm-defaults',
    settings:
      'routing part only: createResilientLLM with pure defaults (attemptMs 30 s, breaker open 1 s doubling per failed probe to 60 s, backoff cap 8 s)',
  },
  {
    peer: 'resilient-llm-adaptive',
    settings: 'routing part only: the common settings plus the adaptive concurrency limit (concurrency: {})',
  },
  {
    peer: 'resilient-llm-hedged',
    settings:
      "routing part only: the common settings plus hedging: {} (mode 'both': a hedge when an attempt runs past the provider's p95 after 20 answers, 2 s before, or a race after a server error or timeout, whichever first; 1 hedge per call; budget 10% of calls over 10 s, races drawing at most half of it)",
  },
  {
    peer: 'resilient-llm-race',
    settings:
      "routing part only: the common settings plus hedging: { mode: 'on-failure' } (after a server error or timeout, a retry on the same provider races the next provider; same budget; no latency hedge)",
  },
];
