/**
 * The shared breaker's transitions as pure functions over one stored record: what `memoryStore()` runs,
 * and what the Redis store's Lua script does atomically (`src/redis/script.ts` mirrors this file). The rules
 * themselves (open duration, window buckets, thresholds, probe limit) are `machines/breaker-rules.ts`'s.
 */

import {
  bucketInWindow,
  bucketStartOf,
  extendedHint,
  openDurationMs,
  probeSlotFree,
  probesClose,
  probesReopen,
  rateExceeded,
  thresholdReached,
} from '../../machines/breaker-rules.js';
import type {
  BreakerMachineConfig,
  BreakerReason,
  BreakerStateName,
} from '../../machines/circuit-breaker-types.js';
import type { SharedBreakerState, StoreCommand, StoreOutcome, StoreSeed } from './store.js';

/** One breaker's stored record. Times are the store clock's. */
export interface StoredBreaker {
  state: BreakerStateName;
  epoch: number;
  generation: string;
  openUntil: number;
  reason: BreakerReason;
  trips: number;
  reopens: number;
  /** Consecutive counted failures (closed). */
  consecutive: number;
  /** Successful probes (half-open). */
  probeSuccesses: number;
  /** Counted probe failures (half-open). */
  probeFailures: number;
  /** Latest Retry-After horizon of this period, or null. */
  hintUntil: number | null;
  /** Rate-mode buckets by start time. */
  window: Map<number, { calls: number; failures: number }>;
  /** Half-open probe leases: id to expiry time. */
  leases: Map<string, number>;
}

/** A closed record of a new generation. */
export function freshRecord(generation: string): StoredBreaker {
  return {
    state: 'closed',
    epoch: 1,
    generation,
    openUntil: 0,
    reason: 'initial',
    trips: 0,
    reopens: 0,
    consecutive: 0,
    probeSuccesses: 0,
    probeFailures: 0,
    hintUntil: null,
    window: new Map(),
    leases: new Map(),
  };
}

/** Moves `record` into `state`: a new epoch with every counter cleared. */
function enter(record: StoredBreaker, state: BreakerStateName, reason: BreakerReason): void {
  record.state = state;
  record.reason = reason;
  record.epoch += 1;
  record.consecutive = 0;
  record.probeSuccesses = 0;
  record.probeFailures = 0;
  record.hintUntil = null;
  record.window.clear();
  record.leases.clear();
}

/** Opens `record` at `now` after `reopens` re-trips: grown duration, stretched to the Retry-After hint. */
function trip(
  record: StoredBreaker,
  config: BreakerMachineConfig,
  now: number,
  reason: BreakerReason,
  reopens: number,
): void {
  const duration = openDurationMs(config, reopens, record.hintUntil, now);
  enter(record, 'open', reason);
  record.trips += 1;
  record.reopens = reopens;
  record.openUntil = now + duration;
}

/** Turns an elapsed open period into half-open (lazily, whenever the record is touched). */
export function advance(record: StoredBreaker, now: number): void {
  if (record.state === 'open' && now >= record.openUntil) enter(record, 'halfOpen', 'open_elapsed');
}

/** Starts `record` from a breaker's local state (the store had none). */
export function seedRecord(record: StoredBreaker, seed: StoreSeed, now: number): void {
  if (seed.state === 'closed') return;
  enter(record, seed.state === 'halfOpen' ? 'open' : seed.state, seed.reason);
  record.trips = seed.trips;
  record.reopens = seed.reopens;
  record.openUntil = now + (seed.state === 'open' ? Math.max(0, seed.remainingMs ?? 0) : 0);
}

/** Merges a local trip made while the store was unreachable into a closed shared state. */
export function mergeSeed(record: StoredBreaker, seed: StoreSeed, now: number): void {
  if (!seed.tripped || seed.state !== 'open' || record.state !== 'closed') return;
  enter(record, 'open', seed.reason);
  record.trips += 1;
  record.reopens = seed.reopens;
  record.openUntil = now + Math.max(0, seed.remainingMs ?? 0);
}

/** Adds one call to the window and says whether the failure rate now trips it. */
function rateTrips(
  record: StoredBreaker,
  config: BreakerMachineConfig,
  now: number,
  failed: boolean,
): boolean {
  if (config.failureRateThreshold === null) return false;
  const start = bucketStartOf(now, config.windowMs);
  let calls = 0;
  let failures = 0;
  for (const [bucketStart, bucket] of record.window) {
    if (!bucketInWindow(bucketStart, start, config.windowMs)) record.window.delete(bucketStart);
    else {
      calls += bucket.calls;
      failures += bucket.failures;
    }
  }
  const bucket = record.window.get(start) ?? { calls: 0, failures: 0 };
  bucket.calls += 1;
  bucket.failures += failed ? 1 : 0;
  record.window.set(start, bucket);
  calls += 1;
  failures += failed ? 1 : 0;
  return failed && rateExceeded(config, calls, failures);
}

/** Counts `outcome` (ignored when its epoch is not the current one). */
export function recordOutcome(
  record: StoredBreaker,
  config: BreakerMachineConfig,
  now: number,
  outcome: StoreOutcome,
): void {
  if (outcome.leaseId !== undefined) record.leases.delete(outcome.leaseId);
  if (outcome.epoch !== record.epoch || outcome.verdict === 'ignored') return;
  const failed = outcome.verdict === 'failure';
  if (failed) record.hintUntil = extendedHint(record.hintUntil, now, outcome.retryAfterMs);
  if (record.state === 'closed') {
    record.consecutive = failed ? record.consecutive + 1 : 0;
    const byRate = rateTrips(record, config, now, failed);
    if (failed && thresholdReached(record.consecutive, config.failureThreshold))
      trip(record, config, now, 'failure_threshold', 0);
    else if (byRate) trip(record, config, now, 'failure_rate', 0);
  } else if (record.state === 'halfOpen') {
    if (failed) {
      if (probesReopen(++record.probeFailures, config))
        trip(record, config, now, 'probe_failed', record.reopens + 1);
    } else if (probesClose(++record.probeSuccesses, config.successThreshold)) {
      enter(record, 'closed', 'probes_succeeded');
      record.reopens = 0;
    }
  }
}

/** Reserves a probe lease until `now + leaseMs` when half-open with a free slot. */
export function reserveProbe(
  record: StoredBreaker,
  config: BreakerMachineConfig,
  now: number,
  leaseId: string,
  leaseMs: number,
): boolean {
  if (record.state !== 'halfOpen') return false;
  for (const [id, expiresAt] of record.leases) if (expiresAt <= now) record.leases.delete(id);
  if (!probeSlotFree(record.leases.size, config.halfOpenMaxCalls)) return false;
  record.leases.set(leaseId, now + leaseMs);
  return true;
}

/** Applies an ops command. */
export function applyCommand(record: StoredBreaker, command: StoreCommand): void {
  if (command === 'forceOpen') enter(record, 'forcedOpen', 'forced_open');
  else if (command === 'disable') enter(record, 'disabled', 'disabled');
  else {
    enter(record, 'closed', 'reset');
    record.reopens = 0;
  }
}

/** The state a store reports for `record` at `now`. */
export function viewOf(id: string, record: StoredBreaker, now: number): SharedBreakerState {
  return {
    id,
    state: record.state,
    epoch: record.epoch,
    generation: record.generation,
    remainingMs: record.state === 'open' ? Math.max(0, record.openUntil - now) : null,
    reason: record.reason,
    trips: record.trips,
    reopens: record.reopens,
  };
}
