/**
 * Redis connections of the Redis store and cache. `ioredis` is an optional peer dependency: it is only
 * imported (dynamically) when a `url` is given; with a `client` the caller's own ioredis instance is used.
 * Connections made here fail fast while Redis is unreachable (no offline queue, and no wait once a connect
 * failed), so the breaker decides locally and the cache misses at once instead of each call waiting; the
 * failure is reported once per outage. The pub/sub connection does queue, so it re-subscribes by itself
 * when Redis returns.
 */
import type { Redis, RedisOptions } from 'ioredis';

/** Where to reach Redis: the caller's client, or a URL to connect to. */
export type RedisTarget = { client: Redis; url?: undefined } | { url: string; client?: undefined };

/** A lazily opened command connection plus an on-demand subscriber connection. */
export interface RedisConnection {
  /**
   * The command client once it is ready. The first connection is waited for up to `timeoutMs`; once that
   * failed (or the connection was lost) it rejects at once until Redis is ready again, so a Redis that is
   * down costs nothing per call.
   */
  ready(): Promise<Redis>;
  /** Subscribes `listener` to `channel` (messages as text). */
  subscribe(channel: string, listener: (message: string) => void): void;
  /** Closes what this connection opened (never a caller's client, only its duplicate for pub/sub). */
  close(): Promise<void>;
}

/** Reconnect delay after `times` failed attempts: 50 ms growing to 1 s. */
const retryStrategy = (times: number) => Math.min(50 * times, 1_000);

/** Options of connections opened from a URL. */
function urlOptions(timeoutMs: number): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: Math.max(1_000, timeoutMs),
    retryStrategy,
  };
}

/** Where a connection reports that Redis cannot be used: once per outage. */
export type RedisErrorReporter = (error: Error) => void;

/** `url` with its password (and user name) masked, for messages. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    if (parsed.username !== '') parsed.username = '***';
    return parsed.toString();
  } catch {
    return 'redis://(unparsable URL)';
  }
}

/**
 * The reporter of `redisStore()` / `redisCache()`: the caller's `onError`, or one console warning per outage
 * naming the Redis (password masked) and the reason.
 */
export function errorReporter(
  what: string,
  target: RedisTarget,
  onError: RedisErrorReporter | undefined,
  consequence: string,
): RedisErrorReporter {
  if (onError !== undefined) return onError;
  const where = target.url !== undefined ? redactRedisUrl(target.url) : 'the given ioredis client';
  return (error) => {
    console.warn(`resilient-llm: ${what} cannot use Redis at ${where} (${error.message}); ${consequence}.`);
  };
}

/**
 * Resolves when `client` is ready, waiting up to `timeoutMs`; rejects earlier when it reports an error.
 */
function whenReady(client: Redis, timeoutMs: number): Promise<Redis> {
  if (client.status === 'ready') return Promise.resolve(client);
  if (client.status === 'wait') client.connect().catch(() => {});
  return new Promise<Redis>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
    };
    const onReady = () => {
      done();
      resolve(client);
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`not ready within ${timeoutMs} ms (status ${client.status})`));
    }, timeoutMs);
    timer.unref();
    client.once('ready', onReady);
    client.once('error', onError);
  });
}

/** Opens (lazily) the connections for `target`. */
export function createRedisConnection(
  target: RedisTarget,
  timeoutMs: number,
  report: RedisErrorReporter = () => {},
): RedisConnection {
  let opened: Promise<Redis> | undefined;
  /** Set by a failure, cleared by `ready`: while set, `ready()` fails fast and nothing more is reported. */
  let down = false;
  const fail = (error: Error): Error => {
    if (!down && !closed) {
      down = true;
      try {
        report(error);
      } catch {
        // A faulty hook must not break the cache or the breaker.
      }
    }
    return error;
  };
  const watched = new WeakSet<Redis>();
  /** Tracks `client` going down and coming back (an `error` listener only on connections opened here). */
  const watch = (client: Redis, owned: boolean) => {
    if (watched.has(client)) return;
    watched.add(client);
    client.on('ready', () => {
      down = false;
    });
    client.on('close', () => fail(new Error('connection lost')));
    if (owned) client.on('error', (error: Error) => fail(error));
  };
  let subscriber: Redis | undefined;
  const owned: Redis[] = [];
  const channels = new Map<string, Set<(message: string) => void>>();
  let closed = false;

  const client = (): Promise<Redis> => {
    opened ??=
      target.client !== undefined
        ? Promise.resolve(target.client)
        : import('ioredis').then(({ Redis: RedisClient }) => {
            const created = new RedisClient(target.url, urlOptions(timeoutMs));
            watch(created, true); // errors are reported once per outage; never crash the app
            owned.push(created);
            if (closed) created.disconnect();
            return created;
          });
    return opened;
  };

  return {
    async ready() {
      if (closed) throw new Error('Redis connection is closed');
      const base = await client();
      watch(base, false);
      if (base.status === 'ready') {
        down = false;
        return base;
      }
      if (down) throw new Error(`Redis is unavailable (status ${base.status})`);
      try {
        return await whenReady(base, timeoutMs);
      } catch (error) {
        throw fail(error instanceof Error ? error : new Error(String(error)));
      }
    },
    subscribe(channel, listener) {
      const set = channels.get(channel) ?? new Set();
      const first = !channels.has(channel);
      channels.set(channel, set);
      set.add(listener);
      if (!first) return;
      void client().then((base) => {
        if (closed) return;
        if (subscriber === undefined) {
          subscriber = base.duplicate({
            enableOfflineQueue: true,
            maxRetriesPerRequest: null,
            retryStrategy,
          });
          subscriber.on('error', () => {});
          subscriber.on('message', (from: string, message: string) => {
            for (const each of channels.get(from) ?? []) each(message);
          });
          owned.push(subscriber);
        }
        subscriber.subscribe(channel).catch(() => {});
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      channels.clear();
      for (const each of owned) each.disconnect();
    },
  };
}

/** Runs the script `sha` (loading `source` when Redis does not know it, e.g. after a restart). */
export async function evalScript(
  client: Redis,
  source: string,
  sha: string,
  keys: string[],
  arg: string,
): Promise<unknown> {
  try {
    return await client.evalsha(sha, keys.length, ...keys, arg);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.eval(source, keys.length, ...keys, arg);
  }
}
