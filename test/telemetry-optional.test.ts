/**
 * `@opentelemetry/api` is an optional peer dependency: the client works (hooks included) in a process where it
 * cannot be resolved, and it is loaded only when telemetry is not turned off.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const script = 'test/fixtures/scripts/otel-optional.ts';
const run = (preload: string[], args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      'node',
      [...preload, '--import', 'tsx', script, ...args],
      { cwd: root, timeout: 60_000, env: { ...process.env, NODE_PATH: '' } },
      (error, stdout, stderr) =>
        done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
const expected = { text: 'answered', attempts: ['a:provider_error:failover', 'b:success:succeeded'] };

describe('telemetry is optional', () => {
  it('answers, with hooks, where @opentelemetry/api cannot be resolved', async () => {
    const { code, stdout, stderr } = await run(['--import', './test/fixtures/scripts/block-otel.mjs'], []);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ ...expected, loaded: false });
  });

  it('does not load @opentelemetry/api with telemetry: false', async () => {
    const { code, stdout } = await run([], ['off']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ ...expected, loaded: false });
  });

  it('loads @opentelemetry/api when installed and telemetry is left on', async () => {
    const { code, stdout } = await run([], []);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ ...expected, loaded: true });
  });
});
