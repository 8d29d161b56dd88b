/**
 * `memoryStore()`: a {@link BreakerStore} in this process's memory. Breakers given the same store share
 * their state (e.g. several clients of one provider in one process); it is also the reference the Redis
 * store is checked against by the shared contract suite. Without any `store`, a breaker keeps its state in
 * its own actor, which is the default.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { BreakerMachineConfig } from '../../machines/circuit-breaker-types.js';
import { type Clock, systemClock } from '../clock.js';
import { parseOptions } from '../options.js';
import type { BreakerStore, SharedBreakerHandle, SharedBreakerState } from './store.js';
import {
  advance,
  applyCommand,
  freshRecord,
  mergeSeed,
  recordOutcome,
  reserveProbe,
  type StoredBreaker,
  seedRecord,
  viewOf,
} from './store-logic.js';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** The store's clock (open periods and probe leases are measured on it). @default systemClock */
  clock?: Clock;
  /** How long a half-open probe permit stays reserved; set it above your attempt timeout. @default 30_000 */
  probeLeaseMs?: number;
  /** How often breakers re-read the shared state. @default 1_000 */
  refreshMs?: number;
  /** Bound on one operation (never reached in memory; kept for the interface). @default 250 */
  timeoutMs?: number;
}

/** Defaults of {@link MemoryStoreOptions}. */
export const defaultMemoryStoreOptions = {
  clock: systemClock,
  probeLeaseMs: 30_000,
  refreshMs: 1_000,
  timeoutMs: 250,
} satisfies Required<MemoryStoreOptions>;

const positiveMs = z.number().positive().finite();
const schema = z.strictObject({
  clock: z
    .custom<Clock>((v) => typeof (v as Clock)?.now === 'function', 'expected a Clock')
    .default(defaultMemoryStoreOptions.clock),
  probeLeaseMs: positiveMs.default(defaultMemoryStoreOptions.probeLeaseMs),
  refreshMs: positiveMs.default(defaultMemoryStoreOptions.refreshMs),
  timeoutMs: positiveMs.default(defaultMemoryStoreOptions.timeoutMs),
});

/** A breaker store in this process's memory. */
export function memoryStore(options: MemoryStoreOptions = {}): BreakerStore {
  const { clock, probeLeaseMs, refreshMs, timeoutMs } = parseOptions('memoryStore options', schema, options);
  const records = new Map<string, StoredBreaker>();
  const listeners = new Map<string, Set<(state: SharedBreakerState) => void>>();
  let closed = false;

  /** Runs `change` on breaker `id`'s record atomically; announces a new epoch to every subscriber. */
  const update = <T>(
    id: string,
    change: (record: StoredBreaker, now: number) => T,
  ): [T, SharedBreakerState] => {
    if (closed) throw new Error('memoryStore is closed');
    const now = clock.now();
    let record = records.get(id);
    if (record === undefined) {
      record = freshRecord(randomUUID());
      records.set(id, record);
    }
    const before = record.epoch;
    advance(record, now);
    const result = change(record, now);
    const view = viewOf(id, record, now);
    if (record.epoch !== before) {
      for (const listener of listeners.get(id) ?? []) queueMicrotask(() => listener(view));
    }
    return [result, view];
  };
  const run = async <T>(id: string, change: (record: StoredBreaker, now: number) => T) => update(id, change);

  const handle = (id: string, config: BreakerMachineConfig): SharedBreakerHandle => ({
    async join(seed) {
      const fresh = !records.has(id);
      const [, view] = await run(id, (record, now) =>
        fresh ? seedRecord(record, seed, now) : mergeSeed(record, seed, now),
      );
      return view;
    },
    read: async () => (await run(id, () => undefined))[1],
    record: async (outcome) =>
      (await run(id, (record, now) => recordOutcome(record, config, now, outcome)))[1],
    async acquireProbe(leaseId) {
      const [granted, state] = await run(id, (record, now) =>
        reserveProbe(record, config, now, leaseId, probeLeaseMs),
      );
      return { granted, state };
    },
    async releaseProbe(leaseId) {
      await run(id, (record) => record.leases.delete(leaseId));
    },
    command: async (command) => (await run(id, (record) => applyCommand(record, command)))[1],
    subscribe(listener) {
      const set = listeners.get(id) ?? new Set();
      listeners.set(id, set);
      set.add(listener);
      return () => set.delete(listener);
    },
  });

  return {
    kind: 'memory',
    timeoutMs,
    refreshMs,
    breaker: handle,
    async close() {
      closed = true;
      listeners.clear();
    },
  };
}
