/**
 * Chaos worker (one process per contender, so its CPU is its own): sends the 2,000 scheduled requests at
 * concurrency 50 to the fault server given on the command line and reports latencies, fallbacks, who
 * answered and the client's CPU time. Run by `bench/run.ts chaos`.
 */
import { writeFileSync } from 'node:fs';
import { emitResult } from '../lib/child.js';
import { percentiles, round } from '../lib/stats.js';
import { createPeer, peerName } from './peers.js';
import { CONCURRENCY, PROVIDERS, type ProviderId, REQUESTS } from './scenario.js';

const name = peerName(process.argv[2]);
const base = process.argv[3];
if (!base?.startsWith('http://127.0.0.1:'))
  throw new TypeError(`Expected the fault server URL, got "${base}"`);
const urls = Object.fromEntries(PROVIDERS.map((p) => [p, `${base}/p/${p}/v1`])) as Record<ProviderId, string>;

const peer = createPeer(name, urls);
const latencies: number[] = new Array(REQUESTS);
const backoffs: number[] = new Array(REQUESTS).fill(0);
const answeredBy: Record<string, number> = {};
/** Per-request attempt paths, written to the file `BENCH_TRACE` names (diagnosis only). */
const paths: string[] = new Array(REQUESTS).fill('');
let fallbacks = 0;
let thrown = 0;
let next = 1;

async function lane(): Promise<void> {
  while (next <= REQUESTS) {
    const n = next++;
    const started = performance.now();
    try {
      const outcome = await peer.call(n);
      backoffs[n - 1] = outcome.backoffMs ?? 0;
      if (outcome.path !== undefined) paths[n - 1] = outcome.path;
      if (outcome.fallback) fallbacks++;
      else answeredBy[outcome.provider ?? '?'] = (answeredBy[outcome.provider ?? '?'] ?? 0) + 1;
    } catch {
      thrown++;
    }
    latencies[n - 1] = performance.now() - started;
  }
}

// resilient-llm's systemClock unrefs its timers: with only a retry backoff pending, Node would exit mid-call.
// A ref'd interval keeps this process alive until every request settled (reported to the lead).
const keepAlive = setInterval(() => {}, 1_000);
const cpuBefore = process.cpuUsage();
const wallStart = performance.now();
await Promise.all(Array.from({ length: CONCURRENCY }, lane));
const wallMs = performance.now() - wallStart;
const cpu = process.cpuUsage(cpuBefore);
clearInterval(keepAlive);
await peer.stop();
if (process.env.BENCH_TRACE) {
  writeFileSync(
    `${process.env.BENCH_TRACE}.${name}.txt`,
    paths.map((path, i) => `${i + 1} ${Math.round(latencies[i] ?? 0)} ${path}`).join('\n'),
  );
}
const p = percentiles(latencies);
// Of the slowest 1% of requests, how many waited in a backoff (a 429's Retry-After): where the tail comes from.
const slowest = latencies
  .map((ms, i) => ({ ms, backoff: backoffs[i] ?? 0 }))
  .sort((x, y) => y.ms - x.ms)
  .slice(0, Math.max(1, Math.floor(REQUESTS / 100)));
const backoff = {
  requestsThatWaited: backoffs.filter((ms) => ms > 0).length,
  slowestOnePercent: slowest.length,
  slowestThatWaited: slowest.filter((s) => s.backoff > 0).length,
  slowestMeanWaitMs: round(slowest.reduce((sum, s) => sum + s.backoff, 0) / slowest.length),
};
emitResult({
  peer: name,
  requests: REQUESTS,
  realAnswers: REQUESTS - fallbacks - thrown,
  fallbacks,
  thrown,
  answeredBy,
  latencyMs: { p50: round(p.p50, 1), p95: round(p.p95, 1), p99: round(p.p99, 1), max: round(p.max, 1) },
  wallMs: round(wallMs),
  cpuMs: round((cpu.user + cpu.system) / 1000),
  idMismatches: peer.idMismatches(),
  backoff,
});
process.exit(0);
