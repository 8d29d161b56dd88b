/**
 * What every wire encoder produces, and the helpers they share: SSE frames, ids, token estimates, deltas.
 */
import { unitDraw } from './schedule.js';

/** The answer a request gets, before it is put on a wire. */
export interface WireAnswer {
  /** Response id in the wire's own format (`chatcmpl-…`, `resp_…`, `msg_…`). */
  id: string;
  model: string;
  text: string;
  /** Unix seconds. */
  created: number;
  inputTokens: number;
  outputTokens: number;
  /** The answer was blocked by a content filter / refused. */
  filtered: boolean;
  /** Chat Completions streams: `stream_options.include_usage` was set. */
  includeUsage: boolean;
  /** Tool calls after the text. */
  toolCalls: ReadonlyArray<{ id: string; name: string; input: unknown }>;
}

/** A tool call's JSON arguments in two stream pieces (so clients must join deltas). */
export function argumentPieces(input: unknown): [string, string] {
  const json = JSON.stringify(input ?? {});
  const half = Math.ceil(json.length / 2);
  return [json.slice(0, half), json.slice(half)];
}

/**
 * One request's encoder: JSON body, or SSE frames (start, one per delta, then `end`: the frames closing the
 * text, the tool calls' frames, the finish; or an error frame).
 */
export interface WireEncoder {
  json(): unknown;
  start(): string[];
  delta(text: string): string;
  /** The frames after the text, in three runs: the tool calls' frames are `tools`, so a fault can cut them. */
  end(): { closeText: string[]; tools: string[]; finish: string[] };
  error(): string;
}

/** One SSE frame: optional `event:` line, one `data:` line of JSON, blank line. */
export function sseFrame(data: unknown, event?: string): string {
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`;
}

/** A deterministic id of `length` base-36 characters derived from the parts. */
export function stableId(length: number, ...parts: ReadonlyArray<string | number>): string {
  let id = '';
  for (let i = 0; id.length < length; i++) {
    id += Math.floor(unitDraw(...parts, i) * 36 ** 6)
      .toString(36)
      .padStart(6, '0');
  }
  return id.slice(0, length);
}

/** Rough token count (4 characters a token, at least 1), the usual estimate. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Splits text into stream deltas: one word with its trailing spaces each; joining them gives the text. */
export function splitDeltas(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? (text === '' ? [] : [text]);
}
