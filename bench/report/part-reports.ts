/**
 * Per-part reports: markdown tables and SVG charts under `bench/results/`, from the parts' JSON results.
 */
import { PEER_SETTINGS } from '../chaos/peer-settings.js';
import type { ChaosRow } from '../chaos/run-chaos.js';
import { CONCURRENCY, LATENCY_MS, OUTAGE, REQUESTS, reactiveLatencyMs, SEED } from '../chaos/scenario.js';
import { environmentLine, table, writeResult } from '../lib/markdown.js';
import type { ProfileSummary } from '../lib/profile.js';
import { fmt, percentiles } from '../lib/stats.js';
import { barChart, lineChart } from '../lib/svg-chart.js';
import { HEAP_GOAL_BYTES, type OverheadResult } from '../overhead/run-overhead.js';
import type { ScaleResult } from '../scale/run-scale.js';

/** The schedule's reactive bound (see `reactiveLatencyMs`): what p99 a client without foreknowledge can reach. */
function reactiveBound(): string[] {
  const latencies = Array.from({ length: REQUESTS }, (_, i) => reactiveLatencyMs(i + 1));
  const p = percentiles(latencies);
  const slow = latencies.filter((ms) => ms >= LATENCY_MS.b + LATENCY_MS.c).length;
  return [
    '## The reactive bound',
    '',
    `Computed from the schedule, not measured: a zero-overhead client that knows when A is down but not which ` +
      `attempt will fail (A, then B, then C; each failure costs that provider's latency) has p50 ${fmt(p.p50)} ms, ` +
      `p95 ${fmt(p.p95)} ms, **p99 ${fmt(p.p99)} ms**; ${slow} of ${REQUESTS} requests (${fmt((100 * slow) / REQUESTS, 1)}%) need ` +
      `B's failure before C (≥ ${LATENCY_MS.b + LATENCY_MS.c} ms). The oracle avoids those by knowing the faults; a ` +
      `client without that knowledge can only beat this bound by routing around providers (as resilient-llm's ` +
      `rate-limit cool-down does) or by hedging (duplicate, paid calls).`,
  ];
}

/** A profile summary as markdown tables. */
export function profileMarkdown(profile: ProfileSummary): string {
  return [
    `Sampled CPU time: ${fmt(profile.totalMs)} ms (idle excluded).`,
    '',
    table(
      ['area', 'self ms', '%'],
      profile.areas.map((r) => [r.name, fmt(r.selfMs, 1), fmt(r.percent, 1)]),
    ),
    '',
    table(
      ['top frame (self time)', 'self ms', '%'],
      profile.topFrames.map((r) => [`\`${r.name}\``, fmt(r.selfMs, 1), fmt(r.percent, 1)]),
    ),
    '',
    table(
      ['function (inclusive: self + callees)', 'ms', '% of sampled time'],
      (profile.inclusive ?? []).map((r) => [`\`${r.name}\``, fmt(r.selfMs, 1), fmt(r.percent, 1)]),
    ),
  ].join('\n');
}

