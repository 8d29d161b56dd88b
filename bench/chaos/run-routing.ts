/**
 * The `routing` part: both scenarios (`chaos`, `noisy`), each run `BENCH_ROUTING_RUNS` times (default 2),
 * every contender at the same common settings (2 s per attempt, breaker open 1 s, backoff cap 4 s) plus
 * resilient-llm at pure defaults. Reports medians with the spread (min–max) over the runs, and the machine
 * load around each run.
 */
import { runChild } from '../lib/child.js';
import { environmentLine, table } from '../lib/markdown.js';
import { fmt, median } from '../lib/stats.js';
import { goalsMarkdown } from './routing-goals.js';
import type { RoutingRow, RoutingRun } from './routing-scenario.js';
import { COMMON, SCENARIO_NAMES } from './scenario.js';

/** Runs of each scenario. */
export const ROUTING_RUNS = Number(process.env.BENCH_ROUTING_RUNS ?? 2);
/** Scenarios to run (`BENCH_ROUTING_SCENARIOS=noisy` for a short iteration), default all. */
const ROUTING_SCENARIOS = (process.env.BENCH_ROUTING_SCENARIOS?.split(',') ?? [...SCENARIO_NAMES]).filter(
  (s) => (SCENARIO_NAMES as readonly string[]).includes(s),
);

/** Runs every scenario `ROUTING_RUNS` times, one scenario run after another. */
export async function runRouting(): Promise<RoutingRun[]> {
  const runs: RoutingRun[] = [];
  for (let i = 0; i < ROUTING_RUNS; i++) {
    for (const scenario of ROUTING_SCENARIOS) {
      runs.push(
        await runChild<RoutingRun>('chaos/routing-scenario.ts', [], {
          timeoutMs: 1_800_000,
          env: { BENCH_SCENARIO: scenario },
        }),
      );
    }
  }
  return runs;
}

/** The figures the report compares, for one row of one run. */
function figures(row: RoutingRow, oracle: RoutingRow | undefined, outage: boolean) {
  // The call's final answers from A (A cannot answer inside its outage, so all are outside it).
  const share = oracle ? (row.answeredBy.a ?? 0) / (oracle.answeredBy.a ?? 0) : NaN;
  const after =
    oracle && outage ? row.upstream.aAnswersAfterOutage / oracle.upstream.aAnswersAfterOutage : NaN;
  return {
    share,
    p50: row.latencyMs.p50,
    p99: row.latencyMs.p99,
    p50x: oracle ? row.latencyMs.p50 / oracle.latencyMs.p50 : NaN,
    p99x: oracle ? row.latencyMs.p99 / oracle.latencyMs.p99 : NaN,
    extra: row.extraUpstream,
    aInOutage: row.upstream.aCallsInOutage,
    bound: row.reactiveBound,
    after,
    fallbacks: row.fallbacks,
  };
}
type Figures = ReturnType<typeof figures>;

const spread = (values: number[], digits: number, scale = 1) => {
  const finite = values.filter(Number.isFinite).map((v) => v * scale);
  if (finite.length === 0) return 'n/a';
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return `${fmt(median(finite), digits)} (${fmt(lo, digits)}–${fmt(hi, digits)})`;
};

/** The markdown page of the routing part. */
export function routingMarkdown(runs: readonly RoutingRun[], ranAt?: string): string {
  const lines = [
    '# Routing: chaos and noisy-healthy scenarios',
    '',
    environmentLine(ranAt),
    '',
    `Runs started: ${runs.map((r) => `${r.scenario} ${r.startedAt ?? '(not recorded)'}`).join(', ')}. ` +
      'Contenders run one after another, each in its own process against its own fault server with the same ' +
      'seed; `BENCH_ROUTING_RUNS`, `BENCH_ROUTING_SCENARIOS`, `BENCH_ROUTING_PEERS` shorten a run while iterating.',
    '',
    `Common settings for every peer and the \`resilient-llm\` row: per-attempt timeout ${COMMON.attemptMs} ms, ` +
      `breaker open ${COMMON.openMs} ms, backoff cap ${COMMON.backoffCapMs} ms (where the peer has the knob). ` +
      '`resilient-llm-defaults`: pure defaults. Each cell: median over the runs (min–max). ' +
      "Share: final answers A served ÷ the oracle's; " +
      "after: A's successful upstream answers to ids after the outage ÷ the oracle's; bound: calls to A in its " +
      "outage that arrived before A's first 503 could have returned (its arrival + A's latency).",
    '',
    goalsMarkdown(runs),
  ];
  for (const scenario of [...new Set(runs.map((r) => r.scenario))]) {
    const mine = runs.filter((r) => r.scenario === scenario);
    const byPeer = new Map<string, Figures[]>();
    for (const run of mine) {
      const oracle = run.rows.find((r) => r.peer === 'oracle');
      for (const row of run.rows) {
        const list = byPeer.get(row.peer) ?? [];
        list.push(figures(row, oracle, scenario === 'chaos'));
        byPeer.set(row.peer, list);
      }
    }
    const load = mine.map(
      (r) => `${fmt(r.loadavg.before[0] ?? NaN, 2)}→${fmt(r.loadavg.after[0] ?? NaN, 2)}`,
    );
    lines.push(`## ${scenario} (${mine.length} runs; 1-min load average per run: ${load.join(', ')})`, '');
    lines.push(
      table(
        [
          'contender',
          'share of A',
          'p50 ms',
          'p50 ÷ oracle',
          'p99 ms',
          'p99 ÷ oracle',
          'extra calls',
          'A in outage',
          'bound',
          'after outage',
          'fallbacks',
        ],
        [...byPeer].map(([peer, f]) => {
          const cell = (key: keyof Figures, digits: number, scale = 1) =>
            spread(
              f.map((x) => x[key]),
              digits,
              scale,
            );
          const percent = (key: keyof Figures) => cell(key, 0, 100).replace(/^(\d\S*)/, '$1%');
          return [
            peer,
            percent('share'),
            cell('p50', 0),
            cell('p50x', 2),
            cell('p99', 0),
            cell('p99x', 2),
            cell('extra', 0),
            cell('aInOutage', 0),
            cell('bound', 0),
            percent('after'),
            cell('fallbacks', 0),
          ];
        }),
      ),
      '',
    );
  }
  return lines.join('\n');
}
