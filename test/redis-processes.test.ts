/**
 * Three Node processes share one circuit breaker through a real redis-server: a trip caused in one blocks
 * calls in the other two (delivered by pub/sub: the periodic refresh is set to a minute), and together
 * they send at most `halfOpenMaxCalls` half-open probes. Each worker is `test/helpers/redis-worker.ts`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis, waitFor } from './helpers/redis-server.js';

interface Worker {
  child: ChildProcess;
  messages: Array<Record<string, unknown> & { type: string; receivedAt: number }>;
  ask(command: Record<string, unknown>): Promise<Record<string, unknown>>;
}

const workerPath = fileURLToPath(new URL('./helpers/redis-worker.ts', import.meta.url));
let redis: TestRedis;
let workers: Worker[] = [];
let nextId = 0;

function startWorker(url: string): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', workerPath], {
    env: { ...process.env, REDIS_URL: url, PREFIX: 'procs:' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const messages: Worker['messages'] = [];
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[worker ${child.pid}] ${chunk}`));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    messages.push({ ...(JSON.parse(line) as { type: string }), receivedAt: performance.now() });
  });
  return {
    child,
    messages,
    async ask(command) {
      const id = ++nextId;
      child.stdin?.write(`${JSON.stringify({ id, ...command })}\n`);
      await waitFor(() => messages.some((m) => m.type === 'reply' && m.id === id), `reply ${id}`, 10_000);
      return messages.find((m) => m.type === 'reply' && m.id === id) as Record<string, unknown>;
    },
  };
}

beforeAll(async () => {
  redis = await startRedis();
  workers = [0, 1, 2].map(() => startWorker(redis.url));
  await waitFor(
    () => workers.every((w) => w.messages.some((m) => m.type === 'ready')),
    'three workers to join Redis',
    45_000,
  );
});

afterAll(async () => {
  await Promise.all(
    workers.map(async (worker) => {
      if (worker.child.exitCode === null) await worker.ask({ cmd: 'exit' }).catch(() => {});
      await waitFor(() => worker.child.exitCode !== null, 'worker exit', 5_000).catch(() =>
        worker.child.kill('SIGKILL'),
      );
    }),
  );
  await redis?.stop();
});

const lastState = (worker: Worker) =>
  worker.messages.filter((m) => m.type === 'transition').at(-1)?.to as string | undefined;

describe('three processes sharing one breaker on Redis', () => {
  it('blocks calls everywhere after a trip in one, and keeps half-open probes within the limit', async () => {
    const [a, b, c] = workers as [Worker, Worker, Worker];
    expect(await b.ask({ cmd: 'call' })).toMatchObject({ ok: true });

    await a.ask({ cmd: 'fail', n: 3 });
    await waitFor(() => workers.every((w) => lastState(w) === 'open'), 'a, b and c to open', 2_000);
    const openedAt = (w: Worker) => w.messages.find((m) => m.to === 'open')?.receivedAt ?? Number.NaN;
    const lag = [b, c].map((w) => (openedAt(w) - openedAt(a)).toFixed(1));
    console.log(`trip seen by b / c at ${lag.join(' / ')} ms relative to the tripping process (via pub/sub)`);
    expect(await b.ask({ cmd: 'call' })).toMatchObject({ ok: false, code: 'circuit_open' });
    expect(await c.ask({ cmd: 'call' })).toMatchObject({ ok: false, code: 'circuit_open' });

    await waitFor(() => workers.every((w) => lastState(w) === 'halfOpen'), 'half-open everywhere', 5_000);
    const probes = await Promise.all(workers.map((w) => w.ask({ cmd: 'probe', ms: 500 })));
    const granted = probes.map((p) => p.granted as number);
    console.log(`half-open probes granted per process: ${granted.join(', ')} (limit 2)`);
    expect(granted.reduce((sum, n) => sum + n, 0)).toBe(2);

    await Promise.all(workers.map((w) => w.ask({ cmd: 'release' })));
    await waitFor(() => workers.every((w) => lastState(w) === 'closed'), 'closed everywhere', 5_000);
    expect(await c.ask({ cmd: 'call' })).toMatchObject({ ok: true });
  });
});