/** Writes `overhead.md`, `overhead-ns.svg` and `overhead-heap.svg`. */
export function writeOverheadReport(result: OverheadResult, ranAt?: string): string {
  const cockatiel = result.rows.find((r) => r.subject === 'cockatiel')?.speed.nsPerOp ?? Number.NaN;
  const categories = result.rows.map((r) => r.subject);
  writeResult(
    'overhead-ns.svg',
    barChart({
      title: 'Overhead per call (in-process provider, median of reps)',
      categories,
      series: [{ name: 'ns/op', values: result.rows.map((r) => r.speed.nsPerOp) }],
      unit: 'ns/op',
      log: true,
      goal: { value: cockatiel, label: 'goal: ≤ cockatiel' },
    }),
  );
  writeResult(
    'overhead-heap.svg',
    barChart({
      title: 'Heap per in-flight call (10,000 concurrent)',
      categories,
      series: [{ name: 'bytes', values: result.rows.map((r) => r.heap.bytesPerInFlight) }],
      unit: 'bytes',
      goal: { value: HEAP_GOAL_BYTES, label: 'goal: 3 KB' },
    }),
  );
  const rows = result.rows.map((r) => [
    r.subject,
    fmt(r.speed.nsPerOp),
    `${fmt(Math.min(...r.speed.reps))}–${fmt(Math.max(...r.speed.reps))}`,
    fmt(r.speed.opsPerRep),
    fmt(r.speed.nsPerOp / cockatiel, 2),
    fmt(r.heap.bytesPerInFlight),
  ]);
  const text = [
    '# Overhead per call',
    '',
    environmentLine(ranAt),
    '',
    'In-process provider that answers at once; each contender in its own process; ns/op is the median of',
    `${result.rows[0]?.speed.reps.length ?? 0} timed repetitions (sequential awaited calls) after a warm-up. Heap: 10,000 calls parked on a gate,`,
    'heap used after GC minus the baseline, divided by 10,000 (median of 3).',
    '',
    table(
      ['contender', 'ns/op (median)', 'range over reps', 'ops/rep', '÷ cockatiel', 'heap B / in-flight'],
      rows,
    ),
    '',
    '![ns/op](overhead-ns.svg) ![heap](overhead-heap.svg)',
    '',
    'Settings: cockatiel `wrap(fallback, retry(maxAttempts 2, exponential), circuitBreaker(ConsecutiveBreaker(5), halfOpenAfter 60 s), timeout(30 s, aggressive))`;',
    'opossum `{ timeout: 30 s, errorThresholdPercentage: 50, resetTimeout: 60 s }` + fallback; resilient-llm defaults,',
    '`timeouts.attemptMs` 30 s, `degradation.fallback`; `+schema` validates `{ answer: string }` with zod.',
    ...(result.profile
      ? ['', '## CPU profile of resilient-llm `call()` (goal missed)', '', profileMarkdown(result.profile)]
      : []),
  ].join('\n');
  writeResult('overhead.md', text);
  return text;
}

/** Writes `chaos.md`, `chaos-latency.svg` and `chaos-upstream.svg`. */
export function writeChaosReport(rows: readonly ChaosRow[], ranAt?: string): string {
  const categories = rows.map((r) => r.peer);
  const oracle = rows.find((r) => r.peer === 'oracle');
  writeResult(
    'chaos-latency.svg',
    barChart({
      title: `Chaos: latency per request (${REQUESTS} requests, concurrency ${CONCURRENCY})`,
      categories,
      series: (['p50', 'p95', 'p99'] as const).map((q) => ({
        name: q,
        values: rows.map((r) => r.latencyMs[q]),
      })),
      unit: 'ms',
      ...(oracle ? { goal: { value: 1.5 * oracle.latencyMs.p99, label: 'goal: p99 ≤ 1.5 × oracle' } } : {}),
    }),
  );
  writeResult(
    'chaos-upstream.svg',
    barChart({
      title: 'Chaos: upstream calls per provider',
      categories,
      series: [
        ...(['a', 'b', 'c'] as const).map((p) => ({
          name: `calls to ${p}`,
          values: rows.map((r) => r.upstream.calls[p] ?? 0),
        })),
        { name: 'A in outage', values: rows.map((r) => r.upstream.aCallsInOutage) },
      ],
      unit: 'calls',
    }),
  );
  const body = rows.map((r) => [
    r.peer,
    `${fmt((100 * r.realAnswers) / r.requests, 1)}%`,
    r.fallbacks + r.thrown,
    fmt(r.latencyMs.p50),
    fmt(r.latencyMs.p95),
    fmt(r.latencyMs.p99),
    `${r.upstream.calls.a ?? 0} / ${r.upstream.calls.b ?? 0} / ${r.upstream.calls.c ?? 0}`,
    r.upstream.aCallsInOutage,
    `${r.upstream.aAnswersOutsideOutage} (${r.upstream.aAnswersAfterOutage} after)`,
    `${fmt(r.cpuMs)} (${fmt((r.cpuMs * 1000) / r.requests)} µs/req)`,
    fmt(r.wallMs / 1000, 1),
  ]);
  const text = [
    '# Chaos over loopback',
    '',
    environmentLine(ranAt),
    '',
    `Fault server on 127.0.0.1, seed ${SEED}; ${REQUESTS} requests (ids bench-1…bench-${REQUESTS}, sent as \`x-request-id\`) at concurrency ${CONCURRENCY}.`,
    `A (${LATENCY_MS.a} ms): 503 for ids ${OUTAGE[0]}–${OUTAGE[1]}, else 20% 429 with Retry-After 1 s; B (${LATENCY_MS.b} ms): 10% 500; C (${LATENCY_MS.c} ms): healthy.`,
    'Faults are a pure function of (seed, provider, request id, attempt); the attempt is counted by the server',
    "for every peer (resilient-llm's `x-attempt` header is dropped so all peers are counted the same way).",
    'Each peer runs in its own process with its own fault server; upstream calls come from the server log.',
    '',
    table(
      [
        'peer',
        'real answers',
        'static fallbacks',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'calls A / B / C',
        'A calls in outage',
        'A answers outside outage',
        'client CPU ms',
        'wall s',
      ],
      body,
    ),
    '',
    '![latency](chaos-latency.svg) ![upstream](chaos-upstream.svg)',
    '',
    '## Where the resilient-llm tail comes from',
    '',
    ...rows
      .filter((r) => r.peer.startsWith('resilient-llm'))
      .map(
        (r) =>
          `- ${r.peer}: ${r.backoff.requestsThatWaited} requests waited in a backoff; of the ${r.backoff.slowestOnePercent} slowest (1%), ` +
          `${r.backoff.slowestThatWaited} waited, on average ${fmt(r.backoff.slowestMeanWaitMs)} ms (Retry-After 1 s on A, honoured on the same provider). ` +
          `Request-id mapping mismatches: ${r.idMismatches}.`,
      ),
    '',
    ...reactiveBound(),
    '',
    '## Peer settings (same per-attempt timeout, same static fallback for all)',
    '',
    table(
      ['peer', 'settings'],
      PEER_SETTINGS.map((s) => [s.peer, s.settings]),
    ),
  ].join('\n');
  writeResult('chaos.md', text);
  return text;
}

