/**
 * One contract, two implementations: `memoryStore` and `redisStore` (a real redis-server) must behave the
 * same as breaker stores, and `memoryCache` and `redisCache` the same as caches. Memory runs on a
 * SimulatedClock; Redis runs on its own clock, so its "time passes" step waits for real (a few ms).
 */
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { type BreakerMachineConfig, defaultBreakerMachineConfig } from '../machines/circuit-breaker-types.js';
import type { BreakerStore, SharedBreakerState, StoreSeed } from '../src/breaker/store.js';
import { memoryStore } from '../src/breaker/store-memory.js';
import { memoryCache } from '../src/cache/memory-cache.js';
import { redisCache, redisStore } from '../src/redis/index.js';
import { breakerScriptSource, scriptConfig } from '../src/redis/script.js';
import type { Cache, CachedAnswer } from '../src/types.js';
import { startRedis, type TestRedis, waitFor } from './helpers/redis-server.js';
import {
  configArb,
  createOracle,
  firstSeedArb,
  luaInternals,
  type OpAnswer,
  ORACLE_LEASE_MS,
  opsArb,
} from './helpers/store-rules-oracle.js';

let redis: TestRedis;
let unique = 0;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

interface Harness<T> {
  subject: T;
  /** Lets `ms` pass on the subject's clock. */
  elapse(ms: number): Promise<void>;
  close(): Promise<void>;
}
const realWait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const stores: Array<[string, (options: { probeLeaseMs?: number }) => Harness<BreakerStore>]> = [
  [
    'memoryStore',
    (options) => {
      const clock = new SimulatedClock();
      const subject = memoryStore({ clock, ...options });
      return { subject, elapse: async (ms) => clock.increment(ms), close: () => subject.close() };
    },
  ],
  [
    'redisStore',
    (options) => {
      const subject = redisStore({ url: redis.url, prefix: `contract${++unique}:`, ...options });
      return { subject, elapse: (ms) => realWait(ms + 3), close: () => subject.close() };
    },
  ],
];

const config = (overrides: Partial<BreakerMachineConfig> = {}): BreakerMachineConfig => ({
  ...defaultBreakerMachineConfig,
  failureThreshold: 3,
  successThreshold: 2,
  halfOpenMaxCalls: 2,
  openMs: 80,
  ...overrides,
});
const closedSeed: StoreSeed = {
  state: 'closed',
  remainingMs: null,
  reason: 'initial',
  trips: 0,
  reopens: 0,
  tripped: false,
};
const fail = (epoch: number, retryAfterMs?: number) => ({ epoch, verdict: 'failure' as const, retryAfterMs });
const succeed = (epoch: number, leaseId?: string) => ({ epoch, verdict: 'success' as const, leaseId });

