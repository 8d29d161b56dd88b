/**
 * Fuzzes every network-facing surface of the inspector with fast-check: the static server's request
 * targets, the relay's frames from apps and pages, and the ops commands. The pure handlers take thousands
 * of inputs per run; a few hundred more go over real sockets. The process stays up and the relay's
 * buffers stay within their bounds.
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createResilientLLM, type ResilientLLM } from '../src/index.js';
import { applyInspectorCommand } from '../src/inspect/commands.js';
import { MAX_BATCH_EVENTS, parseAppFrame, parsePageFrame } from '../src/inspect/protocol.js';
import { createInspectorRelay, type InspectorRelay } from '../src/inspect/relay.js';
import { type InspectorServer, resolveStaticTarget, startInspectorServer } from '../src/inspect/server.js';
import { faultyProvider } from '../src/testing/index.js';
import { rawGet } from './helpers/raw-http.js';

const RUNS = 2_500;
const SOCKET_RUNS = 200;

let dir: string;
let server: InspectorServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inspector-fuzz-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html>');
  writeFileSync(join(dir, 'assets', 'app.js'), '1');
  server = await startInspectorServer({ staticDir: dir, port: 0, token: 'fuzz-token', demo: false });
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Request targets built from the pieces traversal and encoding attacks are made of, plus random text. */
const PIECES = [
  '/',
  '..',
  '.',
  '%2e',
  '%2E',
  '%2f',
  '%5c',
  '\\',
  '%00',
  '%',
  '%E0%A4%A',
  '%C0%AE',
  'assets',
  'index.html',
  'app.js',
  '?',
  '#',
  '~',
  '%41',
  '\u0000',
  'é',
];
const target = fc.oneof(
  fc.array(fc.constantFrom(...PIECES), { maxLength: 24 }).map((parts) => `/${parts.join('')}`),
  fc.webPath(),
  fc.string({ unit: 'binary', maxLength: 64 }).map((text) => `/${text}`),
  fc.string({ maxLength: 3_000 }).map((text) => `/${text}`),
);

describe('fuzz: the static server', () => {
  it(`resolves ${RUNS} hostile targets without throwing, serving only files inside the root`, () => {
    const root = join(dir);
    fc.assert(
      fc.property(target, (t) => {
        const resolved = resolveStaticTarget(root, t);
        expect([200, 400, 404, 414]).toContain(resolved.status);
        if (resolved.status === 200) {
          expect(resolved.file.startsWith(root + sep)).toBe(true);
          expect([join(root, 'index.html'), join(root, 'assets', 'app.js')]).toContain(resolved.file);
        }
      }),
      { numRuns: RUNS, seed: 17 },
    );
  });

  it(`answers ${SOCKET_RUNS} hostile targets over a real socket and stays up`, async () => {
    const printable = fc.array(fc.constantFrom(...PIECES.filter((p) => /^[\x21-\x7e]+$/.test(p))), {
      maxLength: 24,
    });
    await fc.assert(
      fc.asyncProperty(printable, async (parts) => {
        const status = await rawGet(server.port, `/${parts.join('')}`);
        expect(status).toBeGreaterThanOrEqual(200);
        expect(status).toBeLessThan(500);
      }),
      { numRuns: SOCKET_RUNS, seed: 17 },
    );
    expect(await rawGet(server.port, '/')).toBe(200);
  });
});

