import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { main } from '../src/cli/main.js';
import { type InspectorServer, startInspectorServer } from '../src/inspect/server.js';

let dir: string;
let server: InspectorServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inspector-static-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>inspector</title>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(tmpdir(), 'outside-secret.txt'), 'secret');
  server = await startInspectorServer({ staticDir: dir, port: 0, token: 'server-token', demo: false });
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(tmpdir(), 'outside-secret.txt'), { force: true });
});

/** A raw GET (no URL normalisation), with an optional Host header. */
function get(path: string, host?: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, headers: host ? { host } : {} },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += String(c);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('startInspectorServer', () => {
  it('serves the built page on 127.0.0.1 and prints URLs carrying the token', async () => {
    expect(server.pageUrl).toBe(`http://127.0.0.1:${server.port}/?token=server-token`);
    expect(server.wsUrl).toBe(`ws://127.0.0.1:${server.port}/__resilient/ws?token=server-token`);
    const page = await get('/?token=server-token');
    expect(page).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(page.body).toContain('<title>inspector</title>');
    expect(await get('/assets/app.js')).toMatchObject({
      status: 200,
      type: 'text/javascript; charset=utf-8',
    });
  });

  it('refuses paths outside the page folder and non-loopback Host headers', async () => {
    expect((await get('/../outside-secret.txt')).status).toBe(404);
    expect((await get('/%2e%2e/outside-secret.txt')).status).toBe(404);
    expect((await get('/', 'evil.example')).status).toBe(403);
  });

  it('hosts the relay on the same port, behind the token', async () => {
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/__resilient/ws?token=nope`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
    expect(refused).toBe(401);
    const ws = new WebSocket(server.wsUrl.replace('?', '?role=page&'));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    expect(server.relay.stats.pages).toBe(1);
    ws.close();
  });

  it('refuses to start when the page is not built', async () => {
    await expect(startInspectorServer({ staticDir: join(dir, 'assets'), port: 0 })).rejects.toThrow(
      /inspector page is not built/,
    );
  });
});

describe('resilient-llm bin', () => {
  it('prints usage for --help and fails with usage on an unknown command or a bad port', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await main(['--help'])).toBe(0);
      expect(log.mock.calls.flat().join('\n')).toContain('Usage: resilient-llm inspect');
      expect(await main(['serve'])).toBe(2);
      expect(await main(['inspect', '--port', 'abc'])).toBe(2);
      expect(error.mock.calls.flat().join('\n')).toContain('--port must be an integer from 0 to 65535');
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });
});
