/**
 * Runs one benchmark part in its own Node process (fresh JIT and heap, its own CPU counters) and reads the
 * JSON result it prints on a `@@RESULT ` line.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MARK = '@@RESULT ';

/** Options of {@link runChild}. */
export interface ChildOptions {
  /** Extra Node flags, e.g. `--expose-gc`, `--cpu-prof`. @default [] */
  nodeFlags?: readonly string[];
  /** Kill the child after this long. @default 600_000 */
  timeoutMs?: number;
  /** Extra environment variables. @default {} */
  env?: Record<string, string>;
}

/** Path of a file under `bench/`. */
export function benchPath(relative: string): string {
  return fileURLToPath(new URL(`../${relative}`, import.meta.url));
}

/** Runs `bench/<script>` under tsx with `args`; resolves the value it passed to {@link emitResult}. */
export function runChild<T>(script: string, args: readonly string[], options: ChildOptions = {}): Promise<T> {
  // BENCH_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") reaches every child: profiling a contender.
  const extra = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const flags = [...extra, ...(options.nodeFlags ?? []), '--import', 'tsx', benchPath(script), ...args];
  return new Promise<T>((resolve, reject) => {
    const child = spawn(process.execPath, flags, {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...options.env },
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(MARK));
      if (code !== 0 || line === undefined) {
        reject(
          new Error(
            `${script} ${args.join(' ')} exited with ${signal ?? code}; output:\n${out.slice(-2000)}`,
          ),
        );
        return;
      }
      resolve(JSON.parse(line.slice(MARK.length)) as T);
    });
  });
}

/** Child side: prints the result line the parent reads. */
export function emitResult(value: unknown): void {
  process.stdout.write(`${MARK}${JSON.stringify(value)}\n`);
}

/** The `gc()` function, when Node runs with `--expose-gc`; throws a clear error otherwise. */
export function requireGc(): () => void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') throw new Error('Run this benchmark part with node --expose-gc.');
  return gc;
}
