/**
 * Part 4: the benchmarks other issues added, run from here so one `npm run bench` reports them too —
 * `bench/inspector-load.ts` (page under ~2,000 events/s, headless Chromium) and `bench/redis-store.ts`
 * (breaker store throughput on a real redis-server). Each is optional: a missing browser or redis-server is
 * recorded as a skip with its reason, never as a figure.
 */
import { spawn } from 'node:child_process';
import { benchPath } from './lib/child.js';
import { readJsonResult, writeResult } from './lib/markdown.js';

/** Outcome of an external benchmark: its JSON, or why it did not run. */
export type ExtraResult<T> = { ok: true; data: T } | { ok: false; reason: string };

function runScript(script: string, env: Record<string, string>, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', benchPath(script)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else
        reject(
          new Error(
            `${script} exited with ${code}: ${(err || out).trim().split('\n').slice(-3).join(' / ')}`,
          ),
        );
    });
  });
}

/** Runs the inspector load benchmark for `seconds` and stores its JSON as `inspector-load.json`. */
export async function runInspectorLoad(seconds = 20): Promise<ExtraResult<Record<string, unknown>>> {
  try {
    const out = await runScript('inspector-load.ts', { BENCH_SECONDS: String(seconds) }, 180_000);
    const lines = out.split('\n');
    const start = lines.lastIndexOf('{');
    if (start < 0) throw new Error('inspector-load printed no JSON result');
    const data = JSON.parse(lines.slice(start).join('\n')) as Record<string, unknown>;
    writeResult('inspector-load.json', JSON.stringify(data, null, 2));
    return { ok: true, data };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Runs the Redis store benchmark (it writes `redis-store.json` itself) and reads its result. */
export async function runRedisStore(): Promise<ExtraResult<Record<string, unknown>>> {
  try {
    await runScript('redis-store.ts', {}, 300_000);
    const data = readJsonResult<Record<string, unknown>>('redis-store.json');
    if (!data) throw new Error('redis-store.json was not written');
    return { ok: true, data };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
