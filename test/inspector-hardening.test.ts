import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MAX_BATCH_EVENTS } from '../src/inspect/protocol.js';
import { RecentEvents } from '../src/inspect/recent-events.js';
import { type InspectorServer, startInspectorServer } from '../src/inspect/server.js';
import { rawGet, rawRequest } from './helpers/raw-http.js';

let dir: string;
let server: InspectorServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inspector-hardening-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>inspector</title>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, '.env'), 'SECRET=1');
  server = await startInspectorServer({ staticDir: dir, port: 0, token: 'hardening-token', demo: false });
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a socket to the relay and waits until it is open. */
async function open(role: 'app' | 'page'): Promise<WebSocket> {
  const ws = new WebSocket(`${server.wsUrl}&role=${role}`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return ws;
}

describe('the inspector static server under hostile URLs', () => {
  it.each([
    ['malformed percent-encoding', '/%E0%A4%A', 400],
    ['a lone percent sign', '/%', 400],
    ['raw traversal', '/../../etc/passwd', 404],
    ['encoded traversal', '/%2e%2e/%2e%2e/etc/passwd', 404],
    ['encoded slash traversal', '/assets/..%2f..%2fetc%2fpasswd', 404],
    ['backslash traversal', '/assets\\..\\..\\etc\\passwd', 400],
    ['encoded backslash', '/assets%5c..%5cindex.html', 400],
    ['an encoded NUL', '/index.html%00.js', 400],
    ['a dot file', '/.env', 404],
    ['a 3 KB path', `/${'a'.repeat(3_000)}`, 414],
    ['an absolute-form target', 'http://127.0.0.1/index.html', 400],
  ])('answers %s with a 4xx and stays up', async (_name, target, status) => {
    expect(await rawGet(server.port, target)).toBe(status);
    expect(await rawGet(server.port, '/assets/app.js')).toBe(200);
  });

  it('answers a 70 KB path with a 4xx and stays up', async () => {
    const status = await rawGet(server.port, `/${'%41'.repeat(24_000)}`);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(await rawGet(server.port, '/')).toBe(200);
  });
});

describe('the inspector relay under bad frames', () => {
  it('drops and counts bad app frames and keeps serving good ones', async () => {
    const page = await open('page');
    const got: Array<{ t: string; events?: unknown[] }> = [];
    page.on('message', (data) => got.push(JSON.parse(String(data))));
    const app = await open('app');
    const before = server.relay.stats.droppedFrames;
    app.send(JSON.stringify({ t: 'hello', v: 1, app: { name: 'svc', pid: 1, demo: false } }));
    const huge = `{"t":"batch","now":1,"dropped":0,"events":[${Array(MAX_BATCH_EVENTS * 3)
      .fill('{}')
      .join(',')}]}`;
    for (const frame of [
      'null',
      '5',
      '{"t":"batch","events":5}',
      '{"t":"info"}',
      huge,
      '[[[[[[',
      `${'['.repeat(100_000)}`,
    ])
      app.send(frame);
    const event = { seq: 1, at: 1, kind: 'actor', actor: 'x:0', id: 'x:0', root: 'x:0' };
    app.send(JSON.stringify({ t: 'batch', now: 1, events: [event], dropped: 0 }));
    await expect.poll(() => got.filter((m) => m.t === 'batch').length).toBe(1);
    expect(got.find((m) => m.t === 'batch')?.events).toEqual([event]);
    expect(server.relay.stats.droppedFrames - before).toBe(7);
    expect(server.relay.stats.apps).toBe(1);
    app.close();
    page.close();
  });

  it('drops and counts bad page frames', async () => {
    const page = await open('page');
    const before = server.relay.stats.droppedFrames;
    for (const frame of ['null', '{"t":"command"}', '{"t":"command","appId":"a","id":"1","command":5}'])
      page.send(frame);
    await expect.poll(() => server.relay.stats.droppedFrames - before).toBe(3);
    expect(server.relay.stats.pages).toBeGreaterThanOrEqual(1);
    page.close();
  });

  it('refuses upgrades to unknown paths at once', async () => {
    const upgrade = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-version': '13' };
    const statuses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        rawRequest(server.port, `GET /nowhere/${i} HTTP/1.1`, {
          host: `127.0.0.1:${server.port}`,
          ...upgrade,
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        }),
      ),
    );
    expect(new Set(statuses)).toEqual(new Set([404]));
  });
});

describe('the relay keeps recent events bounded', () => {
  it('by count and by bytes', () => {
    const event = { seq: 1, at: 1, kind: 'actor' as const, actor: 'a', id: 'a', root: 'a' };
    const byCount = new RecentEvents(10, 1_000_000);
    for (let i = 0; i < 100; i++) byCount.add([event, event, event], 10);
    expect(byCount.size).toBeLessThanOrEqual(15);
    expect(byCount.list()).toHaveLength(10);
    const byBytes = new RecentEvents(1_000, 1_000);
    for (let i = 0; i < 100; i++) byBytes.add([event], 300);
    expect(byBytes.size).toBe(3);
  });
});