/** Writes `scale.md`, `scale-lag.svg` and `soak-heap.svg`. */
export function writeScaleReport(result: ScaleResult, ranAt?: string): string {
  writeResult(
    'scale-lag.svg',
    barChart({
      title: 'Event-loop lag with 10,000 calls in flight',
      categories: result.concurrent.map((r) => r.subject),
      series: (['p50', 'p99', 'max'] as const).map((q) => ({
        name: q,
        values: result.concurrent.map((r) => r.lagMs[q]),
      })),
      unit: 'ms',
    }),
  );
  writeResult(
    'soak-heap.svg',
    lineChart({
      title: `Heap after GC over ${fmt(result.soak.calls)} sequential resilient-llm calls`,
      xLabel: 'calls',
      yLabel: 'heap MB',
      series: [
        { name: 'heapUsed (MB)', points: result.soak.samples.map((s) => [s.calls, s.heapMb] as const) },
      ],
    }),
  );
  const partial = result.soak.calls < 1_000_000;
  const text = [
    '# Scale and soak',
    '',
    environmentLine(ranAt),
    '',
    '## 10,000 calls in flight',
    '',
    'Calls started in batches of 100 per macrotask until 10,000 are in flight; the provider answers after 2 s;',
    'event-loop delay from `monitorEventLoopDelay` (10 ms resolution) over the whole run.',
    '',
    table(
      [
        'contender',
        'ramp to 10k ms',
        'total ms',
        'lag p50 ms',
        'lag p99 ms',
        'lag max ms',
        'peak heap MB',
        'rejected',
      ],
      result.concurrent.map((r) => [
        r.subject,
        fmt(r.rampMs),
        fmt(r.totalMs),
        r.lagMs.p50,
        r.lagMs.p99,
        r.lagMs.max,
        r.peakHeapMb,
        r.rejected,
      ]),
    ),
    '',
    '![lag](scale-lag.svg)',
    '',
    '## Sequential soak',
    '',
    `Measured rate first: ${fmt(result.measuredRate)} calls/s. ${
      partial
        ? `**1,000,000 calls would take ~${fmt(1_000_000 / result.measuredRate / 60, 1)} min, over the 5-minute budget: this run made ${fmt(result.soak.calls)} calls, not 1M.**`
        : 'The full 1,000,000 calls fit in the budget.'
    }`,
    `${fmt(result.soak.calls)} calls in ${fmt(result.soak.seconds, 1)} s (${fmt(result.soak.callsPerSecond)} calls/s); heap after GC every 25,000 calls:`,
    '',
    table(
      ['calls', 'heap MB', 'elapsed s'],
      result.soak.samples.map((s) => [fmt(s.calls), s.heapMb, s.elapsedS]),
    ),
    '',
    '![soak heap](soak-heap.svg)',
  ].join('\n');
  writeResult('scale.md', text);
  return text;
}
