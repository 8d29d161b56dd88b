/**
 * Tool-call events of `llm.stream().events()` without a network: how provider tool deltas become caller
 * events (ids that come late, calls that arrive whole, calls told apart by id), and the paths that stream no
 * deltas — a scripted provider's whole calls and a provider without `stream`.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { ToolCallEvents } from '../src/client/tool-call-events.js';
import { sleep } from '../src/clock.js';
import { createResilientLLM, type LLMStreamEvent, type Provider } from '../src/index.js';
import { settleWithClock } from '../src/testing/drive-clock.js';
import { faultyProvider } from '../src/testing/faulty-provider.js';

const ask = { messages: [{ role: 'user' as const, content: 'Weather?' }] };
const oslo = { id: 'call_oslo', name: 'weather', input: { city: 'Oslo' } };

async function eventsOf(provider: Provider): Promise<LLMStreamEvent[]> {
  const llm = createResilientLLM({ providers: [provider] });
  const events: LLMStreamEvent[] = [];
  for await (const event of llm.stream(ask).events()) events.push(event);
  await llm.stop();
  return events;
}

describe('ToolCallEvents', () => {
  it('holds input pieces back until the call has an id, then starts it with them', () => {
    const tools = new ToolCallEvents();
    expect(tools.delta({ type: 'tool-call-delta', index: 0, inputDelta: '{"ci' })).toEqual([]);
    expect(
      tools.delta({ type: 'tool-call-delta', index: 0, id: 'c1', name: 'weather', inputDelta: 'ty":' }),
    ).toEqual([
      { type: 'tool-call-start', id: 'c1', name: 'weather' },
      { type: 'tool-call-delta', id: 'c1', inputDelta: '{"city":' },
    ]);
    expect(tools.delta({ type: 'tool-call-delta', index: 0, inputDelta: '"Oslo"}' })).toEqual([
      { type: 'tool-call-delta', id: 'c1', inputDelta: '"Oslo"}' },
    ]);
    const call = { id: 'c1', name: 'weather', input: { city: 'Oslo' } };
    expect(tools.complete(call)).toEqual([{ type: 'tool-call-end', toolCall: call }]);
  });

  it('tells an empty first piece as the start alone', () => {
    const tools = new ToolCallEvents();
    expect(
      tools.delta({ type: 'tool-call-delta', index: 1, id: 'c2', name: 'lookup', inputDelta: '' }),
    ).toEqual([{ type: 'tool-call-start', id: 'c2', name: 'lookup' }]);
  });

  it('ends each open call by its id, whatever the order', () => {
    const tools = new ToolCallEvents();
    tools.delta({ type: 'tool-call-delta', index: 0, id: 'a', name: 'one', inputDelta: '{}' });
    tools.delta({ type: 'tool-call-delta', index: 1, id: 'b', name: 'two', inputDelta: '{}' });
    const b = { id: 'b', name: 'two', input: {} };
    const a = { id: 'a', name: 'one', input: {} };
    expect(tools.complete(b)).toEqual([{ type: 'tool-call-end', toolCall: b }]);
    expect(tools.complete(a)).toEqual([{ type: 'tool-call-end', toolCall: a }]);
  });

  it('starts a call whose id never came when it completes, with the pieces it held', () => {
    const tools = new ToolCallEvents();
    expect(tools.delta({ type: 'tool-call-delta', index: 0, inputDelta: '{"q":1}' })).toEqual([]);
    const call = { id: 'late', name: 'search', input: { q: 1 } };
    expect(tools.complete(call)).toEqual([
      { type: 'tool-call-start', id: 'late', name: 'search' },
      { type: 'tool-call-delta', id: 'late', inputDelta: '{"q":1}' },
      { type: 'tool-call-end', toolCall: call },
    ]);
  });

  it('tells a call that arrives whole as start, its whole input, and end', () => {
    expect(new ToolCallEvents().complete(oslo)).toEqual([
      { type: 'tool-call-start', id: oslo.id, name: 'weather' },
      { type: 'tool-call-delta', id: oslo.id, inputDelta: '{"city":"Oslo"}' },
      { type: 'tool-call-end', toolCall: oslo },
    ]);
  });
});

describe('llm.stream().events() without tool deltas', () => {
  const whole: LLMStreamEvent[] = [
    { type: 'text', text: 'Checking ' },
    { type: 'text', text: 'Oslo. ' },
    { type: 'tool-call-start', id: oslo.id, name: 'weather' },
    { type: 'tool-call-delta', id: oslo.id, inputDelta: '{"city":"Oslo"}' },
    { type: 'tool-call-end', toolCall: oslo },
  ];

  it("tells a streaming provider's whole tool calls after its text", async () => {
    const provider = faultyProvider({
      id: 'alpha',
      script: [{ text: 'Checking Oslo. ', toolCalls: [oslo] }],
    });
    expect(await eventsOf(provider)).toEqual(whole);
  });

  it("tells a provider without stream its answer's text and tool calls", async () => {
    const scripted = faultyProvider({
      id: 'alpha',
      script: [{ text: 'Checking Oslo. ', toolCalls: [oslo] }],
    });
    const provider: Provider = { id: 'alpha', call: (request, options) => scripted.call(request, options) };
    expect(await eventsOf(provider)).toEqual([{ type: 'text', text: 'Checking Oslo. ' }, ...whole.slice(2)]);
  });
});

describe('streamed tool calls and the stream deadlines', () => {
  it('counts a tool-call piece as a token: a slow tool-only answer meets the first-token and idle deadlines', async () => {
    const clock = new SimulatedClock();
    // Starts the call at once, then sends a piece every 600 ms: past firstTokenMs, and past idleMs in total.
    const slowTool: Provider = {
      id: 'slow',
      async *stream(_request, options) {
        yield { type: 'tool-call-delta', index: 0, id: oslo.id, name: 'weather', inputDelta: '' };
        for (const piece of ['{"city":', '"Oslo"}']) {
          await sleep(clock, 600, options.signal);
          yield { type: 'tool-call-delta', index: 0, inputDelta: piece };
        }
        await sleep(clock, 600, options.signal);
        yield { type: 'tool-call', toolCall: oslo };
        yield { type: 'done', finishReason: 'tool-calls' };
      },
      call: () => Promise.reject(new Error('not called: the call streams')),
    };
    const llm = createResilientLLM({
      providers: [slowTool],
      clock,
      timeouts: { firstTokenMs: 100, idleMs: 1_000, attemptMs: 10_000, totalMs: 20_000 },
    });
    const stream = llm.stream(ask);
    const settled = await settleWithClock(stream.result, clock);
    expect(settled.ok).toBe(true);
    if (!settled.ok) return;
    expect(settled.value.toolCalls).toEqual([oslo]);
    expect(settled.value.attempts.map((a) => a.outcome)).toEqual(['success']);
    expect(settled.at).toBe(1_800);
    await llm.stop();
  });
});
