/**
 * The fault schedules shared by every peer, chosen by `BENCH_SCENARIO` (read once per process):
 * - `chaos` (default): 2,000 requests at concurrency 50 over three providers on the fault server. A is
 *   hard-down (503) for request ids 700–1299 and otherwise rate-limits 20% of attempts (429, Retry-After
 *   1 s); B fails 10% of attempts with a 500 at ~200 ms; C is healthy at ~400 ms.
 * - `noisy`: a noisy but healthy preferred provider, 300 requests at concurrency 20. A answers in ~60 ms but
 *   5% of attempts hang, 5% are malformed (truncated JSON), 5% are 529 and 5% are 429 (Retry-After 1 s);
 *   B (200 ms) and C (400 ms) are healthy. No outage.
 * Faults are a pure function of (seed, provider, request id, attempt), so every peer meets the same schedule.
 */
import { pickFault } from '../../src/testing/fault-server/schedule.js';
import type { FaultScenario } from '../../src/testing/fault-server/types.js';

/** The scenario names. */
export const SCENARIO_NAMES = ['chaos', 'noisy'] as const;
/** A scenario name. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];
/** The scenario this process runs (`BENCH_SCENARIO`, default `chaos`). */
export const SCENARIO: ScenarioName = (() => {
  const name = process.env.BENCH_SCENARIO ?? 'chaos';
  if ((SCENARIO_NAMES as readonly string[]).includes(name)) return name as ScenarioName;
  throw new TypeError(`Unknown BENCH_SCENARIO "${name}"; expected one of ${SCENARIO_NAMES.join(', ')}`);
})();
const noisy = SCENARIO === 'noisy';

/** Requests per peer. */
export const REQUESTS = Number(process.env.BENCH_CHAOS_REQUESTS ?? (noisy ? 300 : 2_000));
/** Requests in flight at once. */
export const CONCURRENCY = noisy ? 20 : 50;
/** Seed of the fault schedule. */
export const SEED = 42;
/** Request ids (inclusive) during which A is down (an empty range when there is no outage). */
export const OUTAGE: readonly [number, number] = noisy ? [1, 0] : [700, 1299];
/** Provider ids, in priority order. */
export const PROVIDERS = ['a', 'b', 'c'] as const;
/** A provider id. */
export type ProviderId = (typeof PROVIDERS)[number];
/** Per-provider latency (ms) before any response, errors included. */
export const LATENCY_MS: Record<ProviderId, number> = { a: noisy ? 60 : 100, b: 200, c: 400 };
/**
 * Settings every contender of the `routing` part shares (`BENCH_SETTINGS=common`): per-attempt timeout,
 * breaker open time, backoff cap. The `chaos` part keeps its historical 5 s timeout and per-peer defaults.
 */
export const COMMON = { attemptMs: 2_000, openMs: 1_000, backoffCapMs: 4_000 } as const;
/** Whether this process runs the contenders at the {@link COMMON} settings. */
export const COMMON_SETTINGS = process.env.BENCH_SETTINGS === 'common';
/** Per-attempt timeout every peer gets. */
export const ATTEMPT_MS = COMMON_SETTINGS ? COMMON.attemptMs : 5_000;
/** Static fallback every peer answers with when nothing else does. */
export const FALLBACK = 'Sorry, the assistant is busy. Please try again.';
/** Model name sent to every provider. */
export const MODEL = 'bench-model';

/** The fault server scenario. */
export const chaosScenario: FaultScenario = noisy
  ? {
      a: {
        latencyMs: LATENCY_MS.a,
        text: 'answer from a',
        faults: [
          { kind: 'hang', rate: 0.05 },
          { kind: 'truncated_json', rate: 0.05 },
          { kind: '529', rate: 0.05 },
          { kind: '429', rate: 0.05, retryAfterS: 1 },
        ],
      },
      b: { latencyMs: LATENCY_MS.b, text: 'answer from b' },
      c: { latencyMs: LATENCY_MS.c, text: 'answer from c' },
    }
  : {
      a: {
        latencyMs: LATENCY_MS.a,
        text: 'answer from a',
        faults: [
          { kind: '503', requestIds: OUTAGE },
          { kind: '429', rate: 0.2, retryAfterS: 1 },
        ],
      },
      b: { latencyMs: LATENCY_MS.b, text: 'answer from b', faults: [{ kind: '500', rate: 0.1 }] },
      c: { latencyMs: LATENCY_MS.c, text: 'answer from c' },
    };

/** The logical id of request `n` (1-based), sent as `x-request-id`. */
export function requestId(n: number): string {
  return `bench-${n}`;
}

/** True when request number `n` falls in A's outage. */
export function inOutage(n: number): boolean {
  return n >= OUTAGE[0] && n <= OUTAGE[1];
}

/** Whether `provider` answers request `n` on its `attempt`-th try (schedule lookup, no I/O). */
export function succeeds(provider: ProviderId, n: number, attempt = 1): boolean {
  const fault = pickFault(chaosScenario, {
    seed: SEED,
    provider,
    requestId: requestId(n),
    attempt,
    wire: 'chat',
    stream: false,
    model: MODEL,
  });
  return fault === undefined;
}

/** The oracle's pick: the fastest provider whose first attempt succeeds (providers are ranked by latency). */
export function oraclePick(n: number): ProviderId {
  return PROVIDERS.find((p) => succeeds(p, n)) ?? 'c';
}

/**
 * The latency a zero-overhead *reactive* client would see for request `n`: it knows A's outage (skips A
 * inside it) but not which attempt will fail, so it tries A (outside the outage), then B, then C, each failure
 * costing that provider's full latency. Its p99 is the best any client without foreknowledge of per-request
 * faults and without duplicate (hedged) calls can do on this schedule.
 */
export function reactiveLatencyMs(n: number): number {
  let total = 0;
  for (const provider of PROVIDERS) {
    if (provider === 'a' && inOutage(n)) continue;
    total += LATENCY_MS[provider];
    if (succeeds(provider, n)) return total;
  }
  return total;
}
