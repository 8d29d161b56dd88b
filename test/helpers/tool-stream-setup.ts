/**
 * A fault server whose answers call tools, and adapters over the official `openai` and `@anthropic-ai/sdk`
 * clients pointed at it: each test sets, per provider id, the answer's text, its tool calls and its fault.
 */
import type { LLMStreamEvent, Provider, ResilientLLM, ResilientLLMOptions } from '../../src/index.js';
import { createResilientLLM } from '../../src/index.js';
import type { Fault, FaultServer, FaultToolCall } from '../../src/testing/index.js';
import { createFaultServer } from '../../src/testing/index.js';
import { type SdkWire, sdkProvider } from './sdk-setup.js';

/** What one provider answers in the current test. */
export interface ToolPlan {
  text?: string;
  toolCalls?: readonly FaultToolCall[];
  fault?: Fault;
}

/** What a tool-streaming test works with. */
export interface ToolStreamHarness {
  server: FaultServer;
  /** Per provider id; cleared by `reset`. */
  plans: Map<string, ToolPlan>;
  provider(wire: SdkWire, id: string, priority: number): Provider;
  client(providers: Provider[], options?: Partial<Omit<ResilientLLMOptions, 'providers'>>): ResilientLLM;
  calls(id: string): number;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Frames of the tool calls each wire sends before its first argument piece is complete (see `afterToolFrames`). */
export const FRAMES_TO_FIRST_PIECE: Readonly<Record<SdkWire, number>> = {
  chat: 1,
  responses: 2,
  messages: 2,
};

export async function startToolStreamHarness(): Promise<ToolStreamHarness> {
  const plans = new Map<string, ToolPlan>();
  let clients: ResilientLLM[] = [];
  const server = await createFaultServer({
    scenario: {
      '*': {
        faults: (ctx) => plans.get(ctx.provider)?.fault,
        text: (ctx) => plans.get(ctx.provider)?.text ?? `Hello from ${ctx.provider}.`,
        toolCalls: (ctx) => plans.get(ctx.provider)?.toolCalls,
      },
    },
  });
  const provider = (wire: SdkWire, id: string, priority: number) => sdkProvider(server, wire, id, priority);
  return {
    server,
    plans,
    provider,
    client: (providers, options = {}) => {
      const llm = createResilientLLM({
        providers,
        timeouts: { attemptMs: 10_000, totalMs: 15_000, firstTokenMs: 5_000, idleMs: 5_000 },
        retry: { baseMs: 5, maxMs: 20 },
        ...options,
      });
      clients.push(llm);
      return llm;
    },
    calls: (id) => server.stats().providers[id]?.calls ?? 0,
    reset: async () => {
      await Promise.all(clients.map((llm) => llm.stop()));
      clients = [];
      plans.clear();
      server.reset();
    },
    close: () => server.close(),
  };
}

/** Reads events until `stop` says so (then cancels the stream) or the stream ends; keeps the error it ended with. */
export async function readEvents(
  events: AsyncIterable<LLMStreamEvent>,
  stop: (seen: readonly LLMStreamEvent[]) => boolean = () => false,
): Promise<{ events: LLMStreamEvent[]; error: unknown }> {
  const seen: LLMStreamEvent[] = [];
  try {
    for await (const event of events) {
      seen.push(event);
      if (stop(seen)) break;
    }
    return { events: seen, error: undefined };
  } catch (error) {
    return { events: seen, error };
  }
}

/** The events without the text, as short strings: `start call_1 weather`, `delta call_1 {"ci`, `end call_1`. */
export function toolSteps(events: readonly LLMStreamEvent[]): string[] {
  return events.flatMap((e) => {
    if (e.type === 'tool-call-start') return [`start ${e.id} ${e.name}`];
    if (e.type === 'tool-call-delta') return [`delta ${e.id} ${e.inputDelta}`];
    if (e.type === 'tool-call-end') return [`end ${e.toolCall.id}`];
    return [];
  });
}
