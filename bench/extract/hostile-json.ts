// Time and heap of JSON extraction on hostile output (10 MB of `{`, 5M `{}` pairs, 3.3M `{a}`): median of 3 runs.
// Run: node --expose-gc --import tsx bench/extract/hostile-json.ts
import { extractJson } from '../../src/validation/extract-json.js';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const inputs: Array<[string, () => string]> = [
  ['10 MB of {', () => '{'.repeat(10_000_000)],
  ['5M {} pairs', () => '{}'.repeat(5_000_000)],
  ['3.3M {a}', () => '{a}'.repeat(3_333_333)],
];
const median = (values: number[]) => [...values].sort((a, b) => a - b)[1] as number;
for (const [name, make] of inputs) {
  const times: number[] = [];
  const heaps: number[] = [];
  for (let run = 0; run < 3; run++) {
    const text = make();
    gc();
    const heap = process.memoryUsage().heapUsed;
    const start = performance.now();
    const result = extractJson(text);
    times.push(performance.now() - start);
    heaps.push((process.memoryUsage().heapUsed - heap) / 2 ** 20);
    if (run === 0) void result;
  }
  console.log(
    `${name}: ${median(times).toFixed(0)} ms (runs ${times.map((t) => t.toFixed(0)).join('/')}), ` +
      `heap +${median(heaps).toFixed(0)} MB (runs ${heaps.map((h) => h.toFixed(0)).join('/')})`,
  );
}
