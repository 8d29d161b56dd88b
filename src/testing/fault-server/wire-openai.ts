/**
 * OpenAI wire formats: Chat Completions and Responses, as JSON bodies and SSE event sequences.
 */
import type { WireAnswer, WireEncoder } from './wire.js';
import { argumentPieces, sseFrame } from './wire.js';

function chatUsage(a: WireAnswer) {
  return {
    prompt_tokens: a.inputTokens,
    completion_tokens: a.outputTokens,
    total_tokens: a.inputTokens + a.outputTokens,
  };
}

/** Chat Completions (`POST /v1/chat/completions`). */
export function chatEncoder(a: WireAnswer): WireEncoder {
  const chatFinish = a.filtered ? 'content_filter' : a.toolCalls.length > 0 ? 'tool_calls' : 'stop';
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
          message: {
            role: 'assistant',
            content: a.filtered ? null : a.text,
            refusal: null,
            ...(a.toolCalls.length > 0
              ? {
                  tool_calls: a.toolCalls.map((c) => ({
                    id: c.id,
                    type: 'function',
                    function: { name: c.name, arguments: JSON.stringify(c.input ?? {}) },
                  })),
                }
              : {}),
          },
          logprobs: null,
          finish_reason: chatFinish,
        },
      ],
      usage: chatUsage(a),
      system_fingerprint: 'fp_faultserver',
    }),
    start: () => [chunk({ role: 'assistant', content: '', refusal: null }, null)],
    delta: (text) => chunk({ content: text }, null),
    end: () => {
      const tools: string[] = [];
      a.toolCalls.forEach((c, index) => {
        const [first, second] = argumentPieces(c.input);
        tools.push(
          chunk(
            {
              tool_calls: [
                { index, id: c.id, type: 'function', function: { name: c.name, arguments: first } },
              ],
            },
            null,
          ),
          chunk({ tool_calls: [{ index, function: { arguments: second } }] }, null),
        );
      });
      const finish = [chunk({}, chatFinish)];
      if (a.includeUsage) {
        finish.push(
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
      finish.push('data: [DONE]\n\n');
      return { closeText: [], tools, finish };
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
            ...a.toolCalls.map(functionCall),
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
  const functionCall = (c: WireAnswer['toolCalls'][number], i: number) => ({
    type: 'function_call',
    id: `fc_${i}_${a.id.slice(5)}`,
    call_id: c.id,
    name: c.name,
    arguments: JSON.stringify(c.input ?? {}),
    status: 'completed',
  });
  const callEvents = () =>
    a.toolCalls.flatMap((c, i) => {
      const item = functionCall(c, i);
      const [first, second] = argumentPieces(c.input);
      const where = { item_id: item.id, output_index: i + 1 };
      return [
        event('response.output_item.added', {
          output_index: i + 1,
          item: { ...item, arguments: '', status: 'in_progress' },
        }),
        event('response.function_call_arguments.delta', { ...where, delta: first }),
        event('response.function_call_arguments.delta', { ...where, delta: second }),
        event('response.output_item.done', { output_index: i + 1, item }),
      ];
    });
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
    end: () => ({
      closeText: [],
      tools: callEvents(),
      finish: [event(`response.${finalStatus}`, { response: response(finalStatus, true) })],
    }),
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
