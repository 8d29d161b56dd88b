/**
 * Redis connections of the Redis store and cache. `ioredis` is an optional peer dependency: it is only
 * imported (dynamically) when a `url` is given; with a `client` the caller's own ioredis instance is used.
 * Connections made here fail fast while Redis is unreachable (no offline queue), so the breaker falls
 * back to local decisions at once instead of queueing; the pub/sub connection does queue, so it
 * re-subscribes by itself when Redis returns.
 */
import type { Redis, RedisOptions } from 'ioredis';

/** Where to reach Redis: the caller's client, or a URL to connect to. */
export type RedisTarget = { client: Redis; url?: undefined } | { url: string; client?: undefined };

/** A lazily opened command connection plus an on-demand subscriber connection. */
export interface RedisConnection {
  /** The command client once it is ready; rejects after `timeoutMs` while Redis is unreachable. */
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

/** Clients that have been ready once: from then on, "not ready" means Redis is down, so fail fast. */
const wasReady = new WeakSet<Redis>();

/**
 * Resolves when `client` is ready. A client still making its first connection is waited for (up to
 * `timeoutMs`); one that lost its connection rejects at once, so nothing waits on a Redis that is down.
 */
function whenReady(client: Redis, timeoutMs: number): Promise<Redis> {
  if (client.status === 'ready') {
    wasReady.add(client);
    return Promise.resolve(client);
  }
  if (wasReady.has(client))
    return Promise.reject(new Error(`Redis is unreachable (status ${client.status})`));
  if (client.status === 'wait') client.connect().catch(() => {});
  return new Promise<Redis>((resolve, reject) => {
    const onReady = () => {
      clearTimeout(timer);
      wasReady.add(client);
      resolve(client);
    };
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`Redis not ready within ${timeoutMs} ms (status ${client.status})`));
    }, timeoutMs);
    timer.unref();
    client.once('ready', onReady);
  });
}

/** Opens (lazily) the connections for `target`. */
export function createRedisConnection(target: RedisTarget, timeoutMs: number): RedisConnection {
  let opened: Promise<Redis> | undefined;
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
            created.on('error', () => {}); // reported through failed commands; never crash the app
            owned.push(created);
            if (closed) created.disconnect();
            return created;
          });
    return opened;
  };

  return {
    async ready() {
      if (closed) throw new Error('Redis connection is closed');
      return whenReady(await client(), timeoutMs);
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
