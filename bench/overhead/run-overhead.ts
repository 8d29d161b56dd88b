/**
 * Part 1, overhead per call: one process per contender (speed and heap), then — when resilient-llm misses
 * its goal — a CPU profile (node:inspector) of its timed loop only, summarised by frame and by source area.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChild } from '../lib/child.js';
import { type ProfileSummary, summariseProfile } from '../lib/profile.js';
import { SUBJECTS, type SubjectName } from './subjects.js';

/** What one contender measured. */
export interface OverheadRow {
  subject: SubjectName;
  speed: { nsPerOp: number; reps: number[]; opsPerRep: number };
  heap: { bytesPerInFlight: number; samples: number[]; inFlight: number };
}

/** Part 1's results. */
export interface OverheadResult {
  rows: OverheadRow[];
  /** CPU profile of resilient-llm's call loop, when its ns/op ratio to cockatiel is over 1. */
  profile?: ProfileSummary;
}

/** Goal: resilient-llm ns/op ≤ this × cockatiel's composed policy. */
export const OVERHEAD_RATIO_GOAL = 1.0;
/** Goal: heap bytes per in-flight call. */
export const HEAP_GOAL_BYTES = 3 * 1024;

/** Runs part 1. */
export async function runOverhead(): Promise<OverheadResult> {
  const rows: OverheadRow[] = [];
  for (const subject of SUBJECTS) {
    const row = await runChild<OverheadRow>('overhead/worker.ts', [subject], { nodeFlags: ['--expose-gc'] });
    rows.push(row);
    console.error(
      `overhead ${subject}: ${Math.round(row.speed.nsPerOp)} ns/op, ${Math.round(row.heap.bytesPerInFlight)} B/in-flight`,
    );
  }
  const result: OverheadResult = { rows };
  const ns = (name: SubjectName) => rows.find((r) => r.subject === name)?.speed.nsPerOp ?? Number.NaN;
  if (ns('resilient-llm') / ns('cockatiel') > OVERHEAD_RATIO_GOAL) {
    const dir = mkdtempSync(join(tmpdir(), 'rllm-prof-'));
    const file = join(dir, 'call.cpuprofile');
    try {
      await runChild('overhead/worker.ts', ['resilient-llm', 'speed'], {
        nodeFlags: ['--expose-gc'],
        env: { BENCH_REPS: '5', BENCH_PROFILE_OUT: file },
      });
      result.profile = summariseProfile(file, 20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return result;
}
