/**
 * OpenAI wire formats: Chat Completions and Responses, as JSON bodies and SSE event sequences.
 */
import type { WireAnswer, WireEncoder } from './wire.js';
import { sseFrame } from './wire.js';

function chatUsage(a: WireAnswer) {
  return {
    prompt_tokens: a.inputTokens,
    completion_tokens: a.outputTokens,
    total_tokens: a.inputTokens + a.outputTokens,
  };
}

/** Chat Completions (`POST /v1/chat/completions`). */
export function chatEncoder(a: WireAnswer): WireEncoder {
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    sseFrame({
      id: a.id,
      object: 'chat.completion.chunk',
      created: a.created,
      model: a.model,
      system_fingerprint: 'fp_faultserver',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
  return {
    json: () => ({
      id: a.id,
      object: 'chat.completion',
      created: a.created,
      model: a.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: a.filtered ? null : a.text, refusal: null },
          logprobs: null,
          finish_reason: a.filtered ? 'content_filter' : 'stop',
        },
      ],
      usage: chatUsage(a),
      system_fingerprint: 'fp_faultserver',
    }),
    start: () => [chunk({ role: 'assistant', content: '', refusal: null }, null)],
    delta: (text) => chunk({ content: text }, null),
    end: () => {
      const frames = [chunk({}, a.filtered ? 'content_filter' : 'stop')];
      if (a.includeUsage) {
        frames.push(
          sseFrame({
            id: a.id,
            object: 'chat.completion.chunk',
            created: a.created,
            model: a.model,
            choices: [],
            usage: chatUsage(a),
          }),
        );
      }
      frames.push('data: [DONE]\n\n');
      return frames;
    },
    error: () =>
      sseFrame({
        error: {
          message: 'The server had an error while processing your request. Sorry about that!',
          type: 'server_error',
          param: null,
          code: null,
        },
      }),
  };
}

/** Responses (`POST /v1/responses`). */
export function responsesEncoder(a: WireAnswer): WireEncoder {
  let seq = 0;
  const itemId = `msg_${a.id.slice(5)}`;
  const response = (status: string, done: boolean) => ({
    id: a.id,
    object: 'response',
    created_at: a.created,
    status,
    error: null,
    incomplete_details: a.filtered && done ? { reason: 'content_filter' } : null,
    model: a.model,
    output:
      done && !a.filtered
        ? [
            {
              type: 'message',
              id: itemId,
              status: 'completed',
              role: 'assistant',
              content: [{ type: 'output_text', text: a.text, annotations: [] }],
            },
          ]
        : [],
    usage: done
      ? {
          input_tokens: a.inputTokens,
          output_tokens: a.outputTokens,
          total_tokens: a.inputTokens + a.outputTokens,
        }
      : null,
  });
  const event = (type: string, fields: Record<string, unknown>) =>
    sseFrame({ type, sequence_number: seq++, ...fields }, type);
  const finalStatus = a.filtered ? 'incomplete' : 'completed';
  return {
    json: () => response(finalStatus, true),
    start: () => [
      event('response.created', { response: response('in_progress', false) }),
      event('response.in_progress', { response: response('in_progress', false) }),
    ],
    delta: (text) =>
      event('response.output_text.delta', {
        item_id: itemId,
        output_index: 0,
        content_index: 0,
        delta: text,
      }),
    end: () => [event(`response.${finalStatus}`, { response: response(finalStatus, true) })],
    error: () =>
      event('error', {
        error: {
          type: 'server_error',
          code: 'server_error',
          message:
            'An error occurred while processing your request. You can retry your request, or contact us through our help center at help.openai.com if the error persists.',
          param: null,
        },
      }),
  };
}
