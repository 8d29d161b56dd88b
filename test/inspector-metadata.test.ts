/**
 * A call's `metadata` on its way to the inspector: through the bridge (a fast-path record and a statechart
 * request's context), redacted like every other value that leaves the process, and into the page's store.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { InspectorStore, metadataEntries } from '../inspector/src/store.js';
import { createResilientLLM } from '../src/client/create-resilient-llm.js';
import { createInspectBridge } from '../src/inspect/bridge.js';
import type { BridgeSocket } from '../src/inspect/bridge-options.js';
import type { PageMessage, WireEvent } from '../src/inspect/protocol.js';
import { SECRET } from '../src/inspect/redact.js';
import { faultyProvider } from '../src/testing/faulty-provider.js';

/** A socket that is open at once and keeps what the bridge sends. */
class RecordingSocket implements BridgeSocket {
  static last: RecordingSocket | undefined;
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  constructor(readonly url: string) {
    RecordingSocket.last = this;
    queueMicrotask(() => this.onopen?.({}));
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 3;
  }
}

const metadata = {
  tenant: 'acme',
  apiKey: 'tenant-key-123',
  authorization: 'Bearer abc.def',
  note: 'uses sk-live-0123456789abcdefghij for billing',
  plan: { tier: 'gold', seats: 3 },
  label: '<img src=x onerror=alert(1)>',
};
const redacted = {
  tenant: 'acme',
  apiKey: SECRET,
  authorization: SECRET,
  note: `uses sk-${SECRET} for billing`,
  plan: { tier: 'gold', seats: 3 },
  label: '<img src=x onerror=alert(1)>',
};

/** A bridge that records what it sends (no relay), on `clock`. */
function recordingBridge(clock: SimulatedClock) {
  return createInspectBridge({
    url: 'ws://127.0.0.1:1/__resilient/ws',
    token: 'tok',
    clock,
    WebSocket: RecordingSocket,
    name: 'metadata-app',
  });
}

/** Makes one call with `metadata` through a client inspected by a bridge; returns what the bridge sent. */
async function inspectedCall(script: Parameters<typeof faultyProvider>[0]['script']) {
  const clock = new SimulatedClock();
  const bridge = recordingBridge(clock);
  const llm = createResilientLLM({
    providers: [
      faultyProvider({ id: 'alpha', priority: 0, script }),
      faultyProvider({ id: 'beta', priority: 1, script: [{ text: 'hi from beta' }] }),
    ],
    retry: { maxAttempts: 1 },
    inspect: bridge.observer,
  });
  await Promise.resolve();
  const result = await llm.call({ messages: [{ role: 'user', content: 'hello' }], metadata });
  clock.increment(100);
  const socket = RecordingSocket.last as RecordingSocket;
  const messages = socket.sent.map((s) => JSON.parse(s) as { t: string; events?: WireEvent[] });
  const events = messages.flatMap((m) => (m.t === 'batch' ? (m.events ?? []) : []));
  await llm.stop();
  await bridge.close();
  return {
    result,
    messages,
    events: events.filter((e) => e.id === result.requestId),
    sent: socket.sent.join(''),
  };
}

describe('metadata in the inspector', () => {
  it('reaches the bridge with a fast-path record, redacted by key and by value', async () => {
    const { events, sent } = await inspectedCall([{ text: 'hi from alpha' }]);
    const fast = events.find((e) => e.kind === 'fast');
    expect(fast?.output).toMatchObject({ metadata: redacted });
    expect(sent).not.toContain('tenant-key-123');
    expect(sent).not.toContain('abc.def');
    expect(sent).not.toContain('sk-live-0123456789abcdefghij');
  });

  it("reaches the bridge in a statechart request's context, redacted by key and by value", async () => {
    const { events, sent } = await inspectedCall([{ error: 'provider_error' }]);
    const snapshots = events.filter((e) => e.kind === 'snapshot');
    expect(snapshots.length).toBeGreaterThan(0);
    for (const snapshot of snapshots)
      expect((snapshot.context as { metadata?: unknown }).metadata).toEqual(redacted);
    expect(sent).not.toContain('tenant-key-123');
    expect(sent).not.toContain('sk-live-0123456789abcdefghij');
  });

  it.each([
    ['a fast-path record', [{ text: 'hi from alpha' }]],
    ['a statechart request', [{ error: 'provider_error' as const }]],
  ])('is kept by the page store for %s and listed key by key', async (_name, script) => {
    const { messages, result } = await inspectedCall(script);
    const store = new InspectorStore();
    store.apply({ t: 'app', appId: 'a1', app: { name: 'metadata-app', pid: 1, demo: false } });
    for (const m of messages)
      if (m.t === 'batch' || m.t === 'def') store.apply({ ...m, appId: 'a1' } as unknown as PageMessage);
    const request = [...store.requests.values()].find((r) => r.id === result.requestId);
    expect(request?.metadata).toEqual(redacted);
    expect(metadataEntries(request?.metadata)).toEqual([
      ['tenant', 'acme'],
      ['apiKey', SECRET],
      ['authorization', SECRET],
      ['note', `uses sk-${SECRET} for billing`],
      ['plan', '{"tier":"gold","seats":3}'],
      ['label', '<img src=x onerror=alert(1)>'],
    ]);
  });

  it('sends no metadata for a call without it', async () => {
    const clock = new SimulatedClock();
    const bridge = recordingBridge(clock);
    const llm = createResilientLLM({
      providers: [faultyProvider({ id: 'alpha', priority: 0, script: [{ text: 'hi' }] })],
      inspect: bridge.observer,
    });
    await Promise.resolve();
    const result = await llm.call({ messages: [{ role: 'user', content: 'hello' }] });
    clock.increment(100);
    const sent = (RecordingSocket.last as RecordingSocket).sent.map(
      (s) => JSON.parse(s) as { events?: WireEvent[] },
    );
    const fast = sent
      .flatMap((m) => m.events ?? [])
      .find((e) => e.kind === 'fast' && e.id === result.requestId);
    expect(fast?.output).toBeDefined();
    expect(fast?.output).not.toHaveProperty('metadata');
    await llm.stop();
    await bridge.close();
  });
});
