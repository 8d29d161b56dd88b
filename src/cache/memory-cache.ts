/**
 * The default {@link Cache}: an in-process LRU with a TTL, on lru-cache. Time comes from the injected clock,
 * so TTL expiry is testable without sleeping.
 */
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { type Clock, systemClock } from '../clock.js';
import { clockSchema, parseOptions } from '../options.js';
import type { Cache, CachedAnswer } from '../types.js';

/** Options of {@link memoryCache}. */
export interface MemoryCacheOptions {
  /** Most entries kept; the least recently used go first. @default 1000 */
  maxEntries?: number;
  /** How long an answer stays usable, in ms. @default 3_600_000 (one hour) */
  ttlMs?: number;
  /** Source of time for TTLs. @default systemClock */
  clock?: Clock;
}

/** Defaults of {@link MemoryCacheOptions}. */
export const defaultMemoryCacheOptions = {
  maxEntries: 1_000,
  ttlMs: 3_600_000,
  clock: systemClock,
} satisfies Required<MemoryCacheOptions>;

const schema = z.strictObject({
  maxEntries: z.int().min(1).max(10_000_000).default(defaultMemoryCacheOptions.maxEntries),
  ttlMs: z.int().min(1).default(defaultMemoryCacheOptions.ttlMs),
  clock: clockSchema.optional(),
});

/** A cache in this process's memory. Pass it as `degradation.cache`. */
export function memoryCache(
  options: MemoryCacheOptions = {},
): Cache & { readonly size: number; clear(): void } {
  const { maxEntries, ttlMs } = parseOptions('memoryCache options', schema, options);
  const clock = options.clock ?? defaultMemoryCacheOptions.clock;
  const lru = new LRUCache<string, CachedAnswer>({
    max: maxEntries,
    ttl: ttlMs,
    ttlAutopurge: false,
    // No cached `now` on a real timer: every TTL check reads the injected clock. lru-cache reads a start
    // time of 0 as "no TTL", so times are shifted by one millisecond (a clock may start at 0).
    ttlResolution: 0,
    perf: { now: () => clock.now() + 1 },
  });
  return {
    get size() {
      return lru.size;
    },
    async get(key) {
      return lru.get(key);
    },
    async set(key, value) {
      lru.set(key, value);
    },
    async delete(key) {
      lru.delete(key);
    },
    clear() {
      lru.clear();
    },
  };
}
