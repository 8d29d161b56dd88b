import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildLayoutInput, type StateJson } from '../inspector/src/layout-input.js';
import { buildDomainSteps } from '../inspector/src/path-steps.js';
import { InspectorStore } from '../inspector/src/store.js';
import { requestMachine } from '../machines/request.js';
import { createResilientLLM, LLMError, memoryCache } from '../src/index.js';
import { describeMachine } from '../src/inspect/definition.js';
import type { WireEvent } from '../src/inspect/protocol.js';
import { serializeInspectionEvent } from '../src/inspect/serialize.js';
import type { FaultStep } from '../src/testing/faulty-provider.js';
import { faultyProvider } from '../src/testing/index.js';

const definition = describeMachine(requestMachine as never);
const { idByPath } = buildLayoutInput(definition.json as StateJson);

/** Runs one call with every inspection event recorded, and returns the page store's view of it. */
async function recordCall(
  scripts: Record<string, FaultStep[]>,
  extra: Partial<Parameters<typeof createResilientLLM>[0]> = {},
  call: Partial<Parameters<ReturnType<typeof createResilientLLM>['call']>[0]> = {},
) {
  const events: WireEvent[] = [];
  let seq = 0;
  const llm = createResilientLLM({
    providers: Object.entries(scripts).map(([id, script], priority) =>
      faultyProvider({ id, priority, script }),
    ),
    retry: { maxAttempts: 2, baseMs: 5, maxMs: 20 },
    ...extra,
    inspect: (e) => {
      const wire = serializeInspectionEvent(e, ++seq, seq, { includeContent: false, redactKeys: [] });
      if (wire) events.push(wire);
    },
  });
  const result = await llm.call({ messages: [{ role: 'user', content: 'hi' }], ...call }).catch((e) => e);
  await llm.stop();
  const store = new InspectorStore();
  store.apply({ t: 'app', appId: 'a', app: { name: 't', pid: 1, demo: false } });
  store.apply({ t: 'def', appId: 'a', key: definition.key, machineId: 'request', json: definition.json });
  store.apply({ t: 'batch', appId: 'a', now: 0, events, dropped: 0 });
  const request = [...store.requests.values()].find(
    (r) => r.id === result.requestId || r.id.startsWith('req_'),
  );
  if (!request) throw new Error('request not recorded');
  return { result, request, steps: buildDomainSteps(request.path, idByPath) };
}

const error503 = new LLMError({
  type: 'provider_error',
  status: 503,
  message: 'overloaded',
  provider: 'alpha',
});

describe('path view steps', () => {
  it('labels a failover in provider, error type, status and decision, in order', async () => {
    const { steps, result } = await recordCall({
      alpha: [{ throw: error503 }],
      beta: [{ error: 'rate_limit', retryAfterMs: 30 }, { text: 'ok' }],
    });
    expect(result.source).toBe('primary');
    const labels = steps.map((s) => s.label);
    expect(labels[0]).toBe('request received');
    const failover = steps.find((s) => s.decision === 'fail over');
    expect(failover?.label).toBe('alpha: provider_error 503 → fail over to beta');
    expect(failover?.leftPrimary).toBe(true);
    const backoff = steps.find((s) => s.decision === 'back off');
    expect(backoff).toMatchObject({ provider: 'beta', errorType: 'rate_limit', retryAfterMs: 30 });
    expect(backoff?.label).toMatch(/^beta: rate_limit \(Retry-After 30 ms\) → back off \d+ ms$/);
    const order = steps.map((s) => s.decision).filter((d) => !['call', 'prepare', 'validate'].includes(d));
    expect(order).toEqual(['start', 'fail over', 'back off', 'succeeded']);
    expect(labels.at(-1)).toBe('answer valid → succeeded');
    // Step times never go back, and every step names where the request was.
    expect(steps.every((s, i) => i === 0 || s.offsetMs >= (steps[i - 1]?.offsetMs ?? 0))).toBe(true);
    expect(steps.every((s) => s.leaf.startsWith('request.'))).toBe(true);
  });

  it('names the validation issue of an invalid answer and the re-prompt', async () => {
    const { steps } = await recordCall(
      { alpha: [{ text: '{"n":"x"}' }, { text: '{"n":1}' }] },
      {},
      { schema: z.object({ n: z.number() }) },
    );
    const invalid = steps.find((s) => s.decision === 're-prompt');
    expect(invalid?.label).toMatch(/^alpha: invalid_response \(.*n.*\) → re-prompt$/);
    expect(invalid?.issue).toBeTruthy();
  });

  it('marks the step that left primary for a degraded answer', async () => {
    const cache = memoryCache({ maxEntries: 5 });
    await cache.set('k', { text: 'cached', data: 'cached', provider: 'alpha', model: 'm' } as never);
    const { steps, request } = await recordCall(
      { alpha: [{ error: 'authentication' }] },
      { degradation: { cache } },
      { cacheKey: 'k' },
    );
    expect(request.source).toBe('cache');
    const left = steps.filter((s) => s.leftPrimary);
    expect(left).toHaveLength(1);
    expect(left[0]?.label).toBe('alpha: authentication → fail over');
    expect(steps.slice(-2).map((s) => s.label)).toEqual([
      'no provider can take the call → degrade',
      'cache hit → succeeded',
    ]);
  });
});
