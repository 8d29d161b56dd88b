/**
 * `streamText` from the real `ai` package with a tool, over `createResilientModel` and the official SDK clients
 * at the fault server: the tool call's input parts arrive in order as the provider streams them (not after
 * the answer), and a stream that breaks within a tool call ends with an error part, no `tool-call` and no
 * failover.
 */
import { streamText, type TextStreamPart, tool } from 'ai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createResilientModel } from '../src/ai-sdk/index.js';
import { LLMError } from '../src/index.js';
import { SDK_WIRES } from './helpers/sdk-setup.js';
import {
  FRAMES_TO_FIRST_PIECE,
  startToolStreamHarness,
  type ToolStreamHarness,
} from './helpers/tool-stream-setup.js';

let h: ToolStreamHarness;
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
beforeAll(async () => {
  h = await startToolStreamHarness();
});
afterEach(() => h.reset());
afterAll(() => h.close());

const paris = { id: 'call_paris', name: 'weather', input: { city: 'Paris' } };
const tools = {
  weather: tool({
    description: 'The weather in a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => ({ city, tempC: 21 }),
  }),
};
const json = JSON.stringify(paris.input);
const [firstHalf, secondHalf] = [
  json.slice(0, Math.ceil(json.length / 2)),
  json.slice(Math.ceil(json.length / 2)),
];

/** The question every test streams: the weather tool, no AI SDK retries (resilient-llm retries). */
function askWeather(model: Parameters<typeof streamText>[0]['model'], extra: { onError?: () => void } = {}) {
  return streamText({ model, tools, prompt: 'Weather in Paris?', maxRetries: 0, ...extra });
}

/** A part as a short string: its type, plus what matters for tool parts. */
function label(part: TextStreamPart<typeof tools>): string {
  if (part.type === 'tool-input-start') return `tool-input-start ${part.id} ${part.toolName}`;
  if (part.type === 'tool-input-delta') return `tool-input-delta ${part.id} ${part.delta}`;
  if (part.type === 'tool-input-end') return `tool-input-end ${part.id}`;
  if (part.type === 'tool-call') return `tool-call ${part.toolCallId} ${JSON.stringify(part.input)}`;
  if (part.type === 'tool-result') return `tool-result ${part.toolCallId} ${JSON.stringify(part.output)}`;
  return part.type;
}

/** The parts' labels until `stop` says so (then the stream is cancelled) or the stream ends. */
async function labels(
  stream: AsyncIterable<TextStreamPart<typeof tools>>,
  stop: (label: string) => boolean = () => false,
): Promise<{ seen: string[]; errors: unknown[] }> {
  const seen: string[] = [];
  const errors: unknown[] = [];
  for await (const part of stream) {
    if (part.type === 'error') errors.push(part.error);
    // Consecutive text deltas as one entry: how a text is split into deltas is the provider's business.
    const name = label(part);
    if (name !== 'text-delta' || seen.at(-1) !== 'text-delta') seen.push(name);
    if (stop(name)) break;
  }
  return { seen, errors };
}

describe.each(SDK_WIRES)('streamText with a tool over the $wire SDK client', ({ wire, id, backup }) => {
  it("emits the tool call's input parts in order as they stream, then the tool call and the finish", async () => {
    h.plans.set(id, { text: 'Let me check. ', toolCalls: [paris] });
    const model = createResilientModel(h.client([h.provider(wire, id, 0)]));
    const result = askWeather(model);
    const { seen, errors } = await labels(result.fullStream);
    expect(errors).toEqual([]);
    expect(seen.filter((l) => !['start', 'start-step', 'finish-step', 'finish'].includes(l))).toEqual([
      'text-start',
      'text-delta',
      'text-end',
      `tool-input-start ${paris.id} weather`,
      `tool-input-delta ${paris.id} ${firstHalf}`,
      `tool-input-delta ${paris.id} ${secondHalf}`,
      `tool-input-end ${paris.id}`,
      `tool-call ${paris.id} ${json}`,
      `tool-result ${paris.id} ${JSON.stringify({ city: 'Paris', tempC: 21 })}`,
    ]);
    expect(seen.at(-1)).toBe('finish');
    expect(await result.finishReason).toBe('tool-calls');
    expect(await result.text).toBe('Let me check. ');
  });

  it('shows the tool call and its first input piece while the provider is still streaming it', async () => {
    // The server stalls within the call: a part that waited for the whole answer would never come.
    h.plans.set(id, {
      text: 'Let me check. ',
      toolCalls: [paris],
      fault: { kind: 'stall', afterToolFrames: FRAMES_TO_FIRST_PIECE[wire] },
    });
    const model = createResilientModel(h.client([h.provider(wire, id, 0)]));
    const result = askWeather(model, { onError: () => {} });
    const { seen } = await labels(result.fullStream, (l) => l.startsWith('tool-input-delta'));
    expect(seen.slice(-2)).toEqual([
      `tool-input-start ${paris.id} weather`,
      `tool-input-delta ${paris.id} ${firstHalf}`,
    ]);
    expect(seen).toContain('text-end');
  });

  it('ends with an error part and no tool call when the provider breaks within the tool call', async () => {
    h.plans.set(id, {
      text: '',
      toolCalls: [paris],
      fault: { kind: 'sse_error', afterToolFrames: FRAMES_TO_FIRST_PIECE[wire] },
    });
    h.plans.set(backup.id, { text: 'From the backup.' });
    const model = createResilientModel(
      h.client([h.provider(wire, id, 0), h.provider(backup.wire, backup.id, 1)]),
    );
    const result = askWeather(model, { onError: () => {} });
    const { seen, errors } = await labels(result.fullStream);
    expect(seen.filter((l) => l.startsWith('tool-') || l.startsWith('text') || l === 'error')).toEqual([
      `tool-input-start ${paris.id} weather`,
      `tool-input-delta ${paris.id} ${firstHalf}`,
      'error',
    ]);
    expect(errors).toHaveLength(1);
    expect(LLMError.is(errors[0]) && errors[0].type).toBe('provider_error');
    expect([h.calls(id), h.calls(backup.id)]).toEqual([1, 0]);
  });
});
