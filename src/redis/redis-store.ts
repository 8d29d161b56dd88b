/**
 * `redisStore()`: breaker state shared by every process that points at the same Redis (and prefix).
 *
 * Each operation is one atomic Lua script on Redis time (see `script.ts`); changes are published on
 * `<prefix>breaker:events` and reach every subscribed breaker as `breaker.sync` within a round trip.
 * Keys per breaker id: `<prefix>breaker:{<id>}` (state hash), `…:w` (rate window, with a TTL) and `…:p`
 * (half-open probe leases, expiring). Breakers never wait on Redis for a permit (see `store-mirror.ts`).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { BreakerMachineConfig } from '../../machines/circuit-breaker-types.js';
import type { BreakerStore, SharedBreakerHandle, SharedBreakerState, StoreSeed } from '../breaker/store.js';
import { SHARED_STATE_NAMES } from '../breaker/store.js';
import { createRedisConnection, errorReporter, evalScript, type RedisTarget } from './connection.js';
import { type RedisStoreOptions, resolveRedisStoreOptions } from './options.js';
import { BREAKER_SCRIPT, BREAKER_SCRIPT_SHA, scriptConfig } from './script.js';

const stateSchema = z.object({
  id: z.string(),
  state: z.enum(SHARED_STATE_NAMES),
  epoch: z.number(),
  generation: z.string(),
  remainingMs: z.number().nullable(),
  reason: z.string(),
  trips: z.number(),
  reopens: z.number(),
  granted: z.boolean().optional(),
});

/** Parses the script's JSON answer (or a published message). */
function parseState(raw: unknown): SharedBreakerState & { granted?: boolean | undefined } {
  const parsed = stateSchema.parse(JSON.parse(String(raw)));
  return parsed as SharedBreakerState & { granted?: boolean | undefined };
}

/**
 * A breaker store on Redis. Give it your ioredis `client` or a `url`; every process using the same Redis
 * and `prefix` shares breaker state by breaker id.
 *
 * @example
 * ```ts
 * import { redisStore } from 'resilient-llm/redis';
 * const store = redisStore({ url: process.env.REDIS_URL });
 * const llm = createResilientLLM({ providers, breaker: { store } });
 * ```
 */
export function redisStore(options: RedisStoreOptions): BreakerStore {
  const resolved = resolveRedisStoreOptions(options);
  const { prefix, timeoutMs, refreshMs, probeLeaseMs } = resolved;
  const target = (
    resolved.client !== undefined ? { client: resolved.client } : { url: resolved.url }
  ) as RedisTarget;
  const report = errorReporter(
    'redisStore',
    target,
    resolved.onError,
    'breakers decide locally until it is back',
  );
  const connection = createRedisConnection(target, timeoutMs, report);
  const channel = `${prefix}breaker:events`;

  const handle = (id: string, config: BreakerMachineConfig): SharedBreakerHandle => {
    const base = `${prefix}breaker:{${id}}`;
    const keys = [base, `${base}:w`, `${base}:p`];
    const cfg = scriptConfig(config);
    const run = async (op: string, extra: Record<string, unknown> = {}) => {
      const client = await connection.ready();
      const arg = JSON.stringify({ op, id, channel, gen: randomUUID(), cfg, ...extra });
      return parseState(await evalScript(client, BREAKER_SCRIPT, BREAKER_SCRIPT_SHA, keys, arg));
    };
    const view = ({ granted: _granted, ...state }: SharedBreakerState & { granted?: boolean | undefined }) =>
      state;
    return {
      join: async (seed: StoreSeed) => view(await run('join', { seed })),
      read: async () => view(await run('read')),
      record: async (outcome) =>
        view(
          await run('record', {
            epoch: outcome.epoch,
            verdict: outcome.verdict,
            retryAfterMs: outcome.retryAfterMs,
            lease: outcome.leaseId,
          }),
        ),
      async acquireProbe(leaseId) {
        const answer = await run('acquire', { lease: leaseId, leaseMs: probeLeaseMs });
        return { granted: answer.granted === true, state: view(answer) };
      },
      async releaseProbe(leaseId) {
        await run('release', { lease: leaseId });
      },
      command: async (command) => view(await run('command', { command })),
      subscribe(listener) {
        let active = true;
        connection.subscribe(channel, (message) => {
          if (!active) return;
          let state: SharedBreakerState;
          try {
            state = view(parseState(message));
          } catch {
            return; // not ours: ignore foreign messages on the channel
          }
          if (state.id === id) listener(state);
        });
        return () => {
          active = false;
        };
      },
    };
  };

  return {
    kind: 'redis',
    timeoutMs,
    refreshMs,
    breaker: handle,
    close: () => connection.close(),
  };
}
