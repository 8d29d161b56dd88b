/**
 * `doStream`: a resilient-llm stream as V3 stream parts. `stream-start` (with the mapping's warnings), then
 * `text-start`/`text-delta`/`text-end` as tokens arrive, the tool calls (`tool-input-start`/`-delta`/`-end`
 * and `tool-call`), `response-metadata`, and `finish` with the usage summed over the call and
 * `providerMetadata['resilient-llm']`. A failure becomes an `error` part holding the `LLMError` (its type and
 * status kept), then a `finish` with reason `error`. Cancelling the stream aborts the call.
 */
import type { LanguageModelV3StreamPart, SharedV3Warning } from '@ai-sdk/provider';
import type { CallResult } from '../client/call-request.js';
import type { LLMStream } from '../client/token-stream.js';
import { LLMError } from '../errors/llm-error.js';
import { toProviderMetadata, toV3FinishReason, toV3ToolCall, toV3Usage } from './result.js';

const TEXT_ID = 'text-0';

/** The parts after the text: tool calls, response metadata, and the finish part. */
function* closingParts(result: CallResult): Generator<LanguageModelV3StreamPart> {
  for (const call of result.toolCalls) {
    const part = toV3ToolCall(call);
    yield { type: 'tool-input-start', id: call.id, toolName: call.name };
    yield { type: 'tool-input-delta', id: call.id, delta: part.input };
    yield { type: 'tool-input-end', id: call.id };
    yield part;
  }
  yield {
    type: 'response-metadata',
    id: result.requestId,
    ...(result.model ? { modelId: result.model } : {}),
  };
  yield {
    type: 'finish',
    usage: toV3Usage(result.usage),
    finishReason: toV3FinishReason(result),
    providerMetadata: toProviderMetadata(result),
  };
}

/** V3 stream parts of one resilient-llm stream. */
async function* streamParts(
  stream: LLMStream,
  tokens: AsyncIterator<string>,
  warnings: SharedV3Warning[],
): AsyncGenerator<LanguageModelV3StreamPart> {
  yield { type: 'stream-start', warnings };
  let started = false;
  try {
    for (let next = await tokens.next(); !next.done; next = await tokens.next()) {
      if (!started) yield { type: 'text-start', id: TEXT_ID };
      started = true;
      yield { type: 'text-delta', id: TEXT_ID, delta: next.value };
    }
    const result = await stream.result;
    if (started) yield { type: 'text-end', id: TEXT_ID };
    // The source is known only at the end: a degraded answer says so in the finish part's metadata.
    yield* closingParts(result);
  } catch (error) {
    if (started) yield { type: 'text-end', id: TEXT_ID };
    yield {
      type: 'error',
      error: LLMError.is(error) ? error : new LLMError({ type: 'unknown', cause: error }),
    };
    yield { type: 'finish', usage: toV3Usage(undefined), finishReason: { unified: 'error', raw: undefined } };
  }
}

/** A pull-driven `ReadableStream` of V3 parts over `stream`; cancelling it aborts the call. */
export function toV3Stream(
  stream: LLMStream,
  warnings: SharedV3Warning[],
): ReadableStream<LanguageModelV3StreamPart> {
  const tokens = stream[Symbol.asyncIterator]();
  const parts = streamParts(stream, tokens, warnings);
  return new ReadableStream<LanguageModelV3StreamPart>({
    async pull(controller) {
      const next = await parts.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      // Ends the token iterator, which aborts the call; the parts generator is left to the garbage collector.
      await tokens.return?.();
    },
  });
}
