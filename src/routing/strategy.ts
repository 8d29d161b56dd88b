/**
 * Routing strategies: the order in which selection offers providers a call (before breakers and the
 * rate-limit admission have their say).
 */
import type { Clock } from '../clock.js';

/** Every routing strategy. */
export const ROUTING_STRATEGIES = ['priority', 'latency', 'least-busy', 'weighted'] as const;

/**
 * - `priority`: by ascending priority, then declaration order;
 * - `latency`: lowest latency estimate (EWMA of answered attempts) first, unmeasured providers first of all;
 * - `least-busy`: fewest attempts in flight first;
 * - `weighted`: a random order, each provider drawn with weight 1 / latency estimate (unmeasured providers
 *   weigh as much as the fastest measured one).
 * Ties keep the priority order.
 */
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

/** How selection orders providers: the strategy, and the random source and clock it may use. */
export interface SelectPolicy {
  readonly strategy: RoutingStrategy;
  readonly random: () => number;
  readonly clock: Clock;
}

/** What a strategy reads of a provider: its latency estimate and attempts in flight. */
export interface Routable {
  readonly stats: { readonly latencyMs: number | undefined; readonly inFlight: number };
}

const latencyOf = (entry: Routable) => entry.stats.latencyMs ?? 0;

/** `ranked` (priority order) in the order `strategy` offers it the call; `ranked` itself for `priority`. */
export function orderProviders<E extends Routable>(
  strategy: RoutingStrategy,
  ranked: readonly E[],
  random: () => number,
): readonly E[] {
  if (strategy === 'priority' || ranked.length < 2) return ranked;
  if (strategy === 'latency') return [...ranked].sort((a, b) => latencyOf(a) - latencyOf(b));
  if (strategy === 'least-busy') return [...ranked].sort((a, b) => a.stats.inFlight - b.stats.inFlight);
  return weightedOrder(ranked, random);
}

function weightedOrder<E extends Routable>(ranked: readonly E[], random: () => number): E[] {
  const measured = ranked.map((e) => e.stats.latencyMs).filter((ms): ms is number => ms !== undefined);
  const fastest = measured.length === 0 ? 1 : Math.max(1, Math.min(...measured));
  const pool = ranked.map((entry) => ({ entry, weight: 1 / Math.max(1, entry.stats.latencyMs ?? fastest) }));
  const order: E[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((sum, p) => sum + p.weight, 0);
    let draw = random() * total;
    let index = pool.findIndex((p) => {
      draw -= p.weight;
      return draw < 0;
    });
    if (index < 0) index = pool.length - 1;
    order.push((pool[index] as (typeof pool)[number]).entry);
    pool.splice(index, 1);
  }
  return order;
}
