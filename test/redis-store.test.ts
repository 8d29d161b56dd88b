/**
 * Circuit breakers sharing state on a real redis-server: pub/sub sync into the local actor, global
 * counting and half-open permits, ops commands, and Redis outages (killed, restarted, paused) during
 * which no call fails because of Redis. Each breaker gets its own `redisStore` (its own connections),
 * like separate processes would.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { type BreakerOptions, type CircuitBreaker, createCircuitBreaker } from '../src/breaker/index.js';
import type { BreakerStore } from '../src/breaker/store.js';
import { LLMError } from '../src/errors/llm-error.js';
import { redisCache, redisStore } from '../src/redis/index.js';
import { startRedis, type TestRedis, waitFor } from './helpers/redis-server.js';

let redis: TestRedis;
let unique = 0;
const cleanup: Array<() => unknown> = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  await redis?.stop();
});

const base: BreakerOptions = {
  id: 'shared',
  failureThreshold: 3,
  successThreshold: 2,
  openMs: 150,
  halfOpenMaxCalls: 2,
};
const sourceOf = (breaker: CircuitBreaker) => breaker.actor.getSnapshot().context.source;
const failure = () => new LLMError({ type: 'provider_error', message: 'boom' });

/** `count` breakers on one prefix, each with its own store (its own Redis connections). */
async function fleet(
  count: number,
  options: BreakerOptions = {},
  store: Partial<Parameters<typeof redisStore>[0]> = {},
) {
  const prefix = `rt${++unique}:`;
  const events: string[][] = [];
  const breakers = Array.from({ length: count }, () => {
    const seen: string[] = [];
    events.push(seen);
    const own: BreakerStore = redisStore({ url: redis.url, prefix, refreshMs: 60_000, ...store });
    const inspect = (event: InspectionEvent) => {
      if (event.type === '@xstate.event') seen.push(event.event.type);
    };
    const breaker = createCircuitBreaker({ ...base, ...options, store: own, inspect });
    cleanup.push(
      () => own.close(),
      () => breaker.stop(),
    );
    return breaker;
  });
  await waitFor(() => breakers.every((b) => sourceOf(b) === 'store'), 'every breaker to join the store');
  return { breakers, events, prefix };
}

/** Runs one call through `breaker` that fails; resolves how it settled. */
const failThrough = (breaker: CircuitBreaker) =>
  breaker.execute(async () => Promise.reject(failure())).catch((error: LLMError) => error);