describe.each(stores)('BreakerStore contract: %s', (_name, make) => {
  const withStore = async (
    run: (h: Harness<BreakerStore>, cfg: BreakerMachineConfig) => Promise<void>,
    cfg = config(),
    options: { probeLeaseMs?: number } = {},
  ) => {
    const harness = make(options);
    try {
      await run(harness, cfg);
    } finally {
      await harness.close();
    }
  };
  /** Trips breaker `id` with `failureThreshold` failures and returns the open state. */
  const tripped = async (store: BreakerStore, cfg: BreakerMachineConfig, id = 'p') => {
    const handle = store.breaker(id, cfg);
    let state = await handle.read();
    const epoch = state.epoch;
    for (let i = 0; i < cfg.failureThreshold; i++) state = await handle.record(fail(epoch));
    return state;
  };

  it('starts closed in epoch 1 of a new generation', async () => {
    await withStore(async ({ subject }, cfg) => {
      const state = await subject.breaker('p', cfg).join(closedSeed);
      expect(state).toMatchObject({ id: 'p', state: 'closed', epoch: 1, remainingMs: null, trips: 0 });
      expect(state.generation.length).toBeGreaterThan(0);
    });
  });

  it('opens after failureThreshold consecutive failures with remainingMs = openMs', async () => {
    await withStore(async ({ subject }, cfg) => {
      const handle = subject.breaker('p', cfg);
      expect((await handle.record(fail(1))).state).toBe('closed');
      expect((await handle.record(fail(1))).state).toBe('closed');
      const open = await handle.record(fail(1));
      expect(open).toMatchObject({ state: 'open', epoch: 2, reason: 'failure_threshold', trips: 1 });
      expect(open.remainingMs).toBeGreaterThan(cfg.openMs - 40);
      expect(open.remainingMs).toBeLessThanOrEqual(cfg.openMs);
    });
  });

  it('resets the consecutive count on a success', async () => {
    await withStore(async ({ subject }, cfg) => {
      const handle = subject.breaker('p', cfg);
      await handle.record(fail(1));
      await handle.record(fail(1));
      await handle.record(succeed(1));
      await handle.record(fail(1));
      expect((await handle.record(fail(1))).state).toBe('closed');
      expect((await handle.record(fail(1))).state).toBe('open');
    });
  });

  it('counts the outcomes of every handle of one id, and keeps other ids apart', async () => {
    await withStore(async ({ subject }, cfg) => {
      const [a, b, other] = [subject.breaker('p', cfg), subject.breaker('p', cfg), subject.breaker('q', cfg)];
      await a.record(fail(1));
      await other.record(fail(1));
      await b.record(fail(1));
      expect((await a.record(fail(1))).state).toBe('open');
      expect((await other.read()).state).toBe('closed');
    });
  });

  it('ignores outcomes of an older epoch and ignored verdicts', async () => {
    await withStore(async ({ subject }, cfg) => {
      const handle = subject.breaker('p', cfg);
      await handle.command('reset'); // epoch 2
      await handle.record(fail(1));
      await handle.record(fail(1));
      await handle.record({ epoch: 2, verdict: 'ignored' });
      await handle.record(fail(2));
      expect((await handle.record(fail(2))).state).toBe('closed');
      expect((await handle.record(fail(2))).state).toBe('open');
    });
  });

  it('opens on the failure rate once the window holds minimumCalls', async () => {
    const cfg = config({
      failureThreshold: 100,
      failureRateThreshold: 0.5,
      minimumCalls: 4,
      windowMs: 60_000,
    });
    await withStore(async ({ subject }) => {
      const handle = subject.breaker('p', cfg);
      for (const outcome of [succeed(1), fail(1), succeed(1)]) await handle.record(outcome);
      const state = await handle.record(fail(1));
      expect(state).toMatchObject({ state: 'open', reason: 'failure_rate' });
    }, cfg);
  });

  it('stays open at least as long as a counted Retry-After hint asks', async () => {
    await withStore(async ({ subject }, cfg) => {
      const handle = subject.breaker('p', cfg);
      await handle.record(fail(1, 5_000));
      await handle.record(fail(1));
      const open = await handle.record(fail(1));
      expect(open.remainingMs).toBeGreaterThan(4_900);
      expect(open.remainingMs).toBeLessThanOrEqual(5_000);
    });
  });

  it('turns half-open after openMs and grants at most halfOpenMaxCalls probes across handles', async () => {
    await withStore(async ({ subject, elapse }, cfg) => {
      const open = await tripped(subject, cfg);
      const [a, b] = [subject.breaker('p', cfg), subject.breaker('p', cfg)];
      expect((await a.acquireProbe('early')).granted).toBe(false);
      await elapse(open.remainingMs ?? 0);
      const first = await a.acquireProbe('l1');
      expect(first).toMatchObject({ granted: true, state: { state: 'halfOpen', reason: 'open_elapsed' } });
      expect((await b.acquireProbe('l2')).granted).toBe(true);
      expect((await b.acquireProbe('l3')).granted).toBe(false);
      await a.releaseProbe('l1');
      expect((await b.acquireProbe('l3')).granted).toBe(true);
    });
  });

  it('closes after successThreshold probe successes and reopens, longer, after a probe failure', async () => {
    const cfg = config({ backoffFactor: 2, maxOpenMs: 1_000 });
    await withStore(async ({ subject, elapse }) => {
      const handle = subject.breaker('p', cfg);
      await elapse((await tripped(subject, cfg)).remainingMs ?? 0);
      const { state: half } = await handle.acquireProbe('l1');
      const reopened = await handle.record({ ...fail(half.epoch), leaseId: 'l1' });
      expect(reopened).toMatchObject({ state: 'open', reason: 'probe_failed', reopens: 1, trips: 2 });
      expect(reopened.remainingMs).toBeGreaterThan(2 * cfg.openMs - 40);
      await elapse(reopened.remainingMs ?? 0);
      const { state: again } = await handle.acquireProbe('l2');
      await handle.acquireProbe('l3');
      expect((await handle.record(succeed(again.epoch, 'l2'))).state).toBe('halfOpen');
      const closed = await handle.record(succeed(again.epoch, 'l3'));
      expect(closed).toMatchObject({ state: 'closed', reason: 'probes_succeeded', reopens: 0 });
    }, cfg);
  });

  it('frees the slot of an expired probe lease', async () => {
    await withStore(
      async ({ subject, elapse }, cfg) => {
        const handle = subject.breaker('p', cfg);
        await elapse((await tripped(subject, cfg)).remainingMs ?? 0);
        expect((await handle.acquireProbe('l1')).granted).toBe(true);
        expect((await handle.acquireProbe('l2')).granted).toBe(true);
        expect((await handle.acquireProbe('l3')).granted).toBe(false);
        await elapse(30);
        expect((await handle.acquireProbe('l3')).granted).toBe(true);
      },
      config(),
      { probeLeaseMs: 30 },
    );
  });

  it('applies ops commands to the shared state', async () => {
    await withStore(async ({ subject }, cfg) => {
      const handle = subject.breaker('p', cfg);
      expect(await handle.command('forceOpen')).toMatchObject({ state: 'forcedOpen', reason: 'forced_open' });
      expect(await handle.command('disable')).toMatchObject({ state: 'disabled', reason: 'disabled' });
      expect(await handle.command('reset')).toMatchObject({ state: 'closed', reason: 'reset', epoch: 4 });
    });
  });

  it('announces every change to the subscribers of that id only', async () => {
    await withStore(async ({ subject }, cfg) => {
      const seen: SharedBreakerState[] = [];
      const others: SharedBreakerState[] = [];
      const unsubscribe = subject.breaker('p', cfg).subscribe((state) => seen.push(state));
      subject.breaker('q', cfg).subscribe((state) => others.push(state));
      await subject.breaker('p', cfg).read();
      await realWait(20); // let the subscription settle on Redis
      await tripped(subject, cfg);
      await waitFor(() => seen.length === 1, 'the trip to be announced', 2_000);
      expect(seen[0]).toMatchObject({ id: 'p', state: 'open', trips: 1 });
      unsubscribe();
      await subject.breaker('p', cfg).command('reset');
      await subject.breaker('q', cfg).command('forceOpen');
      await waitFor(() => others.length === 1, 'the other id to be announced', 2_000);
      expect(seen).toHaveLength(1);
    });
  });

  it('starts an absent state from a joining local open state, and merges only a local trip', async () => {
    await withStore(async ({ subject }, cfg) => {
      const openSeed: StoreSeed = {
        state: 'open',
        remainingMs: 5_000,
        reason: 'failure_threshold',
        trips: 4,
        reopens: 1,
        tripped: false,
      };
      const seeded = await subject.breaker('p', cfg).join(openSeed);
      expect(seeded).toMatchObject({ state: 'open', trips: 4, reopens: 1 });
      expect(seeded.remainingMs).toBeGreaterThan(4_900);
      const q = subject.breaker('q', cfg);
      await q.join(closedSeed);
      expect((await q.join(openSeed)).state).toBe('closed');
      const merged = await q.join({ ...openSeed, tripped: true });
      expect(merged).toMatchObject({ state: 'open', trips: 1 });
    });
  });
});

