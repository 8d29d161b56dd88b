/**
 * Circuit breaker runtime: `createCircuitBreaker` and its types.
 */
export { createCircuitBreaker } from './create-circuit-breaker.js';
export { toLLMError } from './execute.js';
export type { BreakerOptions, ResolvedBreakerOptions } from './options.js';
export { defaultBreakerOptions, resolveBreakerOptions } from './options.js';
export type { BreakerSnapshot } from './snapshot.js';
export { BREAKER_STATE_NAMES } from './snapshot.js';
export type {
  BreakerStore,
  BreakerSyncState,
  ProbeReservation,
  SharedBreakerHandle,
  SharedBreakerState,
  StoreCommand,
  StoreOutcome,
  StoreSeed,
  StoreVerdict,
} from './store.js';
export type { MemoryStoreOptions } from './store-memory.js';
export { defaultMemoryStoreOptions, memoryStore } from './store-memory.js';
export type {
  BreakerAcquireResult,
  BreakerExecuteOptions,
  BreakerOutcome,
  BreakerPermit,
  BreakerReason,
  BreakerStateName,
  BreakerTransition,
  CircuitBreaker,
} from './types.js';
