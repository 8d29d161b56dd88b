/**
 * Options of `redisStore()` and `redisCache()`, their defaults and their one-time validation.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';

/** Where to reach Redis: exactly one of `client` (your ioredis instance) or `url`. */
interface RedisTargetOptions {
  /** An ioredis client you own (it is never closed by resilient-llm). @default undefined */
  client?: Redis | undefined;
  /** A Redis URL (`redis://127.0.0.1:6379/0`); ioredis is then loaded on first use. @default undefined */
  url?: string | undefined;
  /**
   * Called once per outage when Redis cannot be used (wrong password, closed port, unknown host, lost
   * connection), with the reason. Undefined prints one `console.warn` per outage instead (password masked).
   * @default undefined
   */
  onError?: ((error: Error) => void) | undefined;
}

/** Options of `redisStore()`. */
export interface RedisStoreOptions extends RedisTargetOptions {
  /** Prefix of every key and of the pub/sub channel. @default 'resilient-llm:' */
  prefix?: string;
  /** Bound on one Redis operation; past it the breaker decides locally until Redis answers again. @default 250 */
  timeoutMs?: number;
  /** How often each breaker re-reads the shared state (or retries a lost Redis). @default 1_000 */
  refreshMs?: number;
  /** How long a reserved half-open probe permit lives; keep it above your attempt timeout. @default 30_000 */
  probeLeaseMs?: number;
}

/** Options of `redisCache()`. */
export interface RedisCacheOptions extends RedisTargetOptions {
  /** How long an answer stays usable (Redis expires it). @default 3_600_000 (one hour) */
  ttlMs?: number;
  /**
   * Prefix of every key: entries live at `<prefix>cache:<key>`, apart from the store's `<prefix>breaker:…`,
   * so a cache and a store may share a prefix. @default 'resilient-llm:'
   */
  prefix?: string;
  /** Bound on one Redis operation; a slower read is a miss, a slower write is dropped. @default 250 */
  timeoutMs?: number;
}

/** Defaults of {@link RedisStoreOptions}. */
export const defaultRedisStoreOptions = {
  client: undefined,
  url: undefined,
  onError: undefined,
  prefix: 'resilient-llm:',
  timeoutMs: 250,
  refreshMs: 1_000,
  probeLeaseMs: 30_000,
} satisfies Required<RedisStoreOptions>;

/** Defaults of {@link RedisCacheOptions}. */
export const defaultRedisCacheOptions = {
  client: undefined,
  url: undefined,
  onError: undefined,
  ttlMs: 3_600_000,
  prefix: 'resilient-llm:',
  timeoutMs: 250,
} satisfies Required<RedisCacheOptions>;

const positiveMs = z.number().positive().finite();
const client = z.custom<Redis>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Redis).evalsha === 'function' &&
    typeof (value as Redis).duplicate === 'function',
  'expected an ioredis client',
);
const target = {
  client: client.optional(),
  url: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
    .optional(),
  onError: z
    .custom<(error: Error) => void>((value) => typeof value === 'function', 'expected a function')
    .optional(),
};
const oneTarget = (options: { client?: unknown; url?: unknown }) =>
  (options.client === undefined) !== (options.url === undefined);
const oneTargetMessage = { message: 'pass exactly one of client or url', path: ['client'] };

const storeSchema = z
  .strictObject({
    ...target,
    prefix: z.string().default(defaultRedisStoreOptions.prefix),
    timeoutMs: positiveMs.default(defaultRedisStoreOptions.timeoutMs),
    refreshMs: positiveMs.default(defaultRedisStoreOptions.refreshMs),
    probeLeaseMs: positiveMs.default(defaultRedisStoreOptions.probeLeaseMs),
  })
  .refine(oneTarget, oneTargetMessage);

const cacheSchema = z
  .strictObject({
    ...target,
    ttlMs: z.int().positive().default(defaultRedisCacheOptions.ttlMs),
    prefix: z.string().default(defaultRedisCacheOptions.prefix),
    timeoutMs: positiveMs.default(defaultRedisCacheOptions.timeoutMs),
  })
  .refine(oneTarget, oneTargetMessage);

/** Parses `options` with `schema`; throws one `TypeError` naming every bad field. */
function parse<T extends z.ZodType>(what: string, schema: T, options: unknown): z.output<T> {
  const defined =
    typeof options === 'object' && options !== null
      ? Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
      : options;
  const result = schema.safeParse(defined ?? {});
  if (!result.success) throw new TypeError(`Invalid ${what} options: ${z.prettifyError(result.error)}`);
  return result.data;
}

/** Validated {@link RedisStoreOptions}. */
export const resolveRedisStoreOptions = (options: RedisStoreOptions) =>
  parse('redisStore', storeSchema, options);

/** Validated {@link RedisCacheOptions}. */
export const resolveRedisCacheOptions = (options: RedisCacheOptions) =>
  parse('redisCache', cacheSchema, options);
