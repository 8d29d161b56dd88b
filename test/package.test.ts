/**
 * The package a user installs: build, `npm pack`, install the tarball into a fresh ESM project, and import
 * every entry from plain Node (no TypeScript loader). publint and arethetypeswrong check the exports map.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'resilient-llm-pack-'));
let tarball = '';

const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_loglevel: 'error' },
  });

beforeAll(() => {
  run('npm', ['run', 'build'], root);
  const out = run('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--json'], root);
  const info = JSON.parse(out) as Array<{ filename: string }>;
  tarball = join(work, info[0]?.filename ?? '');
  writeFileSync(
    join(work, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], work);
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed tarball', () => {
  it('imports every entry from plain Node', () => {
    const script = `
      import { classifyError, createResilientLLM, LLMError, memoryCache } from 'resilient-llm';
      import { circuitBreakerMachine, requestMachine } from 'resilient-llm/machines';
      import { modelPaths, faultyProvider, createFaultServer } from 'resilient-llm/testing';
      import { toHttpError, errorResponse } from 'resilient-llm/http';
      import { createInspectBridge } from 'resilient-llm/inspect';
      import { redisStore, redisCache } from 'resilient-llm/redis';
      import { createResilientModel } from 'resilient-llm/ai-sdk';
      const e = classifyError({ status: 429, headers: { 'retry-after': '2' }, body: '{}' });
      const llm = createResilientLLM({ providers: [faultyProvider({ id: 'a', script: [{ text: 'ok' }] })] });
      const r = await llm.call({ messages: [{ role: 'user', content: 'hi' }] });
      const model = createResilientModel(llm);
      const g = await model.doGenerate({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] });
      await llm.stop();
      console.log(JSON.stringify({
        type: e.type, retryAfterMs: e.retryAfterMs, isError: LLMError.is(e), text: r.text, source: r.source,
        machines: [circuitBreakerMachine.id, requestMachine.id], paths: modelPaths().length > 0,
        http: toHttpError(e).status, response: errorResponse(e) instanceof Response,
        server: typeof createFaultServer, cache: typeof memoryCache,
        extras: [typeof createInspectBridge, typeof redisStore, typeof redisCache],
        aiSdk: [model.specificationVersion, g.content[0]?.text, g.providerMetadata['resilient-llm'].source],
      }));`;
    const out = run('node', ['--input-type=module', '-e', script], work);
    expect(JSON.parse(out)).toEqual({
      type: 'rate_limit',
      retryAfterMs: 2_000,
      isError: true,
      text: 'ok',
      source: 'primary',
      machines: ['circuitBreaker', 'request'],
      paths: true,
      http: 429,
      response: true,
      server: 'function',
      cache: 'function',
      extras: ['function', 'function', 'function'],
      aiSdk: ['v3', 'ok', 'primary'],
    });
  });

  it('ships the inspector page and a working bin', () => {
    const bin = join(work, 'node_modules/.bin/resilient-llm');
    let usage = '';
    try {
      run(bin, ['--help'], work);
    } catch (error) {
      usage =
        String((error as { stdout?: string }).stdout ?? '') +
        String((error as { stderr?: string }).stderr ?? '');
    }
    const help = usage || run(bin, ['--help'], work);
    expect(help).toMatch(/inspect/);
    const html = run(
      'node',
      [
        '-e',
        "process.stdout.write(require('fs').readFileSync(require.resolve('resilient-llm/package.json').replace('package.json','dist/inspector/index.html'),'utf8'))",
      ],
      work,
    );
    expect(html).toMatch(/<html/i);
  });

  it('passes publint', () => {
    const out = run(join(root, 'node_modules/.bin/publint'), ['run', '--strict', root], root);
    expect(out).not.toMatch(/error|warning/i);
  });

  it('has types that resolve for ESM consumers (arethetypeswrong)', () => {
    // The package is ESM-only on purpose; attw exits non-zero on any problem that profile does not ignore.
    const out = run(
      join(root, 'node_modules/.bin/attw'),
      [tarball, '--profile', 'esm-only', '--format', 'ascii'],
      root,
    );
    const esmLines = out.split('\n').filter((line) => /^(node16 \(from ESM\)|bundler):/.test(line));
    expect(esmLines.length).toBeGreaterThanOrEqual(8);
    expect(esmLines.filter((line) => !line.includes('🟢'))).toEqual([]);
  });
});
