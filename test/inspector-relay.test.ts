import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createResilientLLM } from '../src/client/create-resilient-llm.js';
import { createInspectBridge, type InspectBridge } from '../src/inspect/bridge.js';
import { createInspectorRelay, type InspectorRelay } from '../src/inspect/relay.js';
import { faultyProvider } from '../src/testing/faulty-provider.js';

const TOKEN = 'relay-test-token';
let server: Server;
let relay: InspectorRelay;
let port: number;
const open: WebSocket[] = [];
type Message = Record<string, unknown> & { t: string };
const received = new WeakMap<WebSocket, Message[]>();

beforeEach(async () => {
  relay = createInspectorRelay({ token: TOKEN });
  server = createServer((_, res) => res.end('ok'));
  relay.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterEach(async () => {
  for (const ws of open) ws.terminate();
  open.length = 0;
  await relay.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const url = (query: string) => `ws://127.0.0.1:${port}/__resilient/ws?${query}`;

/** Opens a socket; resolves with it once open, or rejects with the HTTP status of a refusal. */
function connect(query: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url(query), { headers });
    const messages: Message[] = [];
    received.set(ws, messages);
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    open.push(ws);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Parsed messages a socket received (collected from the moment it was created). */
function collect(ws: WebSocket): Message[] {
  return received.get(ws) ?? [];
}

describe('inspector relay', () => {
  it('refuses connections without the right token', async () => {
    await expect(connect('role=page')).rejects.toThrow('HTTP 401');
    await expect(connect('role=page&token=wrong-token-value')).rejects.toThrow('HTTP 401');
    await expect(connect(`token=${TOKEN}x`)).rejects.toThrow('HTTP 401');
  });

  it('refuses browsers from other origins and non-loopback Host headers', async () => {
    await expect(connect(`role=page&token=${TOKEN}`, { origin: 'http://evil.example' })).rejects.toThrow(
      'HTTP 403',
    );
    await expect(connect(`role=page&token=${TOKEN}`, { host: 'evil.example' })).rejects.toThrow('HTTP 403');
    const page = await connect(`role=page&token=${TOKEN}`, { origin: `http://127.0.0.1:${port}` });
    expect(page.readyState).toBe(WebSocket.OPEN);
  });

  it('forwards app messages to pages and gives a late page the app, definitions, info and recent events', async () => {
    const early = await connect(`role=page&token=${TOKEN}`);
    const earlyMessages = collect(early);
    const app = await connect(`token=${TOKEN}`);
    app.send(JSON.stringify({ t: 'hello', v: 1, app: { name: 'svc', pid: 1, demo: false } }));
    app.send(JSON.stringify({ t: 'def', key: 'm:1', machineId: 'm', json: { id: 'm' } }));
    app.send(JSON.stringify({ t: 'info', now: 5, providers: [] }));
    const event = { seq: 1, at: 5, kind: 'actor', actor: 'x:0', id: 'x:0', root: 'x:0', def: 'm:1' };
    app.send(JSON.stringify({ t: 'batch', now: 5, events: [event], dropped: 0 }));
    await expect.poll(() => earlyMessages.map((m) => m.t)).toEqual(['app', 'def', 'info', 'batch']);
    expect(earlyMessages[3]).toMatchObject({ appId: earlyMessages[0]?.appId, events: [event] });

    const late = await connect(`role=page&token=${TOKEN}`);
    const lateMessages = collect(late);
    await expect.poll(() => lateMessages.map((m) => m.t)).toEqual(['app', 'def', 'info', 'batch']);
    expect(lateMessages[3]).toMatchObject({ events: [event] });
    app.close();
    await expect.poll(() => earlyMessages.at(-1)?.t).toBe('gone');
    expect(relay.stats.apps).toBe(0);
  });

  it('routes a page command to its app and the result back', async () => {
    const page = await connect(`role=page&token=${TOKEN}`);
    const pageMessages = collect(page);
    const app = await connect(`token=${TOKEN}`);
    const appMessages = collect(app);
    app.send(JSON.stringify({ t: 'hello', v: 1, app: { name: 'svc', pid: 1, demo: false } }));
    await expect.poll(() => pageMessages.length).toBe(1);
    const appId = pageMessages[0]?.appId;
    const command = { type: 'breaker.forceOpen', provider: 'alpha' };
    page.send(JSON.stringify({ t: 'command', appId, id: 'c1', command }));
    await expect.poll(() => appMessages[0]).toEqual({ t: 'command', id: 'c1', command });
    app.send(JSON.stringify({ t: 'result', id: 'c1', ok: true }));
    await expect.poll(() => pageMessages.at(-1)).toEqual({ t: 'result', appId, id: 'c1', ok: true });
    page.send(JSON.stringify({ t: 'command', appId: 'app999', id: 'c2', command }));
    await expect
      .poll(() => pageMessages.at(-1))
      .toMatchObject({ id: 'c2', ok: false, error: 'App not connected' });
  });

  it('carries a real client through a real bridge: actors to the page, force open back to the client', async () => {
    const page = await connect(`role=page&token=${TOKEN}`);
    const messages = collect(page);
    const bridge: InspectBridge = createInspectBridge({
      url: url(`token=${TOKEN}`),
      batchMs: 20,
      name: 'real',
    });
    const llm = createResilientLLM({
      providers: [faultyProvider({ id: 'alpha', script: [{ text: 'ok' }] })],
      inspect: bridge.observer,
    });
    bridge.attach(llm);
    try {
      await expect.poll(() => bridge.connected).toBe(true);
      const result = await llm.call({ messages: [{ role: 'user', content: 'hi' }] });
      const ids = () =>
        messages
          .filter((m) => m.t === 'batch')
          .flatMap((m) => (m.events as Array<{ id: string }>).map((e) => e.id));
      await expect.poll(ids).toContain(result.requestId);
      const appId = messages.find((m) => m.t === 'app')?.appId;
      page.send(
        JSON.stringify({
          t: 'command',
          appId,
          id: 'c1',
          command: { type: 'breaker.forceOpen', provider: 'alpha' },
        }),
      );
      await expect.poll(() => llm.breaker('alpha').state).toBe('forcedOpen');
      await expect.poll(() => messages.find((m) => m.t === 'result')).toMatchObject({ id: 'c1', ok: true });
    } finally {
      await llm.stop();
      await bridge.close();
    }
  });

  it.each([
    ['the inspect URL option', (u: string) => ({ inspect: u })],
    [
      'the RESILIENT_LLM_INSPECT variable',
      (u: string) => {
        process.env.RESILIENT_LLM_INSPECT = u;
        return {};
      },
    ],
  ])(
    'connects a client from %s: its actors reach the page, ops commands reach its breakers',
    async (_n, wire) => {
      const page = await connect(`role=page&token=${TOKEN}`);
      const messages = collect(page);
      const llm = createResilientLLM({
        providers: [faultyProvider({ id: 'alpha', script: [{ text: 'ok' }] })],
        ...wire(url(`token=${TOKEN}`)),
      });
      delete process.env.RESILIENT_LLM_INSPECT;
      try {
        const result = await llm.call({ messages: [{ role: 'user', content: 'hi' }] });
        const ids = () =>
          messages
            .filter((m) => m.t === 'batch')
            .flatMap((m) => (m.events as Array<{ id: string }>).map((e) => e.id));
        await expect.poll(ids).toContain(result.requestId);
        await expect.poll(ids).toContain('breaker:alpha');
        const appId = messages.find((m) => m.t === 'app')?.appId;
        const command = { type: 'breaker.forceOpen', provider: 'alpha' };
        page.send(JSON.stringify({ t: 'command', appId, id: 'c9', command }));
        await expect.poll(() => llm.breaker('alpha').state).toBe('forcedOpen');
      } finally {
        await llm.stop();
      }
    },
  );

  it('stays off with inspect: false even when the variable is set', async () => {
    const page = await connect(`role=page&token=${TOKEN}`);
    const messages = collect(page);
    process.env.RESILIENT_LLM_INSPECT = url(`token=${TOKEN}`);
    const off = createResilientLLM({
      providers: [faultyProvider({ id: 'off', script: [{ text: 'ok' }] })],
      inspect: false,
    });
    await off.call({ messages: [{ role: 'user', content: 'hi' }] });
    // A second client that does connect (created later) shows the relay works: only it is announced.
    const on = createResilientLLM({ providers: [faultyProvider({ id: 'on', script: [{ text: 'ok' }] })] });
    delete process.env.RESILIENT_LLM_INSPECT;
    try {
      await expect.poll(() => messages.filter((m) => m.t === 'app').length).toBe(1);
      const ids = () =>
        messages
          .filter((m) => m.t === 'batch')
          .flatMap((m) => (m.events as Array<{ id: string }>).map((e) => e.id));
      await expect.poll(ids).toContain('breaker:on');
      expect(ids()).not.toContain('breaker:off');
    } finally {
      await off.stop();
      await on.stop();
    }
  });

  it('rejects an inspect value that is not a ws:// URL', () => {
    expect(() =>
      createResilientLLM({
        providers: [faultyProvider({ id: 'a', script: [{ text: 'ok' }] })],
        inspect: 'http://x',
      }),
    ).toThrow(/inspect must be a ws/);
  });
});
