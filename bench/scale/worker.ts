/**
 * Scale and soak worker (needs `--expose-gc`):
 * - `concurrent <subject>`: ramps to 10,000 calls in flight (batches of 100 per macrotask) against a provider
 *   that answers after 2 s, and reports event-loop lag (p50/p99/max) over the whole run;
 * - `rate`: sequential resilient-llm calls per second over 5,000 calls;
 * - `soak <count>`: `count` sequential resilient-llm calls, heap (after GC) sampled every 25,000 calls.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import { emitResult, requireGc } from '../lib/child.js';
import { round } from '../lib/stats.js';
import { ANSWER, createSubject, subjectName } from '../overhead/subjects.js';

const gc = requireGc();
const [mode, arg] = process.argv.slice(2);
const IN_FLIGHT = 10_000;
const BATCH = 100;
const PROVIDER_MS = 2_000;
const SAMPLE_EVERY = 25_000;
const mb = (bytes: number) => round(bytes / 1_048_576, 2);

async function concurrent(): Promise<unknown> {
  const subject = createSubject(
    subjectName(arg),
    () => new Promise((r) => setTimeout(() => r(ANSWER), PROVIDER_MS)),
  );
  await subject.call(); // lazy setup outside the measurement
  gc();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const started = performance.now();
  const calls: Promise<unknown>[] = [];
  let peakHeap = 0;
  while (calls.length < IN_FLIGHT) {
    for (let i = 0; i < BATCH; i++) calls.push(subject.call());
    await tick();
  }
  const rampMs = performance.now() - started;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 50);
  const settled = await Promise.allSettled(calls);
  clearInterval(sampler);
  const totalMs = performance.now() - started;
  lag.disable();
  await subject.stop();
  return {
    subject: arg,
    inFlight: IN_FLIGHT,
    rejected: settled.filter((s) => s.status === 'rejected').length,
    rampMs: round(rampMs),
    totalMs: round(totalMs),
    lagMs: {
      p50: round(lag.percentile(50) / 1e6, 1),
      p99: round(lag.percentile(99) / 1e6, 1),
      max: round(lag.max / 1e6, 1),
    },
    peakHeapMb: mb(peakHeap),
  };
}

async function sequential(count: number, onSample?: (done: number) => void): Promise<number> {
  const subject = createSubject('resilient-llm', async () => ANSWER);
  const started = performance.now();
  for (let i = 1; i <= count; i++) {
    await subject.call();
    if (onSample && i % SAMPLE_EVERY === 0) onSample(i);
  }
  const ms = performance.now() - started;
  await subject.stop();
  return ms;
}

async function rate(): Promise<unknown> {
  await sequential(1_000);
  const ms = await sequential(5_000);
  return { callsPerSecond: round(5_000 / (ms / 1000)) };
}

async function soak(): Promise<unknown> {
  const count = Number(arg);
  if (!Number.isInteger(count) || count < SAMPLE_EVERY)
    throw new RangeError(`soak count must be >= ${SAMPLE_EVERY}`);
  gc();
  const samples: Array<{ calls: number; heapMb: number; elapsedS: number }> = [
    { calls: 0, heapMb: mb(process.memoryUsage().heapUsed), elapsedS: 0 },
  ];
  const started = performance.now();
  const ms = await sequential(count, (done) => {
    gc();
    samples.push({
      calls: done,
      heapMb: mb(process.memoryUsage().heapUsed),
      elapsedS: round((performance.now() - started) / 1000, 1),
    });
  });
  return { calls: count, seconds: round(ms / 1000, 1), callsPerSecond: round(count / (ms / 1000)), samples };
}

const keepAlive = setInterval(() => {}, 1_000); // resilient-llm's timers are unref'd
const run = mode === 'concurrent' ? concurrent : mode === 'rate' ? rate : mode === 'soak' ? soak : undefined;
if (!run) throw new TypeError(`Unknown scale mode "${mode}"; expected concurrent, rate or soak`);
emitResult(await run());
clearInterval(keepAlive);
process.exit(0);
