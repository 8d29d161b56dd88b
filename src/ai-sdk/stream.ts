/**
 * `doStream`: a resilient-llm stream as V3 stream parts, in the order the provider streamed them. `stream-start`
 * (with the mapping's warnings), then `text-start`/`text-delta`/`text-end` as tokens arrive and each tool call
 * as `tool-input-start`/`-delta`/`-end` and `tool-call` as it arrives (a text block is ended before a tool call;
 * text after it opens a new block), `response-metadata`, and `finish` with the usage summed over the call and
 * `providerMetadata['resilient-llm']`. A failure becomes an `error` part holding the `LLMError` (its type and
 * status kept), then a `finish` with reason `error`; a tool call the failure cut off gets no `tool-call`.
 * Cancelling the stream aborts the call.
 */
import type { LanguageModelV3StreamPart, SharedV3Warning } from '@ai-sdk/provider';
import type { CallResult } from '../client/call-request.js';
import type { LLMStream } from '../client/token-stream.js';
import { LLMError } from '../errors/llm-error.js';
import type { LLMStreamEvent } from '../types.js';
import { toProviderMetadata, toV3FinishReason, toV3ToolCall, toV3Usage } from './result.js';

/** The parts after the answer: response metadata, and the finish part. */
function* closingParts(result: CallResult): Generator<LanguageModelV3StreamPart> {
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

/** Maps events to parts, keeping track of the open text block. */
class PartMapper {
  private blocks = 0;
  private textId: string | undefined;

  *map(event: LLMStreamEvent): Generator<LanguageModelV3StreamPart> {
    if (event.type === 'text') {
      if (this.textId === undefined) {
        this.textId = `text-${this.blocks++}`;
        yield { type: 'text-start', id: this.textId };
      }
      yield { type: 'text-delta', id: this.textId, delta: event.text };
      return;
    }
    yield* this.endText();
    if (event.type === 'tool-call-start') {
      yield { type: 'tool-input-start', id: event.id, toolName: event.name };
    } else if (event.type === 'tool-call-delta') {
      yield { type: 'tool-input-delta', id: event.id, delta: event.inputDelta };
    } else {
      yield { type: 'tool-input-end', id: event.toolCall.id };
      yield toV3ToolCall(event.toolCall);
    }
  }

  *endText(): Generator<LanguageModelV3StreamPart> {
    if (this.textId !== undefined) yield { type: 'text-end', id: this.textId };
    this.textId = undefined;
  }
}

/** V3 stream parts of one resilient-llm stream. */
async function* streamParts(
  stream: LLMStream,
  events: AsyncIterator<LLMStreamEvent>,
  warnings: SharedV3Warning[],
): AsyncGenerator<LanguageModelV3StreamPart> {
  yield { type: 'stream-start', warnings };
  const parts = new PartMapper();
  try {
    for (let next = await events.next(); !next.done; next = await events.next()) yield* parts.map(next.value);
    const result = await stream.result;
    yield* parts.endText();
    // The source is known only at the end: a degraded answer says so in the finish part's metadata.
    yield* closingParts(result);
  } catch (error) {
    yield* parts.endText();
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
  const events = stream.events()[Symbol.asyncIterator]();
  const parts = streamParts(stream, events, warnings);
  return new ReadableStream<LanguageModelV3StreamPart>({
    async pull(controller) {
      const next = await parts.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      // Ends the event iterator, which aborts the call; the parts generator is left to the garbage collector.
      await events.return?.();
    },
  });
}
