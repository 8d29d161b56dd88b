import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActor, createMachine, fromPromise, SimulatedClock, setup } from 'xstate';
import { createResilientLLM } from '../src/client/create-resilient-llm.js';
import { createInspectBridge } from '../src/inspect/bridge.js';
import type { BridgeSocket } from '../src/inspect/bridge-options.js';
import { faultyProvider } from '../src/testing/faulty-provider.js';

/** One fake socket; `FakeSocket.all` lists every instance created. */
class FakeSocket implements BridgeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  bufferedAmount = 0;
  sent: string[] = [];
  closed = false;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }

  static reset(): void {
    FakeSocket.all = [];
  }

  static get last(): FakeSocket {
    const socket = FakeSocket.all.at(-1);
    if (!socket) throw new Error('no socket was created');
    return socket;
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(data);
  }

  close(): void {
    this.closed = true;
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }

  receive(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  /** Parsed messages sent so far. */
  messages(): Array<Record<string, unknown> & { t: string }> {
    return this.sent.map((s) => JSON.parse(s));
  }

  /** Events of every batch sent so far. */
  events(): Array<Record<string, unknown>> {
    return this.messages()
      .filter((m) => m.t === 'batch')
      .flatMap((m) => m.events as Array<Record<string, unknown>>);
  }
}

const flushAsync = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

function bridgeWith(options: Partial<Parameters<typeof createInspectBridge>[0]> = {}) {
  const clock = new SimulatedClock();
  const bridge = createInspectBridge({
    url: 'ws://127.0.0.1:1/__resilient/ws',
    token: 'tok',
    clock,
    WebSocket: FakeSocket,
    name: 'test-app',
    ...options,
  });
  return { clock, bridge };
}

const echo = setup({
  types: { context: {} as { apiKey: string; messages: Array<{ role: string; content: string }> } },
  actors: { work: fromPromise(async () => 'done') },
}).createMachine({
  id: 'echo',
  context: {
    apiKey: 'sk-live-0123456789abcdef',
    messages: [{ role: 'user', content: 'my secret plan' }],
  },
  initial: 'idle',
  states: {
    idle: { description: 'waits', on: { go: 'busy' } },
    busy: { description: 'works', on: { stop: 'idle' } },
  },
});

beforeEach(() => FakeSocket.reset());
afterEach(() => FakeSocket.reset());

