/**
 * The goals, judged against measured figures. A goal is never loosened here: a miss is reported
 * with its margin.
 */
import type { ChaosRow } from '../chaos/run-chaos.js';
import { fmt } from '../lib/stats.js';
import { HEAP_GOAL_BYTES, OVERHEAD_RATIO_GOAL, type OverheadResult } from '../overhead/run-overhead.js';
import { type ScaleResult, SOAK_GROWTH_GOAL_MB } from '../scale/run-scale.js';

/** One judged goal. */
export interface GoalRow {
  goal: string;
  target: string;
  measured: string;
  met: boolean;
  /** How far from the target, in words (`2.3× over`, `within by 12%`). */
  margin: string;
}

const times = (value: number, limit: number) =>
  value <= limit ? `within (${fmt(value / limit, 2)}× of the limit)` : `missed by ${fmt(value / limit, 2)}×`;

/** Overhead goals: ns/op ratio to cockatiel, heap per in-flight call. */
export function overheadGoals(result: OverheadResult): GoalRow[] {
  const by = (name: string) => result.rows.find((r) => r.subject === name);
  const cockatiel = by('cockatiel')?.speed.nsPerOp ?? Number.NaN;
  return (['resilient-llm', 'resilient-llm+schema'] as const).flatMap((name) => {
    const row = by(name);
    if (!row) return [];
    const ratio = row.speed.nsPerOp / cockatiel;
    const bytes = row.heap.bytesPerInFlight;
    return [
      {
        goal: `${name}: ns/op ÷ cockatiel composed`,
        target: `≤ ${OVERHEAD_RATIO_GOAL}`,
        measured: fmt(ratio, 2),
        met: ratio <= OVERHEAD_RATIO_GOAL,
        margin: times(ratio, OVERHEAD_RATIO_GOAL),
      },
      {
        goal: `${name}: heap per in-flight call (10k)`,
        target: `≤ ${fmt(HEAP_GOAL_BYTES)} B`,
        measured: `${fmt(bytes)} B`,
        met: bytes <= HEAP_GOAL_BYTES,
        margin: times(bytes, HEAP_GOAL_BYTES),
      },
    ];
  });
}

/** Chaos goals for one resilient-llm row (`subject`), against the oracle and every other peer. */
export function chaosGoals(rows: readonly ChaosRow[], subject = 'resilient-llm'): GoalRow[] {
  const me = rows.find((r) => r.peer === subject);
  const oracle = rows.find((r) => r.peer === 'oracle');
  if (!me || !oracle) return [];
  const others = rows.filter(
    (r) => r.peer !== subject && r.peer !== 'oracle' && !r.peer.startsWith('resilient-llm'),
  );
  const best = others.reduce((a, b) => (b.latencyMs.p99 < a.latencyMs.p99 ? b : a), others[0] ?? me);
  const limit = 1.5 * oracle.latencyMs.p99;
  const p99 = me.latencyMs.p99;
  return [
    {
      goal: `${subject}: p99 ≤ 1.5 × oracle`,
      target: `≤ ${fmt(limit)} ms`,
      measured: `${fmt(p99)} ms`,
      met: p99 <= limit,
      margin: times(p99, limit),
    },
    {
      goal: `${subject}: p99 lower than every peer`,
      target: `< ${fmt(best.latencyMs.p99)} ms (${best.peer})`,
      measured: `${fmt(p99)} ms`,
      met: p99 < best.latencyMs.p99,
      margin: p99 < best.latencyMs.p99 ? 'lowest' : `${fmt(p99 / best.latencyMs.p99, 2)}× ${best.peer}'s p99`,
    },
    {
      goal: `${subject}: calls to A during its outage`,
      target: '≤ 10',
      measured: String(me.upstream.aCallsInOutage),
      met: me.upstream.aCallsInOutage <= 10,
      margin: times(me.upstream.aCallsInOutage, 10),
    },
    {
      goal: `${subject}: A keeps serving after its outage`,
      target: '> 0 answers from A for ids 1300–2000',
      measured: String(me.upstream.aAnswersAfterOutage),
      met: me.upstream.aAnswersAfterOutage > 0,
      margin: me.upstream.aAnswersAfterOutage > 0 ? 'served' : 'A stayed open for the rest of the run',
    },
  ];
}

/** Soak goal: heap flat within a few MB (growth from the first sample after warm-up to the last). */
export function scaleGoals(result: ScaleResult): GoalRow[] {
  const samples = result.soak.samples;
  const warm = samples.find((s) => s.calls >= 100_000) ?? samples[1] ?? samples[0];
  const last = samples.at(-1);
  if (!warm || !last) return [];
  const growth = last.heapMb - warm.heapMb;
  return [
    {
      goal: `soak: heap growth over ${fmt(result.soak.calls)} sequential calls (after the first ${fmt(warm.calls)})`,
      target: `≤ ${SOAK_GROWTH_GOAL_MB} MB`,
      measured: `${fmt(growth, 2)} MB`,
      met: growth <= SOAK_GROWTH_GOAL_MB,
      margin: growth <= SOAK_GROWTH_GOAL_MB ? 'flat' : `missed by ${fmt(growth - SOAK_GROWTH_GOAL_MB, 1)} MB`,
    },
  ];
}
