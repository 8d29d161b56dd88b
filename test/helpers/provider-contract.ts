/**
 * The provider contract suite: one set of behaviours every adapter must show against the fault server,
 * whatever SDK or transport it wraps. `runProviderContract` registers the tests for one adapter.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { classifyError } from '../../src/errors/classify.js';
import type { LLMError, LLMErrorType } from '../../src/errors/llm-error.js';
import {
  createFaultServer,
  FAULT_KINDS,
  type FaultContext,
  type FaultKind,
  type FaultServer,
} from '../../src/testing/fault-server/index.js';
import type { LLMRequest, Provider, ProviderStreamEvent } from '../../src/types.js';
import { waitForRequests } from './fault-fetch.js';

/** One adapter under test: how to build it on a fault server, and the provider id it talks to there. */
export interface ContractTarget {
  name: string;
  /** Provider id in the fault server's `/p/:provider/` prefix. */
  serverProvider: string;
  make(server: FaultServer): Provider;
}

const isKind = (value: string): value is FaultKind => (FAULT_KINDS as readonly string[]).includes(value);

/** Every request gets the fault named before the `:` in its request id, e.g. `429:1`. */
export const faultFromRequestId = (ctx: FaultContext) => {
  const kind = ctx.requestId.split(':')[0] ?? '';
  return isKind(kind) ? { kind, retryAfterS: 7, afterDeltas: 2 } : undefined;
};

/** The request every contract test sends. */
export const contractRequest: LLMRequest = {
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Say hello.' },
  ],
  maxTokens: 64,
};

const ANSWER = 'Hello from the fault server.';

/** What an error thrown by `provider` classifies as: `provider.classify` first, then `classifyError`. */
export function classifyThrown(provider: Provider, error: unknown): LLMError {
  return provider.classify?.(error) ?? classifyError(error, { provider: provider.id });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

/** Reads a stream to the end; returns the events and the error it ended with, if any. */
async function collect(stream: AsyncIterable<ProviderStreamEvent>) {
  const events: ProviderStreamEvent[] = [];
  try {
    for await (const event of stream) events.push(event);
    return { events, error: undefined as unknown };
  } catch (error) {
    return { events, error };
  }
}

const deltaText = (events: readonly ProviderStreamEvent[]) =>
  events.map((event) => (event.type === 'delta' ? event.text : '')).join('');

const ERROR_CASES: Array<[FaultKind, LLMErrorType]> = [
  ['429', 'rate_limit'],
  ['insufficient_quota', 'quota_exhausted'],
  ['500', 'provider_error'],
  ['503', 'provider_error'],
  ['529', 'provider_error'],
  ['auth', 'authentication'],
  ['context_length', 'context_length'],
  ['content_filter', 'content_filtered'],
  ['down', 'provider_error'],
  ['truncated_json', 'provider_error'],
];

/** Registers the contract tests for one adapter. */
export function runProviderContract(target: ContractTarget): void {
  describe(`${target.name} provider contract`, () => {
    let server: FaultServer;
    let provider: Provider;
    beforeAll(async () => {
      server = await createFaultServer({ seed: 11, scenario: faultFromRequestId });
      provider = target.make(server);
    });
    afterAll(() => server.close());
    beforeEach(() => server.reset());

    const options = (requestId: string, signal = new AbortController().signal) => ({
      signal,
      requestId,
      attempt: 2,
    });

    it('answers with the text, model and usage', async () => {
      const result = await provider.call(contractRequest, options('ok:1'));
      expect(result.text).toBe(ANSWER);
      expect(result.model).toMatch(/-test$/);
      expect(result.usage?.inputTokens).toBeGreaterThan(0);
      expect(result.usage?.outputTokens).toBeGreaterThan(0);
    });

    it('sends the request id and attempt as headers to the right provider', async () => {
      await provider.call(contractRequest, options('ok:2'));
      const [record] = server.requests();
      expect(record).toMatchObject({ provider: target.serverProvider, requestId: 'ok:2', attempt: 2 });
      expect(record?.headers['x-attempt']).toBe('2');
    });

    it.each(ERROR_CASES)('surfaces %s as %s', async (kind, type) => {
      const error = await rejection(provider.call(contractRequest, options(`${kind}:1`)));
      const classified = classifyThrown(provider, error);
      expect(classified.type).toBe(type);
      if (kind === '429') expect(classified.retryAfterMs).toBe(7000);
      expect(server.stats().providers[target.serverProvider]?.outcomes[kind]).toBe(1);
    });

    it('rejects as aborted when the signal aborts during a hang', async () => {
      const controller = new AbortController();
      const pending = rejection(provider.call(contractRequest, options('hang:1', controller.signal)));
      await waitForRequests(server, 1);
      controller.abort();
      expect(classifyThrown(provider, await pending).type).toBe('aborted');
    });

    it('streams deltas that concatenate to the text, then done with the model', async () => {
      const { events, error } = await collect(provider.stream!(contractRequest, options('ok:3')));
      expect(error).toBeUndefined();
      expect(deltaText(events)).toBe(ANSWER);
      expect(events.filter((e) => e.type === 'delta').length).toBeGreaterThan(1);
      const last = events.at(-1);
      expect(last?.type).toBe('done');
      expect(last?.type === 'done' ? last.model : undefined).toMatch(/-test$/);
    });

    it('surfaces a mid-stream error after some deltas as provider_error', async () => {
      const { events, error } = await collect(provider.stream!(contractRequest, options('sse_error:1')));
      expect(deltaText(events)).toBe('Hello from ');
      expect(events.some((e) => e.type === 'done')).toBe(false);
      expect(classifyThrown(provider, error).type).toBe('provider_error');
    });

    it('surfaces a filtered stream as content_filtered', async () => {
      const { events, error } = await collect(provider.stream!(contractRequest, options('content_filter:2')));
      expect(events.some((e) => e.type === 'done')).toBe(false);
      expect(classifyThrown(provider, error).type).toBe('content_filtered');
    });

    it('surfaces a stream cut mid-frame as provider_error', async () => {
      const { events, error } = await collect(provider.stream!(contractRequest, options('truncated_json:2')));
      expect(deltaText(events)).toBe('Hello from ');
      expect(events.some((e) => e.type === 'done')).toBe(false);
      expect(classifyThrown(provider, error).type).toBe('provider_error');
    });

    it('rejects as aborted when the signal aborts a stalled stream', async () => {
      const controller = new AbortController();
      const events: ProviderStreamEvent[] = [];
      const error = await rejection(
        (async () => {
          for await (const event of provider.stream!(
            contractRequest,
            options('stall:1', controller.signal),
          )) {
            events.push(event);
            if (events.length === 2) controller.abort();
          }
        })(),
      );
      expect(deltaText(events)).toBe('Hello from ');
      expect(classifyThrown(provider, error).type).toBe('aborted');
    });
  });
}
