/**
 * Process lifetime with the real clock: a pending call keeps the process alive (a script awaiting `call()` during
 * a backoff must not exit with an unsettled promise), and an idle client never holds it open.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const run = (file: string) =>
  new Promise<{ code: number | null; stdout: string }>((done) => {
    execFile('node', ['--import', 'tsx', file], { cwd: root, timeout: 30_000 }, (error, stdout) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout });
    });
  });

describe('process lifetime', () => {
  it('keeps the process alive while a call waits out a Retry-After', async () => {
    const { code, stdout } = await run('test/fixtures/scripts/await-call.ts');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ text: 'answered', decisions: ['backoff', 'succeeded'] });
  });

  it('keeps the process alive while the simplified prompt waits on a provider after invalid output', async () => {
    const { code, stdout } = await run('test/fixtures/scripts/simplified-call.ts');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ source: 'simplified', data: { ok: true }, inFlight: 0 });
  });

  it("keeps the process alive while the cache answers on an unref'd timer, and exits after it", async () => {
    const { code, stdout } = await run('test/fixtures/scripts/slow-cache-call.ts');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ source: 'cache', text: 'cached' });
  });

  it('exits by itself with an idle client whose breaker is open', async () => {
    const { code, stdout } = await run('test/fixtures/scripts/idle-client.ts');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ source: 'fallback', breaker: 'open' });
  });
});
