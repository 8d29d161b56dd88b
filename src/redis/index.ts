/**
 * `resilient-llm/redis`: breaker state and the degradation cache shared across processes on Redis.
 * Requires the optional peer dependency `ioredis` (>= 5); the main entry never loads it.
 *
 * @example
 * ```ts
 * import { redisCache, redisStore } from 'resilient-llm/redis';
 * const llm = createResilientLLM({
 *   providers,
 *   breaker: { store: redisStore({ url: process.env.REDIS_URL }) },
 *   degradation: { cache: redisCache({ url: process.env.REDIS_URL, ttlMs: 600_000 }) },
 * });
 * ```
 */
export type { RedisCacheOptions, RedisStoreOptions } from './options.js';
export { defaultRedisCacheOptions, defaultRedisStoreOptions } from './options.js';
export { redisCache } from './redis-cache.js';
export { redisStore } from './redis-store.js';