const KINDS = ['hello', 'def', 'batch', 'info', 'result', 'command', 'gone', 5, null];
/** Frames close to valid ones (right `t`, fields of any type) and arbitrary JSON. */
const frameValue = fc.oneof(
  fc.record(
    {
      t: fc.constantFrom(...KINDS),
      v: fc.anything(),
      app: fc.oneof(fc.anything(), fc.record({ name: fc.string(), pid: fc.integer(), demo: fc.boolean() })),
      events: fc.oneof(fc.anything(), fc.array(fc.anything(), { maxLength: 20 })),
      now: fc.oneof(fc.double(), fc.anything()),
      dropped: fc.anything(),
      providers: fc.anything(),
      key: fc.anything(),
      machineId: fc.anything(),
      json: fc.anything(),
      id: fc.oneof(fc.string(), fc.anything()),
      appId: fc.oneof(fc.string(), fc.anything()),
      ok: fc.anything(),
      command: fc.anything(),
    },
    { requiredKeys: ['t'] },
  ),
  fc.jsonValue(),
  fc.anything(),
);
const frame = fc.oneof(
  frameValue.map((value) => {
    try {
      return JSON.stringify(value) ?? 'undefined';
    } catch {
      return String(value);
    }
  }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.nat({ max: 50_000 }).map((depth) => '['.repeat(depth)),
);

describe('fuzz: relay frames', () => {
  it(`validates ${RUNS} app frames without throwing`, () => {
    fc.assert(
      fc.property(frame, (text) => {
        const message = parseAppFrame(text);
        if (message === undefined) return;
        expect(['hello', 'def', 'batch', 'info', 'result']).toContain(message.t);
        if (message.t === 'batch') expect(message.events.length).toBeLessThanOrEqual(MAX_BATCH_EVENTS);
      }),
      { numRuns: RUNS, seed: 17 },
    );
  });

  it(`validates ${RUNS} page frames without throwing`, () => {
    fc.assert(
      fc.property(frame, (text) => {
        const message = parsePageFrame(text);
        if (message !== undefined) expect(message.t).toBe('command');
      }),
      { numRuns: RUNS, seed: 17 },
    );
  });

  it(`survives ${SOCKET_RUNS} frames each from an app and a page over real sockets, buffers bounded`, async () => {
    const relay: InspectorRelay = createInspectorRelay({ token: 'fuzz-token', recent: 50 });
    const http = createServer();
    relay.attach(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as AddressInfo).port;
    const connect = async (role: string) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/__resilient/ws?token=fuzz-token&role=${role}`);
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      return ws;
    };
    const app = await connect('app');
    const page = await connect('page');
    app.send(JSON.stringify({ t: 'hello', v: 1, app: { name: 'fuzz', pid: 1, demo: false } }));
    const event = { seq: 1, at: 1, kind: 'actor', actor: 'a', id: 'a', root: 'a' };
    const batch = JSON.stringify({ t: 'batch', now: 1, events: Array(40).fill(event), dropped: 0 });
    const samples = fc.sample(frame, { numRuns: SOCKET_RUNS, seed: 17 });
    for (const text of samples) {
      app.send(text);
      app.send(batch);
      page.send(text);
    }
    // Pongs arrive in order after every frame sent before the ping: all frames were handled.
    for (const ws of [app, page]) await new Promise((resolve) => ws.once('pong', resolve).ping());

    expect(relay.stats.droppedFrames).toBeGreaterThan(SOCKET_RUNS);
    expect(relay.stats.recentEvents).toBeLessThanOrEqual(75);
    const late = new WebSocket(`ws://127.0.0.1:${port}/__resilient/ws?token=fuzz-token&role=page`);
    const first = await new Promise<{ t: string }>((resolve) =>
      late.once('message', (d) => resolve(JSON.parse(String(d)))),
    );
    expect(first.t).toBe('app');
    for (const ws of [app, page, late]) ws.terminate();
    await relay.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });
});

describe('fuzz: ops commands', () => {
  let llm: ResilientLLM;
  beforeAll(() => {
    llm = createResilientLLM({
      providers: [
        faultyProvider({ id: 'alpha', script: [{ text: 'ok' }] }),
        faultyProvider({ id: 'beta', script: [{ text: 'ok' }] }),
      ],
    });
  });
  afterAll(() => llm.stop());

  const command = fc.oneof(
    fc.record(
      {
        type: fc.constantFrom(
          'breaker.forceOpen',
          'breaker.disable',
          'breaker.reset',
          'provider.setPriority',
          'provider.setEnabled',
          'demo.traffic',
          'nope',
        ),
        provider: fc.oneof(fc.constantFrom('alpha', 'beta', 'gamma', '', '__proto__'), fc.anything()),
        priority: fc.oneof(fc.double(), fc.anything()),
        enabled: fc.oneof(fc.boolean(), fc.anything()),
        rps: fc.anything(),
      },
      { requiredKeys: ['type'] },
    ),
    fc.anything(),
  );

  it(`applies or refuses ${RUNS} commands with a TypeError or RangeError only, and the client still works`, async () => {
    fc.assert(
      fc.property(command, (cmd) => {
        try {
          expect(typeof applyInspectorCommand(llm, cmd)).toBe('boolean');
        } catch (error) {
          expect(error instanceof TypeError || error instanceof RangeError).toBe(true);
        }
      }),
      { numRuns: RUNS, seed: 17 },
    );
    for (const id of ['alpha', 'beta']) {
      applyInspectorCommand(llm, { type: 'breaker.reset', provider: id });
      applyInspectorCommand(llm, { type: 'provider.setEnabled', provider: id, enabled: true });
    }
    const result = await llm.call({ messages: [{ role: 'user', content: 'hi' }] });
    expect(result.text).toBe('ok');
  });
});
