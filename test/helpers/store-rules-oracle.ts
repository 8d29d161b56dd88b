/**
 * Random breaker-store operation sequences for the store contract suite's property: the Redis Lua script
 * (run on a chosen timeline) must answer every operation as the store logic does, which decides with the
 * shared rules of `machines/breaker-rules.ts`.
 */
import fc from 'fast-check';
import type { BreakerMachineConfig, BreakerReason } from '../../machines/circuit-breaker-types.js';
import { defaultBreakerMachineConfig } from '../../machines/circuit-breaker-types.js';
import type { StoreCommand, StoreSeed } from '../../src/breaker/store.js';
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
} from '../../src/breaker/store-logic.js';

/** Lease time of probes in the property (on the timeline; Redis keeps the keys for real minutes). */
export const ORACLE_LEASE_MS = 250;

/** One operation of a sequence; `wait` lets time pass on the shared timeline. */
export type StoreOp =
  | { op: 'wait'; ms: number }
  | { op: 'join'; seed: StoreSeed }
  | { op: 'read' }
  | {
      op: 'record';
      stale: boolean;
      verdict: 'success' | 'failure' | 'ignored';
      retryAfterMs?: number;
      lease?: string;
    }
  | { op: 'acquire'; lease: string }
  | { op: 'release'; lease: string }
  | { op: 'command'; command: StoreCommand };

const REASONS: BreakerReason[] = [
  'failure_threshold',
  'failure_rate',
  'probe_failed',
  'forced_open',
  'disabled',
];
const lease = fc.constantFrom('l0', 'l1', 'l2', 'l3');

export const seedArb: fc.Arbitrary<StoreSeed> = fc.record({
  state: fc.constantFrom('closed', 'open', 'halfOpen', 'forcedOpen', 'disabled'),
  remainingMs: fc.option(fc.integer({ min: 0, max: 500 }), { nil: null }),
  reason: fc.constantFrom(...REASONS),
  trips: fc.integer({ min: 0, max: 3 }),
  reopens: fc.integer({ min: 0, max: 3 }),
  tripped: fc.boolean(),
});

/** The first join: mostly a closed local breaker, sometimes any seed. */
export const firstSeedArb: fc.Arbitrary<StoreSeed> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constant<StoreSeed>({
      state: 'closed',
      remainingMs: null,
      reason: 'initial',
      trips: 0,
      reopens: 0,
      tripped: false,
    }),
  },
  { weight: 1, arbitrary: seedArb },
);

/** Waits within a sequence: mostly a fraction of the window, sometimes long enough for an open period. */
const waitArb = (config: BreakerMachineConfig) =>
  fc.record({
    op: fc.constant('wait' as const),
    ms: fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 0, max: Math.ceil(config.windowMs / 4) }) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: Math.max(config.openMs, config.maxOpenMs) + 100 }) },
    ),
  });

const recordArb = fc.record(
  {
    op: fc.constant('record' as const),
    stale: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    verdict: fc.constantFrom('success', 'success', 'failure', 'failure', 'ignored'),
    retryAfterMs: fc.integer({ min: -5, max: 800 }),
    lease,
  },
  { requiredKeys: ['op', 'stale', 'verdict'] },
);

/** A sequence of 20–40 operations for `config`. */
export const opsArb = (config: BreakerMachineConfig): fc.Arbitrary<StoreOp[]> =>
  fc.array(
    fc.oneof(
      { weight: 4, arbitrary: waitArb(config) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('join' as const), seed: seedArb }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('read' as const) }) },
      { weight: 8, arbitrary: recordArb },
      { weight: 8, arbitrary: fc.record({ op: fc.constant('acquire' as const), lease }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('release' as const), lease }) },
      {
        weight: 1,
        arbitrary: fc.record({
          op: fc.constant('command' as const),
          command: fc.constantFrom('forceOpen', 'disable', 'reset', 'reset', 'reset'),
        }),
      },
    ),
    { minLength: 20, maxLength: 40 },
  );

