/**
 * The statechart path before and after a change, side by side (issue 12's figure): rounds of
 * `worker.ts <subject> speed` (process CPU time) for cockatiel, the statechart path of a baseline tree, the
 * statechart path and the fast path of this tree, one after another so each ratio compares runs minutes
 * apart. `BENCH_BASELINE=/path/to/other/checkout tsx bench/overhead/run-structure.ts [rounds]` prints one JSON
 * object (rows and per-subject median, min, max, and ÷ cockatiel of the same round).
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { median } from '../lib/stats.js';

const baseline = process.env.BENCH_BASELINE;
if (baseline === undefined) throw new TypeError('BENCH_BASELINE must name the baseline checkout');
const rounds = Number(process.argv[2] ?? 3);
const here = resolve(import.meta.dirname, '../..');
const subjects: Array<{ label: string; tree: string; subject: string }> = [
  { label: 'cockatiel', tree: here, subject: 'cockatiel' },
  { label: 'statechart (baseline)', tree: baseline, subject: 'resilient-llm+statechart' },
  { label: 'statechart', tree: here, subject: 'resilient-llm+statechart' },
  { label: 'fast path', tree: here, subject: 'resilient-llm' },
];

function nsPerOp(tree: string, subject: string): number {
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'bench/overhead/worker.ts', subject, 'speed'],
    { cwd: tree, env: { ...process.env, BENCH_CLOCK: 'cpu' }, encoding: 'utf8' },
  );
  const line = out.split('\n').find((l) => l.startsWith('@@RESULT '));
  if (line === undefined) throw new Error(`no result from ${subject} in ${tree}`);
  return (JSON.parse(line.slice('@@RESULT '.length)) as { speed: { nsPerOp: number } }).speed.nsPerOp;
}

const rows: Array<{ round: number; label: string; us: number; load: number }> = [];
for (let round = 1; round <= rounds; round++)
  for (const { label, tree, subject } of subjects)
    rows.push({ round, label, us: nsPerOp(tree, subject) / 1000, load: loadavg()[0] ?? 0 });

const summary = subjects.map(({ label }) => {
  const mine = rows.filter((r) => r.label === label);
  const ratios = mine.map((r) => {
    const cockatiel = rows.find((c) => c.round === r.round && c.label === 'cockatiel');
    return r.us / (cockatiel?.us ?? Number.NaN);
  });
  const us = mine.map((r) => r.us);
  return {
    label,
    us: { median: median(us), min: Math.min(...us), max: Math.max(...us) },
    ratio: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) },
  };
});
console.log(JSON.stringify({ node: process.version, baseline, rows, summary }, null, 1));
