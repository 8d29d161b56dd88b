/**
 * Turns a provider stream's tool-call events (pieces by the wire's index, then each call once complete) into
 * the caller's {@link ToolCallStreamEvent}s: one `tool-call-start` per call once its id is known, its input
 * pieces as `tool-call-delta`, and `tool-call-end` with the parsed call. A call that arrives whole (a
 * provider without tool deltas) is told as start, one delta of its whole input, and end.
 */
import type { ProviderStreamEvent, ToolCall, ToolCallStreamEvent } from '../types.js';

interface OpenCall {
  id: string;
  name: string;
  started: boolean;
  /** Input pieces that came before the call's id was known. */
  pending: string;
}

/** One attempt's tool calls as caller events. */
export class ToolCallEvents {
  private readonly open = new Map<number, OpenCall>();

  /** The caller events for one piece of call `index` (none until its id is known). */
  delta(event: Extract<ProviderStreamEvent, { type: 'tool-call-delta' }>): ToolCallStreamEvent[] {
    let call = this.open.get(event.index);
    if (call === undefined) {
      call = { id: '', name: '', started: false, pending: '' };
      this.open.set(event.index, call);
    }
    if (event.id) call.id = event.id;
    if (event.name) call.name = event.name;
    if (call.started) {
      return event.inputDelta ? [{ type: 'tool-call-delta', id: call.id, inputDelta: event.inputDelta }] : [];
    }
    call.pending += event.inputDelta;
    return call.id ? this.start(call) : [];
  }

  /** The caller events for a complete call: its end, after whatever of it was not told yet. */
  complete(toolCall: ToolCall): ToolCallStreamEvent[] {
    const index = this.indexOf(toolCall.id);
    const end: ToolCallStreamEvent = { type: 'tool-call-end', toolCall };
    if (index === undefined) return wholeToolCallEvents([toolCall]);
    const call = this.open.get(index) as OpenCall;
    this.open.delete(index);
    if (call.started) return [end];
    call.id = toolCall.id;
    call.name = toolCall.name;
    return [...this.start(call), end];
  }

  private start(call: OpenCall): ToolCallStreamEvent[] {
    call.started = true;
    const events: ToolCallStreamEvent[] = [{ type: 'tool-call-start', id: call.id, name: call.name }];
    if (call.pending) events.push({ type: 'tool-call-delta', id: call.id, inputDelta: call.pending });
    call.pending = '';
    return events;
  }

  /** The open call with this id, else the first one whose id never came. */
  private indexOf(id: string): number | undefined {
    let anonymous: number | undefined;
    for (const [index, call] of this.open) {
      if (call.id === id) return index;
      if (!call.id && anonymous === undefined) anonymous = index;
    }
    return anonymous;
  }
}

/**
 * The events that tell whole tool calls: start, one delta of the whole input, end (a call that arrived whole,
 * or an answer that did not stream: cache, simplified prompt).
 */
export function wholeToolCallEvents(toolCalls: readonly ToolCall[]): ToolCallStreamEvent[] {
  return toolCalls.flatMap((toolCall): ToolCallStreamEvent[] => [
    { type: 'tool-call-start', id: toolCall.id, name: toolCall.name },
    { type: 'tool-call-delta', id: toolCall.id, inputDelta: JSON.stringify(toolCall.input ?? {}) },
    { type: 'tool-call-end', toolCall },
  ]);
}
