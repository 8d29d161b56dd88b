/**
 * Anthropic Messages wire format (`POST /v1/messages`), as a JSON body and the SSE event sequence.
 */
import type { WireAnswer, WireEncoder } from './wire.js';
import { argumentPieces, sseFrame } from './wire.js';

/** Anthropic Messages. A filtered answer ends with `stop_reason: 'refusal'`. */
export function messagesEncoder(a: WireAnswer): WireEncoder {
  const stopReason = a.filtered ? 'refusal' : a.toolCalls.length > 0 ? 'tool_use' : 'end_turn';
  const toolUse = a.toolCalls.map((c) => ({
    type: 'tool_use',
    id: c.id,
    name: c.name,
    input: c.input ?? {},
  }));
  const event = (type: string, fields: Record<string, unknown>) => sseFrame({ type, ...fields }, type);
  return {
    json: () => ({
      id: a.id,
      type: 'message',
      role: 'assistant',
      model: a.model,
      content: a.filtered ? [] : [{ type: 'text', text: a.text }, ...toolUse],
      stop_reason: stopReason,
      stop_sequence: null,
      usage: { input_tokens: a.inputTokens, output_tokens: a.outputTokens },
    }),
    start: () => [
      event('message_start', {
        message: {
          id: a.id,
          type: 'message',
          role: 'assistant',
          model: a.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: a.inputTokens, output_tokens: 1 },
        },
      }),
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      event('ping', {}),
    ],
    delta: (text) => event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
    end: () => ({
      closeText: [event('content_block_stop', { index: 0 })],
      tools: a.toolCalls.flatMap((c, i) => {
        const [first, second] = argumentPieces(c.input);
        return [
          event('content_block_start', {
            index: i + 1,
            content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} },
          }),
          event('content_block_delta', {
            index: i + 1,
            delta: { type: 'input_json_delta', partial_json: first },
          }),
          event('content_block_delta', {
            index: i + 1,
            delta: { type: 'input_json_delta', partial_json: second },
          }),
          event('content_block_stop', { index: i + 1 }),
        ];
      }),
      finish: [
        event('message_delta', {
          delta: { stop_reason: stopReason, stop_sequence: null },
          usage: { output_tokens: a.outputTokens },
        }),
        event('message_stop', {}),
      ],
    }),
    error: () => event('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }),
  };
}
