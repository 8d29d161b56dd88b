import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { InspectorStore } from '../inspector/src/store.js';
import { createResilientLLM, type ResilientLLM } from '../src/client/create-resilient-llm.js';
import { createInspectBridge, type InspectBridge } from '../src/inspect/bridge.js';
import type { PageMessage, WireEvent } from '../src/inspect/protocol.js';
import { createInspectorRelay, type InspectorRelay } from '../src/inspect/relay.js';
import type { SyncMessage } from '../src/inspect/sync.js';
import { faultyProvider } from '../src/testing/faulty-provider.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A relay on a loopback port (with a short history), a bridge and a client inspected through it. */
async function setup(options: { fastPath?: boolean; alphaDown?: boolean } = {}) {
  const relay: InspectorRelay = createInspectorRelay({ token: 't0k', recent: 20 });
  const http: Server = createServer();
  relay.attach(http);
  await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
  const { port } = http.address() as AddressInfo;
  const url = `ws://127.0.0.1:${port}/__resilient/ws?token=t0k`;
  const bridge: InspectBridge = createInspectBridge({ url, name: 'test', infoMs: 50, batchMs: 10 });
  let n = 0;
  const llm: ResilientLLM = createResilientLLM({
    providers: [
      faultyProvider({
        id: 'alpha',
        priority: 0,
        script: () => (options.alphaDown || n++ % 2 === 0 ? { error: 'provider_error' } : { text: 'ok' }),
      }),
      faultyProvider({ id: 'beta', priority: 1, script: [{ text: 'ok' }] }),
    ],
    breaker: { failureThreshold: 2, openMs: 60_000 },
    retry: { maxAttempts: 1 },
    inspect: bridge.observer,
    ...(options.fastPath === undefined ? {} : { fastPath: options.fastPath }),
  });
  bridge.attach(llm);
  cleanup.push(
    () => relay.close(),
    () => new Promise<void>((ok) => http.close(() => ok())),
    () => bridge.close(),
    () => llm.stop(),
  );
  await expect.poll(() => relay.stats.apps).toBe(1);
  return { url, bridge, llm, relay };
}

/** A page: every message the relay sends, folded into the page's own store. */
function openPage(url: string) {
  const store = new InspectorStore();
  const messages: PageMessage[] = [];
  const socket = new WebSocket(url.replace('?', '?role=page&'));
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as PageMessage;
    messages.push(message);
    store.apply(message);
  });
  cleanup.push(() => socket.close());
  return { store, messages };
}

const breakerCounters = (store: InspectorStore) =>
  [...store.breakers.values()]
    .map((b) => {
      const c = (b.context ?? {}) as { trips?: number; consecutiveFailures?: number; openUntil?: number };
      return { state: b.state, trips: c.trips, failures: c.consecutiveFailures, openUntil: c.openUntil };
    })
    .sort((a, b) => a.state.localeCompare(b.state));

const ask = (llm: ResilientLLM) => llm.call({ messages: [{ role: 'user', content: 'q' }] });

describe('inspector late join and fast-path records', () => {
  it('gives a page that joins late the breakers a page open from the start has', async () => {
    const { url, llm, bridge } = await setup({ alphaDown: true });
    const early = openPage(url);
    await expect.poll(() => early.store.breakers.size).toBe(2);
    for (let i = 0; i < 8; i++) await ask(llm); // alpha trips after two failures, beta answers
    await expect.poll(() => early.store.breakers.size && breakerCounters(early.store)[1]?.state).toBe('open');
    // The relay kept 20 events: the breakers' early events are long gone from its history.
    const late = openPage(url);
    await expect
      .poll(() => JSON.stringify(breakerCounters(late.store)))
      .toBe(JSON.stringify(breakerCounters(early.store)));
    const alpha = breakerCounters(late.store).find((b) => b.state === 'open');
    expect(alpha?.trips).toBe(1);
    expect(alpha?.openUntil).toBeGreaterThan(0);
    const lanes = [...late.store.breakers.values()].map((b) => b.history.map((h) => h.state));
    expect(lanes).toContainEqual(['closed', 'open']);
    // Answers by source are the same too, each counted once.
    const total = (store: InspectorStore) =>
      [...store.sources.values()]
        .flat()
        .reduce((s, b) => s + Object.values(b.counts).reduce((x, y) => x + y, 0), 0);
    await expect.poll(() => total(late.store)).toBe(8);
    expect(total(early.store)).toBe(8);
    expect(bridge.droppedTotal).toBe(0);
  });

  it('keeps the fast path on under a bridge and sends a compact record for each uneventful call', async () => {
    const { url, llm } = await setup();
    const page = openPage(url);
    await expect.poll(() => page.store.breakers.size).toBe(2);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await ask(llm));
    const events = () =>
      page.messages.flatMap((m) => (m.t === 'batch' ? m.events : [])).filter((e) => e.id.startsWith('req_'));
    const ids = (kind: WireEvent['kind']) =>
      new Set(
        events()
          .filter((e) => e.kind === kind)
          .map((e) => e.id),
      );
    // Calls 1 and 3 fail on alpha and need decisions (the statechart); 2 and 4 succeed on the fast path.
    await expect.poll(() => ids('fast').size).toBe(2);
    const fast = ids('fast');
    const full = ids('actor');
    expect([...fast].sort()).toEqual([results[1]?.requestId, results[3]?.requestId].sort());
    expect([...full].sort()).toEqual([results[0]?.requestId, results[2]?.requestId].sort());
    const record = events().find((e) => e.kind === 'fast');
    expect(record?.output).toMatchObject({
      status: 'succeeded',
      answer: { source: 'primary', provider: 'alpha' },
    });
    const shown = [...page.store.requests.values()].filter((r) => r.fast);
    expect(shown.map((r) => r.source)).toEqual(['primary', 'primary']);
    const sync = page.messages.findLast((m) => m.t === 'sync') as SyncMessage | undefined;
    expect(sync?.mode).toEqual({ fastPath: true });
  });

  it('reports the mode as fast path off when the client turns it off, and every call runs the statechart', async () => {
    const { url, llm } = await setup({ fastPath: false });
    const page = openPage(url);
    await expect
      .poll(() => page.store.apps.size && [...page.store.apps.values()][0]?.mode)
      .toEqual({
        fastPath: false,
      });
    const result = await ask(llm);
    const second = await ask(llm);
    await expect
      .poll(() => [...page.store.requests.values()].filter((r) => r.endedAt !== undefined).length)
      .toBe(2);
    expect([...page.store.requests.values()].some((r) => r.fast)).toBe(false);
    expect([...page.store.requests.keys()].length).toBe(2);
    expect([result.requestId, second.requestId]).toHaveLength(2);
  });

  it('turns the fast path off for a plain observer, which then sees every call', async () => {
    const seen = new Set<string>();
    const llm = createResilientLLM({
      providers: [faultyProvider({ id: 'alpha', script: [{ text: 'ok' }] })],
      inspect: (event) => {
        const id = String((event.actorRef as { id?: unknown }).id);
        if (event.type === '@xstate.actor' && id.startsWith('req_')) seen.add(id);
      },
    });
    cleanup.push(() => llm.stop());
    const result = await ask(llm);
    expect(seen.has(result.requestId)).toBe(true);
  });
});
