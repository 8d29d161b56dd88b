/**
 * Integration harness: the official `openai` and `@anthropic-ai/sdk` clients pointed (baseURL) at a fault server
 * on 127.0.0.1, wrapped by the adapters and run through `createResilientLLM`. Each test sets which faults each
 * provider gets; the harness records when every request reached the server (real clock, for lower bounds only).
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { AttemptRecord, Provider, ResilientLLM, ResilientLLMOptions } from '../../src/index.js';
import { anthropicProvider, createResilientLLM, openaiProvider } from '../../src/index.js';
import type { Fault, FaultContext, FaultServer } from '../../src/testing/index.js';
import { createFaultServer } from '../../src/testing/index.js';

/** The three wire formats the official SDKs speak. */
export type SdkWire = 'chat' | 'responses' | 'messages';

/** Every SDK wire, with the provider id it gets and the healthy provider it fails over to. */
export const SDK_WIRES: ReadonlyArray<{ wire: SdkWire; id: string; backup: { wire: SdkWire; id: string } }> =
  [
    { wire: 'chat', id: 'openai-chat', backup: { wire: 'messages', id: 'anthropic' } },
    { wire: 'responses', id: 'openai-responses', backup: { wire: 'messages', id: 'anthropic' } },
    { wire: 'messages', id: 'anthropic', backup: { wire: 'chat', id: 'openai-chat' } },
  ];

/** The answer a provider streams: several words, so several deltas. */
/** A provider over the real SDK client of `wire`, pointed at provider `id` of the fault server (no SDK retries). */
export function sdkProvider(server: FaultServer, wire: SdkWire, id: string, priority: number): Provider {
  if (wire === 'messages') {
    const client = new Anthropic({ baseURL: server.baseURL(id, 'anthropic'), apiKey: 'test', maxRetries: 0 });
    return anthropicProvider({ client, model: 'claude-test', id, priority });
  }
  const client = new OpenAI({ baseURL: server.baseURL(id, 'openai'), apiKey: 'test', maxRetries: 0 });
  return openaiProvider({ client, model: 'gpt-test', id, priority, api: wire });
}

export const answerOf = (provider: string) => `Hello from ${provider}, one two three.`;

/** Timeouts small enough for fast tests, large enough for a healthy local answer on a busy machine. */
export const testTimeouts = { attemptMs: 1_000, totalMs: 6_000, firstTokenMs: 1_000, idleMs: 1_000 };

/** Picks a request's fault from its context and its arrival number at the server (1-based, per provider). */
export type ArrivalPicker = (ctx: FaultContext, arrival: number) => Fault | undefined;

/** A fault for the given attempts (1-based, per provider and call, from `x-attempt`); every attempt when omitted. */
export const faultOn =
  (fault: Fault, attempts?: readonly number[]): ArrivalPicker =>
  (ctx) =>
    attempts === undefined || attempts.includes(ctx.attempt) ? fault : undefined;

/** A fault for the first `count` requests a provider gets since the last reset, whatever the call. */
export const faultFirst =
  (fault: Fault, count: number): ArrivalPicker =>
  (_ctx, arrival) =>
    arrival <= count ? fault : undefined;

/** One attempt as `provider outcome→decision`, plus `[code]` when it has one: readable in failure diffs. */
export const pathOf = (attempts: readonly AttemptRecord[]) =>
  attempts.map((a) => `${a.provider} ${a.outcome}→${a.decision}${a.code ? ` [${a.code}]` : ''}`);

/** Reads a stream to its end; returns the tokens and the error it ended with, if any. */
export async function readStream(stream: AsyncIterable<string>) {
  const tokens: string[] = [];
  try {
    for await (const token of stream) tokens.push(token);
    return { tokens, error: undefined as unknown };
  } catch (error) {
    return { tokens, error };
  }
}

/** What an integration test works with. */
export interface SdkHarness {
  server: FaultServer;
  /** Fault picker per provider id; cleared by {@link SdkHarness.reset}. */
  plan: Map<string, ArrivalPicker>;
  /** Answer text per provider id, instead of {@link answerOf}; cleared by {@link SdkHarness.reset}. */
  texts: Map<string, string>;
  /** `performance.now()` of each request's arrival at the server, per provider id. */
  arrivals: Map<string, number[]>;
  /** An adapter over a real SDK client for `wire`, talking to the server as provider `id`. */
  provider(wire: SdkWire, id: string, priority: number): Provider;
  /** A client over `providers` with the test timeouts and fast retries; stopped by {@link SdkHarness.reset}. */
  client(providers: Provider[], options?: Partial<Omit<ResilientLLMOptions, 'providers'>>): ResilientLLM;
  /** Clears the plan, the arrivals and the server's log; stops the clients made since the last reset. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a fault server (127.0.0.1, ephemeral port), warms up every SDK path, and returns the harness. */
export async function startSdkHarness(): Promise<SdkHarness> {
  const plan: SdkHarness['plan'] = new Map();
  const arrivals: SdkHarness['arrivals'] = new Map();
  const texts: SdkHarness['texts'] = new Map();
  let clients: ResilientLLM[] = [];
  const server = await createFaultServer({
    scenario: {
      '*': {
        faults: (ctx) => {
          const seen = [...(arrivals.get(ctx.provider) ?? []), performance.now()];
          arrivals.set(ctx.provider, seen);
          return plan.get(ctx.provider)?.(ctx, seen.length);
        },
        text: (ctx) => texts.get(ctx.provider) ?? answerOf(ctx.provider),
      },
    },
  });

  const provider = (wire: SdkWire, id: string, priority: number) => sdkProvider(server, wire, id, priority);

  // Warm up each SDK path (module init, JIT, sockets) so the first test's deadlines measure no cold start.
  for (const { wire } of SDK_WIRES) {
    const llm = createResilientLLM({ providers: [provider(wire, 'warm-up', 0)] });
    await llm.call({ messages: [{ role: 'user', content: 'warm up' }] });
    for await (const _token of llm.stream({ messages: [{ role: 'user', content: 'warm up' }] }));
    await llm.stop();
  }
  arrivals.clear();
  server.reset();

  return {
    server,
    plan,
    texts,
    arrivals,
    provider,
    client: (providers, options = {}) => {
      const llm = createResilientLLM({
        providers,
        timeouts: testTimeouts,
        retry: { baseMs: 5, maxMs: 20 },
        ...options,
      });
      clients.push(llm);
      return llm;
    },
    reset: async () => {
      await Promise.all(clients.map((llm) => llm.stop()));
      clients = [];
      plan.clear();
      texts.clear();
      arrivals.clear();
      server.reset();
    },
    close: () => server.close(),
  };
}
