/**
 * Markdown output of the benchmarks: tables and files under `bench/results/`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of `bench/results/`. */
export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/** A markdown table; cells are printed as given. */
export function table(
  headers: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
): string {
  const line = (cells: ReadonlyArray<string | number>) => `| ${cells.map(String).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Writes `name` under `bench/results/` and returns its path. */
export function writeResult(name: string, text: string): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = `${RESULTS_DIR}${name}`;
  writeFileSync(path, text.endsWith('\n') ? text : `${text}\n`);
  return path;
}

/** Reads a JSON result written by an earlier run, or undefined when absent or unreadable. */
export function readJsonResult<T>(name: string): T | undefined {
  try {
    return JSON.parse(readFileSync(`${RESULTS_DIR}${name}`, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Machine facts printed on every report; `ranAt` is when the part ran (default: now). */
export function environmentLine(ranAt: string = new Date().toISOString()): string {
  return `Node ${process.version}, ${process.platform}/${process.arch}, run ${ranAt}`;
}

/**
 * When the part behind an existing page ran, read from that page's environment line: the `report` part
 * rebuilds pages from their JSON without re-running them, so it keeps the run's time instead of stamping now.
 */
export function ranAtOf(page: string): string | undefined {
  try {
    return /, run (\S+)$/m.exec(readFileSync(`${RESULTS_DIR}${page}`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}
