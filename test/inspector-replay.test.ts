import { describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { buildLayoutInput, type StateJson } from '../inspector/src/layout-input.js';
import { buildReplaySteps, ReplayCursor } from '../inspector/src/replay.js';
import { Ring } from '../inspector/src/ring.js';
import { InspectorStore, valueText } from '../inspector/src/store.js';
import { requestMachine } from '../machines/request.js';
import { createResilientLLM } from '../src/client/create-resilient-llm.js';
import { describeMachine } from '../src/inspect/definition.js';
import type { WireEvent } from '../src/inspect/protocol.js';
import { definitionOf, serializeInspectionEvent } from '../src/inspect/serialize.js';
import { faultyProvider } from '../src/testing/faulty-provider.js';

const safe = { includeContent: false, redactKeys: [] };
const requestLayout = buildLayoutInput(describeMachine(requestMachine).json as StateJson);

/** Runs calls on a client whose first provider fails, feeding a store as the page would. */
async function recorded(calls: number) {
  const raw: InspectionEvent[] = [];
  const wire: WireEvent[] = [];
  const defs = new Map<string, { machineId: string; json: unknown }>();
  let seq = 0;
  const llm = createResilientLLM({
    providers: [
      faultyProvider({ id: 'alpha', priority: 0, script: [{ error: 'provider_error' }] }),
      faultyProvider({ id: 'beta', priority: 1, script: [{ text: 'fine' }] }),
    ],
    retry: { maxAttempts: 1 },
    breaker: { failureThreshold: 2 },
    inspect: (event) => {
      raw.push(event);
      const def = definitionOf(event.actorRef);
      if (def) defs.set(def.key, def);
      const serialized = serializeInspectionEvent(event, ++seq, Date.now(), safe);
      if (serialized) wire.push(serialized);
    },
  });
  const results = [];
  for (let i = 0; i < calls; i++)
    results.push(await llm.call({ messages: [{ role: 'user', content: `q${i}` }] }));
  const store = new InspectorStore();
  store.apply({ t: 'app', appId: 'a1', app: { name: 't', pid: 1, demo: false } });
  for (const [key, def] of defs) store.apply({ t: 'def', appId: 'a1', key, ...def });
  store.apply({
    t: 'info',
    appId: 'a1',
    now: Date.now(),
    providers: llm.providers().map((p) => ({
      ...p,
      breakerActor: llm.breaker(p.id).actor.sessionId,
      retryAfterMs: 0,
    })),
  });
  store.apply({ t: 'batch', appId: 'a1', now: Date.now(), events: wire, dropped: 0 });
  await llm.stop();
  return { raw, store, results, llm };
}

describe('replay model', () => {
  it('steps through exactly the states the request passed, in order', async () => {
    const { raw, store, results } = await recorded(1);
    const id = results[0]?.requestId;
    // Oracle: the state values xstate itself reported for that actor, straight from the inspect stream — the
    // state it started in (the first microstep's source; the initial state is entered without a microstep),
    // then every microstep's.
    const own = raw.filter(
      (e) => (e.actorRef as { id?: string }).id === id && e.type === '@xstate.microstep',
    ) as unknown as Array<{
      snapshot: { value: unknown };
      _transitions: Array<{ source: { path: string[] } }>;
    }>;
    const initial = own[0]?._transitions[0]?.source.path.join('.');
    const expected = [initial, ...own.map((e) => valueText(e.snapshot.value))];
    const request = [...store.requests.values()].find((r) => r.id === id);
    if (!request) throw new Error('request not in the store');
    const steps = buildReplaySteps(request.path, requestLayout.idByPath);
    expect(steps.map((s) => s.leaf)).toEqual(expected.map((v) => `request.${v}`));
    expect(steps.map((s) => s.leaf)).toEqual(
      expect.arrayContaining(['request.active.deciding', 'request.active.validating', 'request.succeeded']),
    );
    expect(steps[0]?.leaf).toBe('request.active.selecting');
    expect(steps.at(-1)?.leaf).toBe('request.succeeded');
    expect(steps.every((s, i) => s.offsetMs >= (steps[i - 1]?.offsetMs ?? 0))).toBe(true);
  });

  it('moves by step, clamps at both ends, and scrubs by time', () => {
    const steps = buildReplaySteps(
      [
        { at: 100, event: 'xstate.init', value: { active: 'selecting' }, transitions: [] },
        { at: 110, event: 'e1', value: { active: 'preparing' }, transitions: [] },
        { at: 150, event: 'e2', value: { active: 'attempting' }, transitions: [] },
        { at: 400, event: 'e3', value: 'succeeded', transitions: [] },
      ],
      requestLayout.idByPath,
    );
    const cursor = new ReplayCursor(steps);
    expect(cursor.step.leaf).toBe('request.active.selecting');
    expect(cursor.prev().index).toBe(0);
    expect(cursor.next().leaf).toBe('request.active.preparing');
    expect(cursor.last().leaf).toBe('request.succeeded');
    expect(cursor.atEnd).toBe(true);
    expect(cursor.next().index).toBe(3);
    expect(cursor.seek(-5).index).toBe(0);
    expect(cursor.seek(99).index).toBe(3);
    expect(cursor.seekTime(60).leaf).toBe('request.active.attempting');
    expect(cursor.seekTime(0).leaf).toBe('request.active.selecting');
    expect(() => new ReplayCursor([])).toThrow(RangeError);
  });
});

describe('inspector store', () => {
  it('lists requests with status, source, provider, the failover path and attempts', async () => {
    const { store, results } = await recorded(1);
    const request = [...store.requests.values()].find((r) => r.id === results[0]?.requestId);
    expect(request).toMatchObject({
      status: 'succeeded',
      source: 'primary',
      provider: 'beta',
      providers: ['alpha', 'beta'],
      attempts: 2,
    });
    expect(request?.endedAt).toBeGreaterThanOrEqual(request?.startedAt ?? Number.POSITIVE_INFINITY);
    const counted = [...(store.sources.get('a1') ?? [])].reduce((n, b) => n + (b.counts.primary ?? 0), 0);
    expect(counted).toBe(1);
  });

  it('labels breaker actors by provider and records their state changes', async () => {
    const { store } = await recorded(3);
    const providers = store.apps.get('a1')?.providers ?? [];
    const alpha = providers.find((p) => p.id === 'alpha');
    const breaker = store.breakers.get(`a1/${alpha?.breakerActor}`);
    expect(breaker?.history.map((h) => h.state)).toEqual(['closed', 'open']);
    const entries = store.timeline.newest(
      1_000,
      (e) => e.provider === 'alpha' && e.actor === 'breaker alpha',
    );
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.some((e) => e.type === 'breaker.failure')).toBe(true);
  });

  it('keeps a bounded timeline, newest first', () => {
    const ring = new Ring<number>(3);
    for (let i = 1; i <= 5; i++) ring.push(i);
    expect(ring.size).toBe(3);
    expect(ring.newest(10)).toEqual([5, 4, 3]);
    expect(ring.newest(10, (n) => n % 2 === 1)).toEqual([5, 3]);
  });

  it('formats nested state values', () => {
    expect(valueText({ active: 'attempting' })).toBe('active.attempting');
    expect(valueText({ a: 'x', b: { c: 'y' } })).toBe('a.x | b.c.y');
    expect(valueText('open')).toBe('open');
  });
});
