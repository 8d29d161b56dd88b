/**
 * Integration: tool calls through `llm.stream().events()` over the official `openai` (Chat Completions and
 * Responses) and `@anthropic-ai/sdk` clients against the fault server: each call told as start, input pieces
 * and end as the provider streams it, the plain iterator left to text, and a stream that breaks within a tool
 * call ending with its error instead of failing over (the next provider's answer never follows half a call).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LLMError, type LLMStreamEvent } from '../src/index.js';
import { SDK_WIRES } from './helpers/sdk-setup.js';
import {
  FRAMES_TO_FIRST_PIECE,
  readEvents,
  startToolStreamHarness,
  type ToolStreamHarness,
  toolSteps,
} from './helpers/tool-stream-setup.js';

let h: ToolStreamHarness;
beforeAll(async () => {
  h = await startToolStreamHarness();
});
afterEach(() => h.reset());
afterAll(() => h.close());

const ask = { messages: [{ role: 'user' as const, content: 'Weather in Paris and Rome?' }] };
const paris = { id: 'call_paris', name: 'weather', input: { city: 'Paris' } };
const rome = { id: 'call_rome', name: 'weather', input: { city: 'Rome', unit: 'C' } };
const halves = (input: unknown): [string, string] => {
  const json = JSON.stringify(input);
  return [json.slice(0, Math.ceil(json.length / 2)), json.slice(Math.ceil(json.length / 2))];
};
const textOf = (events: readonly LLMStreamEvent[]) =>
  events.map((e) => (e.type === 'text' ? e.text : '')).join('');

describe.each(SDK_WIRES)('tool calls in llm.stream over the $wire SDK client', ({ wire, id, backup }) => {
  it('tells each tool call as start, input pieces and end, and the result holds the same calls', async () => {
    h.plans.set(id, { text: 'Checking both. ', toolCalls: [paris, rome] });
    const stream = h.client([h.provider(wire, id, 0)]).stream(ask);
    const { events, error } = await readEvents(stream.events());
    expect(error).toBeUndefined();
    expect(textOf(events)).toBe('Checking both. ');
    // Every text token comes before the first tool event (the server sends the text first).
    const firstTool = events.findIndex((e) => e.type !== 'text');
    expect(events.slice(firstTool).every((e) => e.type !== 'text')).toBe(true);
    for (const call of [paris, rome]) {
      const [first, second] = halves(call.input);
      expect(toolSteps(events).filter((s) => s.split(' ')[1] === call.id)).toEqual([
        `start ${call.id} weather`,
        `delta ${call.id} ${first}`,
        `delta ${call.id} ${second}`,
        `end ${call.id}`,
      ]);
    }
    const ends = events.flatMap((e) => (e.type === 'tool-call-end' ? [e.toolCall] : []));
    expect(ends).toEqual([paris, rome]);
    const result = await stream.result;
    expect(result.toolCalls).toEqual([paris, rome]);
    expect(result.finishReason).toBe('tool-calls');
  });

  it("tells a tool call's start and first input piece while the provider is still streaming it", async () => {
    // The server stops within the call and stays silent: what arrived must already have reached the caller.
    h.plans.set(id, {
      text: 'One moment. ',
      toolCalls: [paris],
      fault: { kind: 'stall', afterToolFrames: FRAMES_TO_FIRST_PIECE[wire] },
    });
    const stream = h.client([h.provider(wire, id, 0)]).stream(ask);
    const { events, error } = await readEvents(stream.events(), (seen) =>
      seen.some((e) => e.type === 'tool-call-delta'),
    );
    expect(error).toBeUndefined();
    expect(textOf(events)).toBe('One moment. ');
    expect(toolSteps(events)).toEqual([
      `start ${paris.id} weather`,
      `delta ${paris.id} ${halves(paris.input)[0]}`,
    ]);
    await expect(stream.result).rejects.toMatchObject({ type: 'aborted' });
  });

  it('keeps the plain iterator to text tokens when the answer calls tools', async () => {
    h.plans.set(id, { text: 'Checking. ', toolCalls: [paris] });
    const stream = h.client([h.provider(wire, id, 0)]).stream(ask);
    const tokens: string[] = [];
    for await (const token of stream) tokens.push(token);
    expect(tokens.every((t) => typeof t === 'string')).toBe(true);
    expect(tokens.join('')).toBe('Checking. ');
    expect((await stream.result).toolCalls).toEqual([paris]);
  });

  it('fails over before anything streamed and tells only the next provider’s tool call', async () => {
    h.plans.set(id, { text: '', toolCalls: [rome], fault: { kind: '503' } });
    h.plans.set(backup.id, { text: '', toolCalls: [paris] });
    const stream = h.client([h.provider(wire, id, 0), h.provider(backup.wire, backup.id, 1)]).stream(ask);
    const { events, error } = await readEvents(stream.events());
    expect(error).toBeUndefined();
    const [first, second] = halves(paris.input);
    expect(toolSteps(events)).toEqual([
      `start ${paris.id} weather`,
      `delta ${paris.id} ${first}`,
      `delta ${paris.id} ${second}`,
      `end ${paris.id}`,
    ]);
    expect((await stream.result).provider).toBe(backup.id);
  });

  it.each([false, true])(
    'ends with the error, not the next provider’s answer, when the stream breaks within a tool call (resumeOnFailure: %s)',
    async (resumeOnFailure) => {
      // No text: only the half tool call reached the caller, and it alone commits the stream.
      h.plans.set(id, {
        text: '',
        toolCalls: [rome],
        fault: { kind: 'sse_error', afterToolFrames: FRAMES_TO_FIRST_PIECE[wire] },
      });
      h.plans.set(backup.id, { text: '', toolCalls: [paris] });
      const llm = h.client([h.provider(wire, id, 0), h.provider(backup.wire, backup.id, 1)]);
      const stream = llm.stream({ ...ask, resumeOnFailure });
      const { events, error } = await readEvents(stream.events());
      expect(toolSteps(events)).toEqual([
        `start ${rome.id} weather`,
        `delta ${rome.id} ${halves(rome.input)[0]}`,
      ]);
      if (!LLMError.is(error)) throw new Error(`expected an LLMError, got ${String(error)}`);
      expect(error).toMatchObject({ type: 'provider_error', provider: id });
      await expect(stream.result).rejects.toBe(error);
      // No silent retry, no failover: the half call is the last thing the caller saw.
      expect([h.calls(id), h.calls(backup.id)]).toEqual([1, 0]);
    },
  );
});
