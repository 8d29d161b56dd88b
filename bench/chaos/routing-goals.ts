/**
 * Issue 16's goals, judged on the routing runs: every figure per run, its median (min–max), and whether the
 * goal is met — in every run, since a goal met in one run and missed in the next is not met. Goals are never
 * loosened here; a miss is reported with its value.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { table } from '../lib/markdown.js';
import { fmt, median } from '../lib/stats.js';
import type { RoutingRow, RoutingRun } from './routing-scenario.js';

/** The fast-path overhead goal of issue 16: resilient-llm's ns per call ≤ this × cockatiel composed. */
export const FAST_PATH_RATIO_GOAL = 0.4;

/** One judged goal over the runs. */
export interface RoutingGoal {
  goal: string;
  target: string;
  /** The measured value per run, formatted. */
  perRun: string[];
  /** Median (min–max) over the runs. */
  spread: string;
  met: boolean;
}

const rowOf = (run: RoutingRun, peer: string) => run.rows.find((r) => r.peer === peer);
const isPeer = (peer: string) => peer !== 'oracle' && !peer.startsWith('resilient-llm');

function spreadOf(values: number[], digits: number, unit = ''): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return 'n/a';
  return `${fmt(median(finite), digits)}${unit} (${fmt(Math.min(...finite), digits)}–${fmt(Math.max(...finite), digits)})`;
}

/**
 * A goal measured by `value` on each run of `scenario`, met when `ok` holds in every run. `format` prints
 * a run's value (with context such as the best peer).
 */
function judge(
  runs: readonly RoutingRun[],
  goal: string,
  target: string,
  value: (run: RoutingRun) => number,
  ok: (v: number, run: RoutingRun) => boolean,
  format: (v: number, run: RoutingRun) => string,
  digits: number,
  unit = '',
): RoutingGoal | undefined {
  const values = runs.map(value);
  if (values.length === 0 || values.every((v) => !Number.isFinite(v))) return undefined;
  return {
    goal,
    target,
    perRun: values.map((v, i) => format(v, runs[i] as RoutingRun)),
    spread:
      unit === '%'
        ? spreadOf(
            values.map((v) => v * 100),
            0,
            '%',
          )
        : spreadOf(values, digits, unit),
    met: values.every((v, i) => Number.isFinite(v) && ok(v, runs[i] as RoutingRun)),
  };
}

const pct = (v: number) => `${fmt(v * 100, 0)}%`;
const x = (v: number) => `${fmt(v, 2)}×`;

function ratio(run: RoutingRun, peer: string, of: (r: RoutingRow) => number): number {
  const me = rowOf(run, peer);
  const oracle = rowOf(run, 'oracle');
  if (!me || !oracle) return Number.NaN;
  return of(me) / of(oracle);
}

/** The lowest p99 among the peers (not the oracle, not resilient-llm rows) of a run. */
function bestPeer(run: RoutingRun): RoutingRow | undefined {
  return run.rows.filter((r) => isPeer(r.peer)).sort((a, b) => a.latencyMs.p99 - b.latencyMs.p99)[0];
}