export const configArb: fc.Arbitrary<BreakerMachineConfig> = fc
  .record({
    // Often out of reach, so the failure rate decides.
    failureThreshold: fc.constantFrom(1, 2, 3, 1_000, 1_000),
    successThreshold: fc.integer({ min: 1, max: 3 }),
    // Up to 3 probes: a round then tolerates 0–2 failed probes (halfOpenMaxCalls − successThreshold).
    halfOpenMaxCalls: fc.integer({ min: 1, max: 3 }),
    openMs: fc.integer({ min: 1, max: 300 }),
    backoffFactor: fc.constantFrom(1, 2, 3),
    maxOpenMs: fc.integer({ min: 1, max: 1_500 }),
    honorRetryAfter: fc.boolean(),
    failureRateThreshold: fc.constantFrom(null, 0.25, 0.5, 0.5, 1),
    // Mostly not multiples of the bucket count, so the bucket width's rounding matters.
    windowMs: fc.integer({ min: 5, max: 300 }),
    minimumCalls: fc.integer({ min: 1, max: 5 }),
  })
  .map((partial) => ({ ...defaultBreakerMachineConfig, ...partial, slowCallMs: null }));

/** What both implementations answer for one operation (the generation is random per store, so left out). */
export interface OpAnswer {
  state: string;
  epoch: number;
  remainingMs: number | null;
  reason: string;
  trips: number;
  reopens: number;
  granted?: boolean;
}

/** What a store keeps besides its state: the window's buckets (`start` to [calls, failures]) and lease ids. */
export interface StoreInternals {
  window: Record<string, [number, number]>;
  leases: string[];
}

/** The internals the Lua script keeps, from its `HGETALL` window fields and `ZRANGE` lease members. */
export function luaInternals(windowFields: Record<string, string>, leases: string[]): StoreInternals {
  const window: Record<string, [number, number]> = {};
  for (const [field, value] of Object.entries(windowFields)) {
    const start = String(Number(field.slice(2)));
    const bucket = window[start] ?? [0, 0];
    bucket[field.startsWith('c:') ? 0 : 1] += Number(value);
    window[start] = bucket;
  }
  return { window, leases: [...leases].sort() };
}

/** The reference: the store logic on one record, on the same timeline. */
export function createOracle(config: BreakerMachineConfig) {
  let record: StoredBreaker | undefined;
  const internals = (): StoreInternals => ({
    window: Object.fromEntries(
      [...(record?.window ?? [])].map(([start, b]) => [
        String(start),
        [b.calls, b.failures] as [number, number],
      ]),
    ),
    leases: [...(record?.leases.keys() ?? [])].sort(),
  });
  const apply = (op: Exclude<StoreOp, { op: 'wait' }>, now: number, epoch: number): OpAnswer => {
    const fresh = record === undefined;
    record ??= freshRecord('oracle');
    const r = record;
    advance(r, now);
    let granted: boolean | undefined;
    switch (op.op) {
      case 'join':
        if (fresh) seedRecord(r, op.seed, now);
        else mergeSeed(r, op.seed, now);
        break;
      case 'record':
        recordOutcome(r, config, now, {
          epoch,
          verdict: op.verdict,
          ...(op.retryAfterMs === undefined ? {} : { retryAfterMs: op.retryAfterMs }),
          ...(op.lease === undefined ? {} : { leaseId: op.lease }),
        });
        break;
      case 'acquire':
        granted = reserveProbe(r, config, now, op.lease, ORACLE_LEASE_MS);
        break;
      case 'release':
        r.leases.delete(op.lease);
        break;
      case 'command':
        applyCommand(r, op.command);
        break;
      case 'read':
        break;
    }
    const { id: _id, generation: _generation, ...view } = viewOf('p', r, now);
    return granted === undefined ? view : { ...view, granted };
  };
  return { apply, internals };
}
