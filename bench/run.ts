/**
 * `npm run bench [-- part...]`: runs the benchmark parts (default: all) and writes `bench/results/`.
 * Parts: `overhead`, `telemetry`, `chaos`, `routing` (chaos and noisy-healthy scenarios at common settings, run twice), `scale`, `inspector`, `redis`, and `report` (rebuild the pages from the JSON
 * results without re-running anything).
 * Everything binds 127.0.0.1; every server and child process started here is stopped before exit.
 */
import { PEERS, type PeerName } from './chaos/peers.js';
import type { RoutingRun } from './chaos/routing-scenario.js';
import { type ChaosRow, runChaos } from './chaos/run-chaos.js';
import { routingMarkdown, runRouting } from './chaos/run-routing.js';
import { runInspectorLoad, runRedisStore } from './extras.js';
import { ranAtOf, readJsonResult as readResult, writeResult } from './lib/markdown.js';
import { type OverheadResult, runOverhead } from './overhead/run-overhead.js';
import { runTelemetryOverhead, telemetryReport } from './overhead/run-telemetry.js';
import { writeChaosReport, writeOverheadReport, writeScaleReport } from './report/part-reports.js';
import { writeSummary } from './report/summary.js';
import { runScale, type ScaleResult } from './scale/run-scale.js';

const PARTS = ['overhead', 'telemetry', 'chaos', 'routing', 'scale', 'inspector', 'redis', 'report'] as const;
type Part = (typeof PARTS)[number];

const args = process.argv.slice(2);
const parts = args.filter((a) => !a.startsWith('--'));
for (const part of parts) {
  if (!(PARTS as readonly string[]).includes(part)) {
    console.error(`Unknown part "${part}". Usage: npm run bench -- [${PARTS.join('|')}]... [--peers=a,b]`);
    process.exit(2);
  }
}
const selected = new Set<Part>(parts.length > 0 ? (parts as Part[]) : PARTS);
const peersArg = args.find((a) => a.startsWith('--peers='))?.slice('--peers='.length);
const peers = peersArg ? (peersArg.split(',') as PeerName[]) : [...PEERS];
for (const peer of peers) {
  if (!(PEERS as readonly string[]).includes(peer)) {
    console.error(`Unknown peer "${peer}"; expected some of ${PEERS.join(', ')}`);
    process.exit(2);
  }
}

const json = (value: unknown) => JSON.stringify(value, null, 2);
const skips: Record<string, string> = {};
const started = Date.now();

if (selected.has('overhead')) {
  const result = await runOverhead();
  writeResult('overhead.json', json(result));
  writeOverheadReport(result);
}
if (selected.has('telemetry')) {
  const result = await runTelemetryOverhead();
  writeResult('telemetry.json', json(result));
  writeResult('telemetry.md', telemetryReport(result));
}
if (selected.has('chaos')) {
  const rows = await runChaos(peers);
  writeResult('chaos.json', json(rows));
  writeChaosReport(rows);
}
if (selected.has('routing')) {
  const runs = await runRouting();
  writeResult('routing.json', json(runs));
  writeResult('routing.md', routingMarkdown(runs));
}
if (selected.has('scale')) {
  const result = await runScale();
  writeResult('scale.json', json(result));
  writeScaleReport(result);
}
if (selected.has('inspector')) {
  const result = await runInspectorLoad();
  if (!result.ok) skips.inspector = result.reason;
}
if (selected.has('redis')) {
  const result = await runRedisStore();
  if (!result.ok) skips.redis = result.reason;
}
if (selected.has('report')) {
  // Rebuild the per-part pages from their JSON (a report change needs no re-run).
  const overhead = readResult<OverheadResult>('overhead.json');
  // Each page keeps the time its part ran (read from the page it replaces), not the time of the rebuild.
  if (overhead) writeOverheadReport(overhead, ranAtOf('overhead.md'));
  const chaos = readResult<ChaosRow[]>('chaos.json');
  if (chaos) writeChaosReport(chaos, ranAtOf('chaos.md'));
  const routing = readResult<RoutingRun[]>('routing.json');
  if (routing) writeResult('routing.md', routingMarkdown(routing, ranAtOf('routing.md')));
  const scale = readResult<ScaleResult>('scale.json');
  if (scale) writeScaleReport(scale, ranAtOf('scale.md'));
}
writeSummary(skips);
for (const [part, reason] of Object.entries(skips)) console.error(`${part} skipped: ${reason}`);
console.error(`bench done in ${Math.round((Date.now() - started) / 1000)} s; see bench/results/README.md`);
