/**
 * Part 3, scale and soak: event-loop lag with 10,000 calls in flight (plain, cockatiel, resilient-llm), then
 * sequential resilient-llm calls with the heap sampled. The soak's length is chosen from a measured rate:
 * 1,000,000 calls when that fits in SOAK_BUDGET_S, else the largest multiple of 100,000 that fits.
 */
import { runChild } from '../lib/child.js';
import type { SubjectName } from '../overhead/subjects.js';

/** Event-loop figures with 10k calls in flight. */
export interface ConcurrentRow {
  subject: SubjectName;
  inFlight: number;
  rejected: number;
  rampMs: number;
  totalMs: number;
  lagMs: { p50: number; p99: number; max: number };
  peakHeapMb: number;
}

/** The soak's figures. */
export interface SoakResult {
  calls: number;
  seconds: number;
  callsPerSecond: number;
  samples: Array<{ calls: number; heapMb: number; elapsedS: number }>;
}

/** Part 3's results. */
export interface ScaleResult {
  concurrent: ConcurrentRow[];
  measuredRate: number;
  targetCalls: number;
  soak: SoakResult;
}

/** Soak length asked for by the issue. */
export const SOAK_TARGET = 1_000_000;
/** Longest soak we run, in seconds. */
export const SOAK_BUDGET_S = Number(process.env.BENCH_SOAK_BUDGET_S ?? 300);
/** Goal: heap growth over the soak, in MB. */
export const SOAK_GROWTH_GOAL_MB = 5;

const CONCURRENT_SUBJECTS: SubjectName[] = ['plain', 'cockatiel', 'resilient-llm'];

/** Runs part 3. */
export async function runScale(): Promise<ScaleResult> {
  const flags = { nodeFlags: ['--expose-gc'] };
  const concurrent: ConcurrentRow[] = [];
  for (const subject of CONCURRENT_SUBJECTS) {
    const row = await runChild<ConcurrentRow>('scale/worker.ts', ['concurrent', subject], flags);
    concurrent.push(row);
    console.error(
      `scale ${subject}: 10k in flight, event-loop lag p99 ${row.lagMs.p99} ms, ramp ${row.rampMs} ms`,
    );
  }
  const { callsPerSecond } = await runChild<{ callsPerSecond: number }>('scale/worker.ts', ['rate'], flags);
  const fits = Math.floor((callsPerSecond * SOAK_BUDGET_S) / 100_000) * 100_000;
  const targetCalls = Math.max(100_000, Math.min(SOAK_TARGET, fits));
  console.error(
    `soak: ${Math.round(callsPerSecond)} calls/s measured; running ${targetCalls.toLocaleString('en-US')} calls (~${Math.round(targetCalls / callsPerSecond)} s)`,
  );
  const soak = await runChild<SoakResult>('scale/worker.ts', ['soak', String(targetCalls)], {
    ...flags,
    timeoutMs: (SOAK_BUDGET_S + 300) * 1000,
  });
  return { concurrent, measuredRate: callsPerSecond, targetCalls, soak };
}
