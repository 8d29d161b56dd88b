/**
 * `redisCache()`: the degradation cache on Redis, shared by every process using the same Redis and
 * prefix, at `<prefix>cache:<key>`. Entries expire in Redis after `ttlMs`. Redis trouble never fails a call:
 * a read that errors or takes longer than `timeoutMs` is a miss, and a write or delete that does is dropped;
 * while Redis is down every operation misses at once, and the outage is reported once (`onError`).
 */
import type { Cache, CachedAnswer } from '../types.js';
import { createRedisConnection, errorReporter, type RedisTarget } from './connection.js';
import { type RedisCacheOptions, resolveRedisCacheOptions } from './options.js';

/** Resolves `work`, or `fallback` when it fails or takes longer than `ms`. */
function within<T>(work: () => Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise<T>((resolve) => {
    const timer = setTimeout(() => resolve(fallback), ms);
    timer.unref();
    Promise.resolve()
      .then(work)
      .then(
        (value) => resolve(value),
        () => resolve(fallback),
      )
      .finally(() => clearTimeout(timer));
  });
}

/** Reads a stored entry back, or undefined when it is not a cached answer. */
function decode(raw: string | null): CachedAnswer | undefined {
  if (raw === null) return undefined;
  try {
    const value = JSON.parse(raw) as Partial<CachedAnswer>;
    if (typeof value.text !== 'string' || typeof value.provider !== 'string') return undefined;
    if (typeof value.storedAt !== 'number') return undefined;
    return value as CachedAnswer;
  } catch {
    return undefined;
  }
}

/**
 * A cache on Redis. Pass it as `degradation.cache`; `close()` releases a connection it opened from `url`.
 *
 * @example
 * ```ts
 * const cache = redisCache({ url: process.env.REDIS_URL, ttlMs: 600_000 });
 * const llm = createResilientLLM({ providers, degradation: { cache } });
 * ```
 */
export function redisCache(options: RedisCacheOptions): Cache & { close(): Promise<void> } {
  const resolved = resolveRedisCacheOptions(options);
  const { ttlMs, prefix, timeoutMs } = resolved;
  const target = (
    resolved.client !== undefined ? { client: resolved.client } : { url: resolved.url }
  ) as RedisTarget;
  const report = errorReporter(
    'redisCache',
    target,
    resolved.onError,
    'calls skip the cache until it is back',
  );
  const connection = createRedisConnection(target, timeoutMs, report);
  // `cache:` keeps entries apart from the store's `breaker:` keys when both use the same prefix.
  const keyOf = (key: string) => {
    if (typeof key !== 'string') throw new TypeError('redisCache: key must be a string');
    return `${prefix}cache:${key}`;
  };
  return {
    async get(key) {
      const name = keyOf(key);
      return within(async () => decode(await (await connection.ready()).get(name)), timeoutMs, undefined);
    },
    async set(key, value) {
      const name = keyOf(key);
      const json = JSON.stringify(value);
      await within(
        async () => void (await (await connection.ready()).set(name, json, 'PX', ttlMs)),
        timeoutMs,
        undefined,
      );
    },
    async delete(key) {
      const name = keyOf(key);
      await within(async () => void (await (await connection.ready()).del(name)), timeoutMs, undefined);
    },
    close: () => connection.close(),
  };
}
