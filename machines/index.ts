/**
 * The statecharts of resilient-llm, importable into any app (`resilient-llm/machines`): pure XState v5
 * machines whose side effects are what you supply with `machine.provide({ actions, actors })` (the request
 * lifecycle's synchronous steps as actions raising their result, its attempt as an entry action that sends the
 * outcome back and an exit action that stops it, what else waits as actors).
 */
export { circuitBreakerMachine } from './circuit-breaker.js';
export { sharedCircuitBreakerMachine } from './circuit-breaker-shared.js';
export type {
  BreakerContext,
  BreakerDecision,
  BreakerEvent,
  BreakerMachineConfig,
  BreakerMachineInput,
  BreakerReason,
  BreakerSource,
  BreakerStateName,
  BreakerSyncState,
} from './circuit-breaker-types.js';
export { defaultBreakerMachineConfig, WINDOW_BUCKETS } from './circuit-breaker-types.js';
export { requestMachine } from './request.js';
export type * from './request-types.js';
