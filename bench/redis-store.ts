/**
 * Benchmark: circuit breakers with no store, `memoryStore()` and `redisStore()` (a real redis-server on
 * 127.0.0.1, started here unless REDIS_URL is set).
 *
 * - calls/s: CALLS calls through `breaker.execute` from CONCURRENCY concurrent callers, until the store
 *   has processed every outcome (a final read on the same connection drains the pipeline);
 * - added latency: per-call time of `execute` around an instant function, p50/p99 (the hot path never
 *   waits on the store, so this is the CPU cost of mirroring);
 * - trip propagation: time from a trip in one breaker until another breaker, on its own Redis
 *   connections, is open (pub/sub), over TRIPS trips.
 *
 * Run: `npx tsx bench/redis-store.ts`. Prints a table and writes `bench/results/redis-store.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defaultBreakerMachineConfig } from '../machines/circuit-breaker-types.js';
import { type CircuitBreaker, createCircuitBreaker } from '../src/breaker/index.js';
import type { BreakerStore } from '../src/breaker/store.js';
import { memoryStore } from '../src/breaker/store-memory.js';
import { LLMError } from '../src/errors/llm-error.js';
import { redisStore } from '../src/redis/index.js';
import { startRedis, type TestRedis, waitFor } from '../test/helpers/redis-server.js';

const CALLS = 20_000;
const CONCURRENCY = 50;
const LATENCY_CALLS = 5_000;
const TRIPS = 30;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/** A breaker on `store`, once it mirrors the store. */
async function joined(store: BreakerStore | undefined, id: string): Promise<CircuitBreaker> {
  const breaker = createCircuitBreaker({
    id,
    failureThreshold: 5,
    openMs: 60_000,
    ...(store ? { store } : {}),
  });
  if (store) await waitFor(() => breaker.actor.getSnapshot().context.source === 'store', 'join', 5_000);
  return breaker;
}

/** Calls per second through `execute`, including the store catching up with every outcome. */
async function throughput(store: BreakerStore | undefined, id: string): Promise<number> {
  const breaker = await joined(store, id);
  let left = CALLS;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) await breaker.execute(async () => 'ok');
    }),
  );
  if (store) await store.breaker(id, defaultBreakerMachineConfig).read(); // drains the connection's queue
  const seconds = (performance.now() - started) / 1_000;
  breaker.stop();
  return CALLS / seconds;
}

/** p50/p99 of one sequential `execute` around an instant function, in microseconds. */
async function latency(store: BreakerStore | undefined, id: string) {
  const breaker = await joined(store, id);
  const samples: number[] = [];
  for (let i = 0; i < LATENCY_CALLS; i++) {
    const started = performance.now();
    await breaker.execute(async () => 'ok');
    samples.push((performance.now() - started) * 1_000);
  }
  breaker.stop();
  samples.sort((a, b) => a - b);
  return { p50Us: round(percentile(samples, 0.5), 2), p99Us: round(percentile(samples, 0.99), 2) };
}

/** Trip propagation between two breakers on separate Redis connections, in ms. */
async function propagation(url: string) {
  const [one, two] = [redisStore({ url, prefix: 'bench-trip:' }), redisStore({ url, prefix: 'bench-trip:' })];
  const options = { id: 'trip', failureThreshold: 1, openMs: 60_000 };
  const a = createCircuitBreaker({ ...options, store: one });
  const b = createCircuitBreaker({ ...options, store: two });
  await waitFor(() => [a, b].every((x) => x.actor.getSnapshot().context.source === 'store'), 'join', 5_000);
  const samples: number[] = [];
  for (let i = 0; i < TRIPS; i++) {
    const started = performance.now();
    await a.execute(async () => Promise.reject(new LLMError({ type: 'provider_error' }))).catch(() => {});
    await waitFor(() => b.state === 'open', 'b to open', 5_000);
    samples.push(performance.now() - started);
    a.reset();
    await waitFor(() => a.state === 'closed' && b.state === 'closed', 'reset everywhere', 5_000);
  }
  a.stop();
  b.stop();
  await Promise.all([one.close(), two.close()]);
  samples.sort((x, y) => x - y);
  return {
    p50Ms: round(percentile(samples, 0.5), 2),
    p95Ms: round(percentile(samples, 0.95), 2),
    maxMs: round(samples.at(-1) ?? 0, 2),
  };
}

async function main() {
  const server: TestRedis | undefined = process.env.REDIS_URL ? undefined : await startRedis();
  const url = process.env.REDIS_URL ?? (server as TestRedis).url;
  const stores: Array<[string, () => BreakerStore | undefined]> = [
    ['none (local actor)', () => undefined],
    ['memoryStore', () => memoryStore()],
    ['redisStore', () => redisStore({ url, prefix: `bench${Date.now()}:` })],
  ];
  const rows = [];
  try {
    for (const [name, make] of stores) {
      const store = make();
      await throughput(store, 'warmup'); // JIT warm-up, discarded
      const callsPerSecond = round(await throughput(store, 'throughput'), 0);
      const { p50Us, p99Us } = await latency(store, 'latency');
      await store?.close();
      rows.push({ store: name, callsPerSecond, p50Us, p99Us });
    }
    const trip = await propagation(url);
    const none = rows[0];
    const table = rows.map((row) => ({
      ...row,
      addedP50Us: round(row.p50Us - (none?.p50Us ?? 0), 2),
    }));
    console.table(table);
    console.log(
      `trip propagation over pub/sub (${TRIPS} trips): p50 ${trip.p50Ms} ms, p95 ${trip.p95Ms} ms, max ${trip.maxMs} ms`,
    );
    const results = {
      benchmark: 'redis-store',
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      calls: CALLS,
      concurrency: CONCURRENCY,
      rows: table,
      tripPropagation: trip,
    };
    const dir = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}redis-store.json`, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`written to ${dir}redis-store.json`);
  } finally {
    await server?.stop();
  }
}

await main();
