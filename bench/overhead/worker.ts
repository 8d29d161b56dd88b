/**
 * Overhead worker (one process per contender): ns/op of sequential calls against a provider that answers at
 * once (median of REPS timed repetitions after a warm-up of BENCH_WARMUP_OPS calls and one rep), then heap
 * bytes per in-flight call with 10,000 calls parked on a gate. Run by `bench/run.ts overhead`; needs `--expose-gc`.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { setImmediate as tick } from 'node:timers/promises';
import { emitResult, requireGc } from '../lib/child.js';
import { median } from '../lib/stats.js';
import { ANSWER, createSubject, type Subject, subjectName } from './subjects.js';

const REPS = Number(process.env.BENCH_REPS ?? 7);
const REP_TARGET_MS = Number(process.env.BENCH_REP_MS ?? 400);
const IN_FLIGHT = 10_000;
/**
 * Calls made before calibrating: a slow path (the statechart, ~1 ms a call cold) is still being optimised by
 * the JIT over its first thousand calls, and a warm-up of one short rep measured that instead of steady state.
 */
const WARMUP_OPS = Number(process.env.BENCH_WARMUP_OPS ?? 3000);
const gc = requireGc();
const name = subjectName(process.argv[2]);
const only = process.argv[3]; // 'speed' | 'heap' | undefined (both)

/** BENCH_CLOCK=cpu: time loops by this process's CPU time (user + system), robust on a loaded machine. */
const CPU_CLOCK = process.env.BENCH_CLOCK === 'cpu';

async function timeLoop(subject: Subject, n: number): Promise<number> {
  if (CPU_CLOCK) {
    const before = process.cpuUsage();
    for (let i = 0; i < n; i++) await subject.call();
    const used = process.cpuUsage(before);
    return (used.user + used.system) * 1000;
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await subject.call();
  return Number(process.hrtime.bigint() - start);
}

async function speed(): Promise<{ nsPerOp: number; reps: number[]; opsPerRep: number }> {
  const subject = createSubject(name, async () => ANSWER);
  await timeLoop(subject, WARMUP_OPS);
  // Calibrate: grow n until a loop takes ~50 ms, then size reps to REP_TARGET_MS.
  let n = 100;
  let ns = await timeLoop(subject, n);
  while (ns < 50e6 && n < 1e8) {
    n *= 4;
    ns = await timeLoop(subject, n);
  }
  const opsPerRep = Math.max(100, Math.round((n * REP_TARGET_MS * 1e6) / ns));
  await timeLoop(subject, opsPerRep); // warm-up
  // BENCH_PROFILE_OUT: CPU-profile the timed repetitions only (not start-up or module loading).
  const profileOut = process.env.BENCH_PROFILE_OUT;
  const session = profileOut ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const reps: number[] = [];
  for (let r = 0; r < REPS; r++) reps.push((await timeLoop(subject, opsPerRep)) / opsPerRep);
  if (session && profileOut) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(profileOut, JSON.stringify(profile));
    session.disconnect();
  }
  await subject.stop();
  return { nsPerOp: median(reps), reps, opsPerRep };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await tick();
  gc();
  gc();
}

async function heapOnce(): Promise<number> {
  let gate: Promise<void> | undefined;
  const subject = createSubject(name, async () => {
    if (gate) await gate;
    return ANSWER;
  });
  for (let i = 0; i < 100; i++) await subject.call(); // lazy setup and warm-up, before the baseline
  await settle();
  const before = process.memoryUsage().heapUsed;
  let release: () => void = () => {};
  gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const calls: Promise<unknown>[] = new Array(IN_FLIGHT);
  for (let i = 0; i < IN_FLIGHT; i++) calls[i] = subject.call();
  await settle();
  const during = process.memoryUsage().heapUsed;
  release();
  const answers = await Promise.all(calls);
  await subject.stop();
  if (answers.length !== IN_FLIGHT) throw new Error('not every parked call settled');
  return (during - before) / IN_FLIGHT;
}

const result: Record<string, unknown> = { subject: name };
if (only !== 'heap') result.speed = await speed();
if (only !== 'speed') {
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) samples.push(await heapOnce());
  result.heap = { bytesPerInFlight: median(samples), samples, inFlight: IN_FLIGHT };
}
emitResult(result);
process.exit(0);
