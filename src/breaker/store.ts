/**
 * Breaker stores: where circuit-breaker state lives when several breakers (in one process or many) share
 * it. `memoryStore()` shares within a process; `redisStore()` (from `resilient-llm/redis`) across
 * processes. Both implement {@link BreakerStore} and pass one contract suite.
 *
 * A store keeps, per breaker id, the shared state (state name, open-until by the store's own clock, trips,
 * re-trips), the counters that decide trips (consecutive failures, a sliding window, half-open successes)
 * and the half-open probe leases. Every operation is atomic in the store. Times never cross process
 * boundaries as absolute values: a store reports `remainingMs`, measured on its own clock.
 */
import type {
  BreakerMachineConfig,
  BreakerStateName,
  BreakerSyncState,
} from '../../machines/circuit-breaker-types.js';

export type { BreakerSyncState };

/** A breaker's shared state, as a store reports it. */
export interface SharedBreakerState extends BreakerSyncState {
  /** Breaker id. */
  id: string;
  /** Bumped on every change; outcomes of permits issued in an older epoch are not counted. */
  epoch: number;
  /** One life of the stored state: a store that lost its data (a restarted Redis) starts a new one. */
  generation: string;
}

/** How an outcome counts, as the breaker judged it (`verdictOf`: slow successes are failures). */
export type StoreVerdict = 'success' | 'failure' | 'ignored';

/** One outcome of a permit, reported to the store. */
export interface StoreOutcome {
  /** The epoch the permit was issued in. */
  epoch: number;
  verdict: StoreVerdict;
  /** A counted failure's Retry-After hint, which may stretch the open period. */
  retryAfterMs?: number | undefined;
  /** The half-open probe lease the permit used, returned to the store. */
  leaseId?: string | undefined;
}

/** The answer to a half-open probe reservation. */
export interface ProbeReservation {
  granted: boolean;
  state: SharedBreakerState;
}

/**
 * What a breaker tells the store when it (re)joins: its local state. A store that has no state for the
 * breaker (first use, or a restarted Redis) starts from it; a local trip made while the store was
 * unreachable (`tripped`) opens a shared state that is still closed.
 */
export interface StoreSeed extends BreakerSyncState {
  tripped: boolean;
}

/** Ops commands, applied to the shared state (so every process sees them). */
export type StoreCommand = 'forceOpen' | 'disable' | 'reset';

/** One breaker's view of a store. Every method is atomic in the store and resolves the state after it. */
export interface SharedBreakerHandle {
  /** Creates the shared state from `seed` when absent (merging a local trip); resolves the state. */
  join(seed: StoreSeed): Promise<SharedBreakerState>;
  /** The current state (an elapsed open period turns into half-open here, by the store's clock). */
  read(): Promise<SharedBreakerState>;
  /** Counts one outcome; may trip, close or reopen the shared state. */
  record(outcome: StoreOutcome): Promise<SharedBreakerState>;
  /** Reserves one of the `halfOpenMaxCalls` probe permits for `leaseId` (expires after the lease time). */
  acquireProbe(leaseId: string): Promise<ProbeReservation>;
  /** Gives an unused or cancelled probe permit back. */
  releaseProbe(leaseId: string): Promise<void>;
  /** Applies an ops command. */
  command(command: StoreCommand): Promise<SharedBreakerState>;
  /** Calls `listener` with every change of the shared state made by anyone; returns the unsubscribe. */
  subscribe(listener: (state: SharedBreakerState) => void): () => void;
}

/** Shared breaker state. Pass one as `store` to `createCircuitBreaker` / `createResilientLLM`. */
export interface BreakerStore {
  /** `memory`, `redis`, or a custom name. */
  readonly kind: string;
  /** Bound on one store operation; a breaker that waits longer falls back to local decisions. */
  readonly timeoutMs: number;
  /** How often a breaker re-reads the shared state (catching missed messages); a lost store is retried at least every second. */
  readonly refreshMs: number;
  /** The handle of breaker `id`, deciding with `config`. */
  breaker(id: string, config: BreakerMachineConfig): SharedBreakerHandle;
  /** Releases the store's connections and timers. */
  close(): Promise<void>;
}

/** The names of shared states, for validation. */
export const SHARED_STATE_NAMES = [
  'closed',
  'open',
  'halfOpen',
  'forcedOpen',
  'disabled',
] as const satisfies readonly BreakerStateName[];