/** The goals for one scenario's runs. */
export function scenarioGoals(scenario: string, runs: readonly RoutingRun[]): RoutingGoal[] {
  const goals: Array<RoutingGoal | undefined> = [];
  const rows = ['resilient-llm', 'resilient-llm-defaults'];
  for (const peer of rows) {
    goals.push(
      judge(
        runs,
        `${scenario}: share of A, \`${peer}\``,
        "≥ 90% of the oracle's",
        (run) => ratio(run, peer, (r) => r.answeredBy.a ?? 0),
        (v) => v >= 0.9,
        pct,
        0,
        '%',
      ),
      judge(
        runs,
        `${scenario}: p50 ÷ oracle, \`${peer}\``,
        '≤ 1.2×',
        (run) => ratio(run, peer, (r) => r.latencyMs.p50),
        (v) => v <= 1.2,
        x,
        2,
        '×',
      ),
    );
  }
  goals.push(
    judge(
      runs,
      `${scenario}: p99 at the common settings, \`resilient-llm\``,
      'lowest of all peers, every run',
      (run) => rowOf(run, 'resilient-llm')?.latencyMs.p99 ?? Number.NaN,
      (v, run) => v < (bestPeer(run)?.latencyMs.p99 ?? Number.POSITIVE_INFINITY),
      (v, run) => {
        const best = bestPeer(run);
        return `${fmt(v, 0)} ms (best peer ${best?.peer ?? '?'} ${fmt(best?.latencyMs.p99 ?? Number.NaN, 0)})`;
      },
      0,
      ' ms',
    ),
  );
  const hedgedLimit = scenario === 'chaos' ? 1.5 : 2;
  goals.push(
    judge(
      runs,
      `${scenario}: p99 ÷ oracle with hedging, \`resilient-llm-hedged\``,
      `≤ ${hedgedLimit}×`,
      (run) => ratio(run, 'resilient-llm-hedged', (r) => r.latencyMs.p99),
      (v) => v <= hedgedLimit,
      x,
      2,
      '×',
    ),
    judge(
      runs,
      `${scenario}: hedging's extra upstream calls ÷ requests, \`resilient-llm-hedged\` − \`resilient-llm\``,
      '≤ 10%',
      (run) => {
        const hedged = rowOf(run, 'resilient-llm-hedged');
        const plain = rowOf(run, 'resilient-llm');
        return hedged && plain ? (hedged.extraUpstream - plain.extraUpstream) / hedged.requests : Number.NaN;
      },
      (v) => v <= 0.1,
      (v, run) => {
        const hedged = rowOf(run, 'resilient-llm-hedged');
        const plain = rowOf(run, 'resilient-llm');
        return `${pct(v)} (${(hedged?.extraUpstream ?? 0) - (plain?.extraUpstream ?? 0)} calls)`;
      },
      0,
      '%',
    ),
  );
  if (scenario === 'chaos') {
    for (const peer of rows) {
      goals.push(
        judge(
          runs,
          `chaos: calls to A during its outage, \`${peer}\``,
          '≤ 20 (beside the reactive bound)',
          (run) => rowOf(run, peer)?.upstream.aCallsInOutage ?? Number.NaN,
          (v) => v <= 20,
          (v, run) => `${fmt(v, 0)} (bound ${rowOf(run, peer)?.reactiveBound ?? '?'})`,
          0,
        ),
      );
    }
    goals.push(
      judge(
        runs,
        'chaos: A after the outage, `resilient-llm` (common settings)',
        "≥ 80% of the oracle's",
        (run) => ratio(run, 'resilient-llm', (r) => r.upstream.aAnswersAfterOutage),
        (v) => v >= 0.8,
        pct,
        0,
        '%',
      ),
    );
  }
  return goals.filter((g): g is RoutingGoal => g !== undefined);
}

/** The fast-path overhead goal, from the overhead part's last result (`bench/results/overhead.json`). */
export function overheadGoal(): RoutingGoal | undefined {
  const file = fileURLToPath(new URL('../results/overhead.json', import.meta.url));
  if (!existsSync(file)) return undefined;
  const result = JSON.parse(readFileSync(file, 'utf8')) as {
    rows: Array<{ subject: string; speed: { nsPerOp: number; reps?: number[] } }>;
  };
  const me = result.rows.find((r) => r.subject === 'resilient-llm');
  const cockatiel = result.rows.find((r) => r.subject === 'cockatiel');
  if (!me || !cockatiel) return undefined;
  const value = me.speed.nsPerOp / cockatiel.speed.nsPerOp;
  return {
    goal: 'fast-path overhead ÷ cockatiel composed (overhead part, `bench/results/overhead.json`)',
    target: `≤ ${FAST_PATH_RATIO_GOAL}×`,
    perRun: [x(value)],
    spread: x(value),
    met: value <= FAST_PATH_RATIO_GOAL,
  };
}

/** The goals section of the routing page. */
export function goalsMarkdown(runs: readonly RoutingRun[]): string {
  const scenarios = [...new Set(runs.map((r) => r.scenario))];
  const goals = scenarios.flatMap((s) =>
    scenarioGoals(
      s,
      runs.filter((r) => r.scenario === s),
    ),
  );
  const overhead = overheadGoal();
  if (overhead) goals.push(overhead);
  const met = goals.filter((g) => g.met).length;
  return [
    `## Goals of issue 16 (${met} of ${goals.length} met; a goal counts as met only when it is met in every run)`,
    '',
    table(
      ['goal', 'target', 'per run', 'median (min–max)', 'met'],
      goals.map((g) => [g.goal, g.target, g.perRun.join('; '), g.spread, g.met ? 'met' : '**missed**']),
    ),
    '',
  ].join('\n');
}