const caches: Array<[string, (ttlMs: number) => Harness<Cache>]> = [
  [
    'memoryCache',
    (ttlMs) => {
      const clock = new SimulatedClock();
      clock.set(1_000); // lru-cache treats an entry stored at time 0 as having no TTL start
      return {
        subject: memoryCache({ ttlMs, clock }),
        elapse: async (ms) => clock.increment(ms),
        close: async () => {},
      };
    },
  ],
  [
    'redisCache',
    (ttlMs) => {
      const subject = redisCache({ url: redis.url, ttlMs, prefix: `cache${++unique}:` });
      return { subject, elapse: (ms) => realWait(ms + 5), close: () => subject.close() };
    },
  ],
];
const answer: CachedAnswer = {
  text: '{"a":1}',
  data: { a: 1 },
  provider: 'openai',
  model: 'gpt',
  storedAt: 42,
};

describe.each(caches)('Cache contract: %s', (_name, make) => {
  const withCache = async (run: (h: Harness<Cache>) => Promise<void>, ttlMs = 60_000) => {
    const harness = make(ttlMs);
    try {
      await run(harness);
    } finally {
      await harness.close();
    }
  };

  it('misses an absent key and returns a stored answer as stored', async () => {
    await withCache(async ({ subject }) => {
      expect(await subject.get('k')).toBeUndefined();
      await subject.set('k', answer);
      const { model: _model, ...noModel } = answer;
      await subject.set('k2', noModel);
      expect(await subject.get('k')).toEqual(answer);
      expect(await subject.get('k2')).toEqual(noModel);
    });
  });

  it('overwrites and deletes entries (deleting a missing key is fine)', async () => {
    await withCache(async ({ subject }) => {
      await subject.set('k', answer);
      await subject.set('k', { ...answer, text: 'second' });
      expect((await subject.get('k'))?.text).toBe('second');
      await subject.delete('k');
      await subject.delete('never-set');
      expect(await subject.get('k')).toBeUndefined();
    });
  });

  it('forgets an answer once ttlMs has passed', async () => {
    await withCache(async ({ subject, elapse }) => {
      await subject.set('k', answer);
      await elapse(60);
      expect(await subject.get('k')).toBeUndefined();
    }, 50);
  });

  it('keeps two caches apart', async () => {
    const [one, two] = [make(60_000), make(60_000)];
    try {
      await one.subject.set('k', answer);
      expect(await two.subject.get('k')).toBeUndefined();
      expect(await one.subject.get('k')).toEqual(answer);
    } finally {
      await one.close();
      await two.close();
    }
  });
});

