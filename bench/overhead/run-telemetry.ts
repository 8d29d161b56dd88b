/**
 * Telemetry overhead: fast-path ns/op of resilient-llm with telemetry off, on with the API idle (installed,
 * no SDK), on with a no-op tracer and meter, and on with the real SDK and an in-memory exporter. Each
 * contender runs in ROUNDS fresh processes, interleaved (round-robin) so machine drift hits all alike; the
 * figure is the median of the per-process medians, with the min–max spread. Loops are timed by the worker's
 * CPU time (BENCH_CLOCK=cpu, the default here): on a shared machine wall time mostly measures the neighbours.
 */
import { runChild } from '../lib/child.js';
import { median } from '../lib/stats.js';
import { TELEMETRY_SUBJECTS, type TelemetrySubjectName } from './telemetry-subjects.js';

const ROUNDS = Number(process.env.BENCH_TELEMETRY_ROUNDS ?? 3);
/** Goal: the fast path with telemetry on and a no-op provider costs at most this much more than off. */
export const TELEMETRY_NOOP_GOAL = 0.1;

/** One contender's figures. */
export interface TelemetryRow {
  subject: TelemetrySubjectName;
  /** Median of the per-process medians, ns/op. */
  nsPerOp: number;
  /** Per-process medians, ns/op. */
  runs: number[];
  min: number;
  max: number;
  /** (nsPerOp / telemetry-off) − 1. */
  overVsOff: number;
}

type Speed = { speed: { nsPerOp: number } };

/** Runs the telemetry part. */
export async function runTelemetryOverhead(): Promise<{ rows: TelemetryRow[]; rounds: number }> {
  const runs = new Map<TelemetrySubjectName, number[]>(TELEMETRY_SUBJECTS.map((s) => [s, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const subject of TELEMETRY_SUBJECTS) {
      const { speed } = await runChild<Speed>('overhead/worker.ts', [subject, 'speed'], {
        nodeFlags: ['--expose-gc'],
        env: { BENCH_REPS: process.env.BENCH_REPS ?? '5', BENCH_CLOCK: process.env.BENCH_CLOCK ?? 'cpu' },
      });
      runs.get(subject)?.push(speed.nsPerOp);
      console.error(`telemetry ${subject} round ${round + 1}: ${Math.round(speed.nsPerOp)} ns/op`);
    }
  }
  const off = median(runs.get('telemetry-off') ?? []);
  const rows = TELEMETRY_SUBJECTS.map((subject): TelemetryRow => {
    const values = runs.get(subject) ?? [];
    const ns = median(values);
    return {
      subject,
      nsPerOp: ns,
      runs: values,
      min: Math.min(...values),
      max: Math.max(...values),
      overVsOff: ns / off - 1,
    };
  });
  return { rows, rounds: ROUNDS };
}

/** The markdown page of the telemetry part. */
export function telemetryReport(result: { rows: TelemetryRow[]; rounds: number }): string {
  const us = (ns: number) => (ns / 1000).toFixed(2);
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
  const lines = [
    '# Telemetry overhead (fast path, instant provider, no schema)',
    '',
    `Median of ${result.rounds} processes (each the median of its timed repetitions, timed by process CPU time), spread min–max.`,
    '',
    '| telemetry | µs/op | spread (µs) | vs off |',
    '| --- | --- | --- | --- |',
    ...result.rows.map(
      (r) =>
        `| ${r.subject} | ${us(r.nsPerOp)} | ${us(r.min)}–${us(r.max)} | ${r.subject === 'telemetry-off' ? '—' : pct(r.overVsOff)} |`,
    ),
  ];
  const noop = result.rows.find((r) => r.subject === 'telemetry-noop');
  if (noop)
    lines.push(
      '',
      `Goal: on with a no-op tracer and meter ≤ +${TELEMETRY_NOOP_GOAL * 100}% — ${noop.overVsOff <= TELEMETRY_NOOP_GOAL ? '**met**' : '**missed**'} (${pct(noop.overVsOff)}).`,
    );
  return `${lines.join('\n')}\n`;
}