describe('circuit breakers sharing state on Redis', () => {
  it('delivers a trip made by one breaker to the others as a breaker.sync event, by pub/sub', async () => {
    const { breakers, events } = await fleet(3);
    const [a, b, c] = breakers as [CircuitBreaker, CircuitBreaker, CircuitBreaker];
    for (let i = 0; i < 3; i++) await failThrough(a);
    const trippedAt = performance.now();
    await waitFor(() => b.state === 'open' && c.state === 'open', 'the trip to reach b and c', 2_000);
    const latencyMs = performance.now() - trippedAt;
    console.log(`trip propagation (pub/sub) to 2 breakers: ${latencyMs.toFixed(1)} ms`);
    expect(events[1]).toContain('breaker.sync');
    expect(b.actor.getSnapshot().context).toMatchObject({
      source: 'store',
      reason: 'failure_threshold',
      trips: 1,
    });
    expect(b.retryAfterMs()).toBeGreaterThan(0);
    const blocked = await c.execute(async () => 'never called').catch((error: LLMError) => error);
    expect(blocked).toMatchObject({ code: 'circuit_open', provider: 'shared' });
  });

  it('counts failures of every breaker together, in Redis', async () => {
    const { breakers } = await fleet(3);
    for (const breaker of breakers) await failThrough(breaker);
    await waitFor(() => breakers.every((b) => b.state === 'open'), 'the fleet to open');
    // No breaker saw more than one failure itself: the trip was decided in Redis.
    for (const breaker of breakers) expect(breaker.actor.getSnapshot().context.trips).toBe(1);
  });

  it('lets the whole fleet send at most halfOpenMaxCalls probes, then closes everywhere', async () => {
    const { breakers } = await fleet(3);
    for (let i = 0; i < 3; i++) await failThrough(breakers[0] as CircuitBreaker);
    await waitFor(() => breakers.every((b) => b.state === 'halfOpen'), 'half-open everywhere', 3_000);
    const held = [];
    for (let round = 0; round < 20; round++) {
      for (const breaker of breakers) {
        const result = breaker.tryAcquire();
        if (result.ok) held.push(result.permit);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(held).toHaveLength(2);
    for (const permit of held) permit.release({ kind: 'success', durationMs: 1 });
    await waitFor(() => breakers.every((b) => b.state === 'closed'), 'closed everywhere');
  });

  it('applies forceOpen and reset from one breaker to the whole fleet', async () => {
    const { breakers } = await fleet(2);
    const [a, b] = breakers as [CircuitBreaker, CircuitBreaker];
    a.forceOpen();
    await waitFor(() => b.state === 'forcedOpen', 'b to be forced open');
    b.reset();
    await waitFor(() => a.state === 'closed', 'a to be reset');
  });

  it('keeps answering while Redis is killed, decides locally, and resyncs when it returns', async () => {
    const { breakers } = await fleet(
      2,
      { failureThreshold: 2, openMs: 10_000 },
      { refreshMs: 50, timeoutMs: 100 },
    );
    const [a, b] = breakers as [CircuitBreaker, CircuitBreaker];
    await redis.kill();
    const answers = await Promise.all(Array.from({ length: 20 }, () => a.execute(async () => 'ok')));
    expect(answers.every((answer) => answer === 'ok')).toBe(true);
    await waitFor(() => sourceOf(a) === 'local' && sourceOf(b) === 'local', 'both to fall back to local');
    await failThrough(a);
    await failThrough(a);
    expect(a.state).toBe('open'); // a local trip, while Redis is down
    expect(b.state).toBe('closed');
    await redis.restart();
    await waitFor(() => sourceOf(a) === 'store' && sourceOf(b) === 'store', 'both to rejoin', 5_000);
    // The restarted Redis was empty: the local trip seeded it, so b now sees the provider as open.
    await waitFor(() => b.state === 'open', 'b to learn of the trip made during the outage');
  });

  it('falls back within timeoutMs when Redis is slow, without holding any call', async () => {
    const { breakers } = await fleet(1, {}, { refreshMs: 50, timeoutMs: 80 });
    const breaker = breakers[0] as CircuitBreaker;
    const admin = new Redis(redis.url);
    cleanup.push(() => admin.disconnect());
    await admin.client('PAUSE', 1_500, 'ALL');
    const answer = await breaker.execute(async () => 'answered');
    expect(answer).toBe('answered');
    await waitFor(() => sourceOf(breaker) === 'local', 'the breaker to give up on the paused Redis', 1_000);
    await admin.client('UNPAUSE');
    await waitFor(() => sourceOf(breaker) === 'store', 'the breaker to resync after the pause', 3_000);
  });

  it('uses a caller-provided ioredis client and leaves it open on close()', async () => {
    const client = new Redis(redis.url);
    cleanup.push(() => client.disconnect());
    const store = redisStore({ client, prefix: `own${++unique}:` });
    const breaker = createCircuitBreaker({ ...base, store });
    await waitFor(() => sourceOf(breaker) === 'store', 'the breaker to join');
    breaker.stop();
    await store.close();
    expect(await client.ping()).toBe('PONG');
  });
});

describe('redisCache when Redis is unreachable', () => {
  it('misses and drops writes within timeoutMs instead of failing', async () => {
    const cache = redisCache({ url: 'redis://127.0.0.1:1', timeoutMs: 50, onError: () => {} });
    cleanup.push(() => cache.close());
    await cache.set('k', { text: 't', data: null, provider: 'p', storedAt: 1 });
    expect(await cache.get('k')).toBeUndefined();
    await cache.delete('k');
  });
});

describe('Redis options', () => {
  it('names what is wrong', () => {
    expect(() => redisStore({})).toThrow(/Invalid redisStore options: [\s\S]*client or url[\s\S]*client/);
    expect(() => redisStore({ url: 'http://x' })).toThrow(/redis:\/\/[\s\S]*url/);
    expect(() => redisStore({ url: redis.url, timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => redisCache({ url: redis.url, ttlMs: -1 })).toThrow(
      /Invalid redisCache options: [\s\S]*ttlMs/,
    );
    expect(() => createCircuitBreaker({ store: {} as never })).toThrow(
      /Invalid breaker options:\s[\s\S]*store/,
    );
  });
});