describe('createInspectBridge', () => {
  it('connects with the token in the URL and says hello with the app name', () => {
    const { bridge } = bridgeWith();
    const socket = FakeSocket.last;
    expect(new URL(socket.url).searchParams.get('token')).toBe('tok');
    socket.open();
    expect(socket.messages()[0]).toMatchObject({ t: 'hello', v: 1, app: { name: 'test-app', demo: false } });
    expect(bridge.connected).toBe(true);
    void bridge.close();
  });

  it('sends events in one batch after batchMs, with the machine definition sent once before them', () => {
    const { clock, bridge } = bridgeWith({ batchMs: 100 });
    FakeSocket.last.open();
    const a = createActor(echo, { inspect: bridge.observer }).start();
    const b = createActor(echo, { inspect: bridge.observer }).start();
    a.send({ type: 'go' });
    expect(FakeSocket.last.messages().filter((m) => m.t === 'batch')).toHaveLength(0);
    clock.increment(100);
    const messages = FakeSocket.last.messages();
    const defs = messages.filter((m) => m.t === 'def');
    expect(defs).toHaveLength(1);
    expect(defs[0]).toMatchObject({ machineId: 'echo' });
    expect(messages.findIndex((m) => m.t === 'def')).toBeLessThan(messages.findIndex((m) => m.t === 'batch'));
    const batches = messages.filter((m) => m.t === 'batch');
    expect(batches).toHaveLength(1);
    const events = FakeSocket.last.events();
    expect(new Set(events.map((e) => e.actor))).toEqual(new Set([a.sessionId, b.sessionId]));
    const step = events.find((e) => e.kind === 'microstep' && e.actor === a.sessionId);
    expect(step).toMatchObject({
      type: 'go',
      value: 'busy',
      transitions: [{ source: 'echo.idle', targets: ['echo.busy'], event: 'go' }],
    });
    void bridge.close();
  });

  it('takes snapshots at event time', () => {
    const { clock, bridge } = bridgeWith();
    FakeSocket.last.open();
    const actor = createActor(echo, { inspect: bridge.observer }).start();
    actor.send({ type: 'go' });
    actor.send({ type: 'stop' });
    clock.increment(100);
    const values = FakeSocket.last
      .events()
      .filter((e) => e.kind === 'snapshot')
      .map((e) => e.value);
    expect(values).toEqual(['idle', 'busy', 'idle']);
    void bridge.close();
  });

  it('redacts API keys, authorization headers and message contents by default', () => {
    const { clock, bridge } = bridgeWith({ redact: ['sessionCookie'] });
    FakeSocket.last.open();
    const actor = createActor(echo, { inspect: bridge.observer }).start();
    actor.send({
      type: 'go',
      headers: { Authorization: 'Bearer abc.def.ghi', 'x-api-key': 'k-123' },
      note: 'failed with key sk-proj-abcdefghijklmnop',
      sessionCookie: 'c=1',
    } as never);
    clock.increment(100);
    const text = FakeSocket.last.sent.join('\n');
    for (const secret of [
      'sk-live-0123456789abcdef',
      'abc.def.ghi',
      'k-123',
      'sk-proj-abcdefghijklmnop',
      'my secret plan',
      'c=1',
    ])
      expect(text).not.toContain(secret);
    const snapshot = FakeSocket.last.events().find((e) => e.kind === 'snapshot') as {
      context: Record<string, unknown>;
    };
    expect(snapshot.context.apiKey).toBe('[redacted]');
    expect(snapshot.context.messages).toEqual([{ role: 'user', content: '[content: 14 chars]' }]);
    void bridge.close();
  });

  it('sends message contents when includeContent is set, still without credentials', () => {
    const { clock, bridge } = bridgeWith({ includeContent: true });
    FakeSocket.last.open();
    createActor(echo, { inspect: bridge.observer }).start();
    clock.increment(100);
    const text = FakeSocket.last.sent.join('\n');
    expect(text).toContain('my secret plan');
    expect(text).not.toContain('sk-live-0123456789abcdef');
    void bridge.close();
  });

  it('serializes errors explicitly instead of sending {}', async () => {
    const failing = setup({
      actors: {
        work: fromPromise(async () => {
          throw new TypeError('boom in work');
        }),
      },
    }).createMachine({
      id: 'failing',
      initial: 'working',
      states: { working: { description: 'works', invoke: { src: 'work' } } },
    });
    const { clock, bridge } = bridgeWith();
    FakeSocket.last.open();
    const actor = createActor(failing, { inspect: bridge.observer });
    actor.subscribe({ error: () => {} });
    actor.start();
    await flushAsync();
    clock.increment(100);
    const events = FakeSocket.last.events();
    const received = events.find(
      (e) => e.kind === 'event' && String(e.type).startsWith('xstate.error.actor'),
    );
    expect((received?.event as { error?: unknown } | undefined)?.error).toEqual({
      name: 'TypeError',
      message: 'boom in work',
    });
    const snapshot = events.find((e) => e.kind === 'snapshot' && e.status === 'error');
    expect(snapshot?.error).toEqual({ name: 'TypeError', message: 'boom in work' });
    void bridge.close();
  });

  it('keeps at most maxBuffer events while the relay is absent and reports how many it dropped', () => {
    const { clock, bridge } = bridgeWith({ maxBuffer: 10 });
    const actor = createActor(echo, { inspect: bridge.observer }).start();
    for (let i = 0; i < 50; i++) actor.send({ type: i % 2 ? 'stop' : 'go' });
    expect(bridge.buffered).toBe(10);
    expect(bridge.droppedTotal).toBeGreaterThan(100);
    FakeSocket.last.open();
    clock.increment(100);
    const batch = FakeSocket.last.messages().find((m) => m.t === 'batch') as unknown as {
      events: unknown[];
      dropped: number;
    };
    expect(batch.events).toHaveLength(10);
    expect(batch.dropped).toBe(bridge.droppedTotal);
    expect(bridge.buffered).toBe(0);
    void bridge.close();
  });

  it('writes nothing while the socket has a backlog, and stays bounded', () => {
    const { clock, bridge } = bridgeWith({ maxBuffer: 20, maxBufferedBytes: 1_000 });
    const socket = FakeSocket.last;
    socket.open();
    socket.bufferedAmount = 5_000;
    const actor = createActor(echo, { inspect: bridge.observer }).start();
    for (let i = 0; i < 40; i++) actor.send({ type: i % 2 ? 'stop' : 'go' });
    clock.increment(1_000);
    expect(socket.messages().filter((m) => m.t === 'batch')).toHaveLength(0);
    expect(bridge.buffered).toBe(20);
    socket.bufferedAmount = 0;
    clock.increment(100);
    expect(socket.events()).toHaveLength(20);
    void bridge.close();
  });

  it('reconnects with doubling delays and sends hello and definitions again', () => {
    const { clock, bridge } = bridgeWith({ reconnectMs: 100, maxReconnectMs: 1_000 });
    FakeSocket.last.open();
    createActor(echo, { inspect: bridge.observer }).start();
    clock.increment(100);
    FakeSocket.last.drop();
    expect(bridge.connected).toBe(false);
    expect(FakeSocket.all).toHaveLength(1);
    clock.increment(100);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.last.drop();
    clock.increment(199);
    expect(FakeSocket.all).toHaveLength(2);
    clock.increment(1);
    expect(FakeSocket.all).toHaveLength(3);
    FakeSocket.last.open();
    clock.increment(100);
    const kinds = FakeSocket.last.messages().map((m) => m.t);
    expect(kinds[0]).toBe('hello');
    expect(kinds).toContain('def');
    void bridge.close();
  });

  it('never throws into the app, even when a context cannot be read', () => {
    const errors: unknown[] = [];
    const { bridge } = bridgeWith({ onError: (e) => errors.push(e) });
    const hostile = createMachine({
      id: 'hostile',
      context: () => ({
        boom: new Proxy(
          {},
          {
            ownKeys() {
              throw new Error('getter exploded');
            },
          },
        ),
      }),
    });
    expect(() => createActor(hostile, { inspect: bridge.observer }).start()).not.toThrow();
    expect(errors.some((e) => (e as Error).message === 'getter exploded')).toBe(true);
    void bridge.close();
  });

  it('stops everything on close: later events are ignored and no reconnect happens', async () => {
    const { clock, bridge } = bridgeWith({ reconnectMs: 100 });
    const socket = FakeSocket.last;
    socket.open();
    await bridge.close();
    expect(socket.closed).toBe(true);
    createActor(echo, { inspect: bridge.observer }).start();
    expect(bridge.buffered).toBe(0);
    clock.increment(10_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('rejects bad options with one error naming the field', () => {
    expect(() => createInspectBridge({ url: 'http://x' })).toThrow(/url must be a ws:\/\/ or wss:\/\/ URL/);
    expect(() =>
      createInspectBridge({ url: 'ws://127.0.0.1:1', maxBuffer: 0, WebSocket: FakeSocket }),
    ).toThrow(/Invalid inspect bridge options[\s\S]*maxBuffer/);
  });
});

describe('bridge attached to a client', () => {
  function client() {
    const { clock, bridge } = bridgeWith({ infoMs: 1_000 });
    const llm = createResilientLLM({
      providers: [
        faultyProvider({ id: 'alpha', priority: 0, script: [{ error: 'provider_error' }] }),
        faultyProvider({ id: 'beta', priority: 1, script: [{ text: 'hi from beta' }] }),
      ],
      retry: { maxAttempts: 1 },
      inspect: bridge.observer,
    });
    bridge.attach(llm);
    return { clock, bridge, llm };
  }

  it('streams breaker and request actors with their definitions and labels breakers by provider', async () => {
    const { clock, bridge, llm } = client();
    FakeSocket.last.open();
    const result = await llm.call({ messages: [{ role: 'user', content: 'hello' }] });
    clock.increment(100);
    const messages = FakeSocket.last.messages();
    expect(
      messages
        .filter((m) => m.t === 'def')
        .map((m) => m.machineId)
        .sort(),
    ).toEqual(['circuitBreaker', 'request']);
    const info = messages.find((m) => m.t === 'info') as unknown as {
      providers: Array<{ id: string; breakerActor: string }>;
    };
    expect(info.providers.map((p) => p.id)).toEqual(['alpha', 'beta']);
    expect(info.providers[0]?.breakerActor).toBe(llm.breaker('alpha').actor.sessionId);
    const requestEvents = FakeSocket.last.events().filter((e) => e.id === result.requestId);
    const final = requestEvents.find((e) => e.kind === 'snapshot' && e.status === 'done') as {
      output: { answer: { source: string; provider: string; text: string } };
    };
    expect(final.output.answer).toMatchObject({
      source: 'primary',
      provider: 'beta',
      text: '[content: 12 chars]',
    });
    expect(FakeSocket.last.sent.join('')).not.toContain('hi from beta');
    await llm.stop();
    await bridge.close();
  });

  it('applies ops commands to the client and replies with the result', async () => {
    const { bridge, llm } = client();
    const socket = FakeSocket.last;
    socket.open();
    socket.receive({ t: 'command', id: 'c1', command: { type: 'breaker.forceOpen', provider: 'alpha' } });
    await flushAsync();
    expect(llm.breaker('alpha').state).toBe('forcedOpen');
    socket.receive({
      t: 'command',
      id: 'c2',
      command: { type: 'provider.setPriority', provider: 'beta', priority: -1 },
    });
    socket.receive({ t: 'command', id: 'c3', command: { type: 'breaker.reset', provider: 'nope' } });
    socket.receive({ t: 'command', id: 'c4', command: { type: 'breaker.explode', provider: 'alpha' } });
    await flushAsync();
    expect(llm.providers().find((p) => p.id === 'beta')?.priority).toBe(-1);
    const results = Object.fromEntries(
      socket
        .messages()
        .filter((m) => m.t === 'result')
        .map((m) => [m.id, m]),
    ) as Record<string, { ok: boolean; error?: string }>;
    expect(results.c1?.ok).toBe(true);
    expect(results.c2?.ok).toBe(true);
    expect(results.c3).toMatchObject({
      ok: false,
      error: expect.stringContaining('Unknown provider id "nope"'),
    });
    expect(results.c4).toMatchObject({
      ok: false,
      error: expect.stringContaining('Invalid inspector command'),
    });
    const lastInfo = socket
      .messages()
      .filter((m) => m.t === 'info')
      .at(-1) as unknown as { providers: Array<{ id: string; breaker: string }> };
    expect(lastInfo.providers.find((p) => p.id === 'alpha')?.breaker).toBe('forcedOpen');
    await llm.stop();
    await bridge.close();
  });

  it('reports provider info every infoMs while connected', async () => {
    const { clock, bridge, llm } = client();
    FakeSocket.last.open();
    const count = () => FakeSocket.last.messages().filter((m) => m.t === 'info').length;
    const before = count();
    for (let i = 0; i < 3; i++) clock.increment(1_000);
    expect(count()).toBe(before + 3);
    await llm.stop();
    await bridge.close();
  });
});
