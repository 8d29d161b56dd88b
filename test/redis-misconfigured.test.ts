/**
 * A misconfigured Redis (closed port, wrong password) is reported once, through `onError` or one console
 * warning, and costs nothing per call afterwards: the cache misses and the store fails at once instead of
 * each operation waiting out `timeoutMs`. Real redis-server; a closed loopback port.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultBreakerMachineConfig } from '../machines/circuit-breaker-types.js';
import { redisCache, redisStore } from '../src/redis/index.js';
import type { CachedAnswer } from '../src/types.js';
import { freePort, startRedis, type TestRedis } from './helpers/redis-server.js';

/** Longer than any test waits: an operation that waits for it shows up as `'waited'`. */
const timeoutMs = 20_000;
const answer: CachedAnswer = { text: 'cached', data: 'cached', provider: 'p', storedAt: 0 };

/** Resolves `work`, or `'waited'` if it is still pending after `ms` (a fail-fast operation never is). */
const orWaited = <T>(work: Promise<T>, ms = 5_000) =>
  Promise.race([work, new Promise<'waited'>((done) => setTimeout(() => done('waited'), ms).unref())]);

let secured: TestRedis;
let closedUrl: string;

beforeAll(async () => {
  secured = await startRedis(['--requirepass', 'right-password']);
  closedUrl = `redis://127.0.0.1:${await freePort()}`;
});
afterAll(async () => {
  await secured?.stop();
});

describe('a misconfigured Redis', () => {
  it.each([
    ['a closed port', () => closedUrl, /ECONNREFUSED|connection lost/],
    [
      'a wrong password',
      () => secured.url.replace('redis://', 'redis://:wrong-password@'),
      /WRONGPASS|NOAUTH|auth/i,
    ],
  ])('reports %s once through onError and then misses at once', async (_name, url, reason) => {
    const errors: Error[] = [];
    const cache = redisCache({ url: url(), timeoutMs, onError: (error) => errors.push(error) });
    try {
      expect(await orWaited(cache.get('k'))).toBeUndefined();
      for (let i = 0; i < 20; i++) {
        expect(await orWaited(cache.get(`k${i}`))).toBeUndefined();
        expect(await orWaited(cache.set(`k${i}`, answer))).toBeUndefined();
      }
      expect(errors).toHaveLength(1);
      expect(errors[0]?.message).toMatch(reason);
    } finally {
      await cache.close();
    }
  });

  it('warns once on the console without a hook, with the password masked', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const cache = redisCache({ url: secured.url.replace('redis://', 'redis://:wrong-password@'), timeoutMs });
    try {
      for (let i = 0; i < 5; i++) expect(await orWaited(cache.get('k'))).toBeUndefined();
      expect(warn).toHaveBeenCalledTimes(1);
      const text = String(warn.mock.calls[0]?.[0]);
      expect(text).toContain('redisCache cannot use Redis at redis://:***@127.0.0.1');
      expect(text).not.toContain('wrong-password');
    } finally {
      warn.mockRestore();
      await cache.close();
    }
  });

  it('makes the store fail at once after reporting a closed port once', async () => {
    const errors: Error[] = [];
    const store = redisStore({ url: closedUrl, timeoutMs, onError: (error) => errors.push(error) });
    const handle = store.breaker('p', defaultBreakerMachineConfig);
    try {
      for (let i = 0; i < 5; i++) {
        const outcome = await orWaited(
          handle.read().then(
            () => 'read',
            () => 'failed',
          ),
        );
        expect(outcome).toBe('failed');
      }
      expect(errors).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('reads again once the password is right (a caller client), reporting nothing', async () => {
    const client = new Redis(secured.port, '127.0.0.1', { password: 'right-password', lazyConnect: true });
    const errors: Error[] = [];
    const cache = redisCache({ client, timeoutMs, onError: (error) => errors.push(error) });
    try {
      await cache.set('k', answer);
      expect(await cache.get('k')).toEqual(answer);
      expect(errors).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});

describe('a cache and a store on one prefix', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('keeps a cacheKey from overwriting breaker state', async () => {
    const prefix = 'shared:';
    const store = redisStore({ url: redis.url, prefix });
    const cache = redisCache({ url: redis.url, prefix });
    const handle = store.breaker('p', defaultBreakerMachineConfig);
    try {
      expect((await handle.command('forceOpen')).state).toBe('forcedOpen');
      await cache.set('breaker:{p}', answer);
      expect((await handle.read()).state).toBe('forcedOpen');
      expect(await cache.get('breaker:{p}')).toEqual(answer);
    } finally {
      await cache.close();
      await store.close();
    }
  });
});
