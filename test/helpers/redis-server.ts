/**
 * A real `redis-server` for tests: started on 127.0.0.1 with a free port of its own, no persistence
 * (`--save '' --appendonly no`), tracked by PID and stopped by exactly that PID. It can be killed and
 * restarted on the same port to test Redis outages.
 *
 * When `redis-server` is missing this throws (CI or not): Redis tests must never silently skip.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

/** A running test Redis. */
export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** PID of the current server process. */
  readonly pid: number;
  /** Kills the server (SIGKILL: an abrupt outage) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: nothing is persisted). */
  restart(): Promise<void>;
  /** Stops it for good. */
  stop(): Promise<void>;
}

/** Path of `redis-server`, or a loud error saying how to install it. */
function redisServerPath(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
  } catch {
    const where = process.env.CI === 'true' ? 'CI must install it' : 'install it to run these tests';
    throw new Error(
      `redis-server is not installed (${where}: apt-get install -y redis-server). Redis tests never skip.`,
    );
  }
}

/** A port that was free a moment ago (bound on 127.0.0.1 port 0, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on `port`, or rejects after `timeoutMs`. */
async function waitForPort(port: number, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`redis-server did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/** Waits for `child` to exit. */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Spawns `redis-server` on `port`, with `extra` arguments (such as `--requirepass secret`). */
function spawnRedis(binary: string, port: number, extra: readonly string[] = []): ChildProcess {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra];
  const child = spawn(binary, [...args, '--loglevel', 'warning'], { stdio: 'ignore' });
  child.unref();
  return child;
}

/** Starts a `redis-server` of this test's own; `extraArgs` are passed to it (e.g. `['--requirepass', 'x']`). */
export async function startRedis(extraArgs: readonly string[] = []): Promise<TestRedis> {
  const binary = redisServerPath();
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 0; attempt < 5 && child === undefined; attempt++) {
    port = await freePort();
    const candidate = spawnRedis(binary, port, extraArgs);
    try {
      await waitForPort(port, candidate);
      child = candidate;
    } catch (error) {
      candidate.kill('SIGKILL');
      if (attempt === 4) throw error;
    }
  }
  let current = child as ChildProcess;
  // Safety net: a test process that dies must not leave its own server behind (this PID only).
  const onExit = () => current.kill('SIGKILL');
  process.once('exit', onExit);
  const kill = async () => {
    current.kill('SIGKILL');
    await exited(current);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return current.pid ?? -1;
    },
    kill,
    async restart() {
      await kill();
      current = spawnRedis(binary, port, extraArgs);
      await waitForPort(port, current);
    },
    async stop() {
      process.off('exit', onExit);
      current.kill('SIGTERM');
      const timer = setTimeout(() => current.kill('SIGKILL'), 2_000);
      await exited(current);
      clearTimeout(timer);
    },
  };
}

/** Polls `condition` every 5 ms until it holds, failing with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