describe('Redis script against the shared breaker rules (property)', () => {
  it('answers 50 random operation sequences as the store logic does, step for step', async () => {
    const client = new Redis(redis.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
    const script = breakerScriptSource('argument');
    let sequences = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          configArb.chain((config) => fc.tuple(fc.constant(config), firstSeedArb, opsArb(config))),
          async ([cfg, seed, ops]) => {
            const base = `rules${++unique}:breaker:{p}`;
            const keys = [base, `${base}:w`, `${base}:p`];
            const oracle = createOracle(cfg);
            let now = 1_000_003;
            let epoch = 1;
            const steps: Array<{ op: string; lua: OpAnswer; rules: OpAnswer }> = [];
            for (const op of [{ op: 'join' as const, seed }, ...ops]) {
              if (op.op === 'wait') {
                now += op.ms;
                continue;
              }
              const sent = op.op === 'record' && op.stale ? epoch - 1 : epoch;
              const extra =
                op.op === 'record'
                  ? { epoch: sent, verdict: op.verdict, retryAfterMs: op.retryAfterMs, lease: op.lease }
                  : op.op === 'acquire'
                    ? { lease: op.lease, leaseMs: ORACLE_LEASE_MS }
                    : op.op === 'release'
                      ? { lease: op.lease }
                      : op.op === 'command'
                        ? { command: op.command }
                        : op.op === 'join'
                          ? { seed: op.seed }
                          : {};
              const arg = JSON.stringify({
                op: op.op,
                id: 'p',
                channel: `${base}:events`,
                gen: 'g',
                cfg: scriptConfig(cfg),
                now,
                ...extra,
              });
              const {
                id: _id,
                generation: _gen,
                granted,
                ...lua
              } = JSON.parse(String(await client.eval(script, 3, ...keys, arg)));
              const luaAnswer: OpAnswer = op.op === 'acquire' ? { ...lua, granted } : lua;
              const rules = oracle.apply(op, now, sent);
              steps.push({ op: JSON.stringify(op), lua: luaAnswer, rules });
              expect(luaAnswer, JSON.stringify(steps, null, 1)).toEqual(rules);
              const window = await client.hgetall(keys[1] as string);
              const leases = await client.zrange(keys[2] as string, 0, -1);
              const where = `window and leases after ${JSON.stringify(steps, null, 1)}`;
              expect(luaInternals(window, leases), where).toEqual(oracle.internals());
              epoch = rules.epoch;
            }
            sequences++;
          },
        ),
        { numRuns: 50, seed: 20_261_201 },
      );
    } finally {
      client.disconnect();
    }
    expect(sequences).toBe(50);
  });
});
