/**
 * A scripted in-process provider that answers with tool calls (the fault server answers text only): each call
 * gets the answer its script returns for the request, or throws what the script throws. Streams send the text
 * word by word, then each tool call as `tool-call-delta` pieces and a complete `tool-call`, then `done`.
 */
import type { LLMRequest, Provider, ProviderResult, ProviderStreamEvent } from '../../src/index.js';

/** A provider following `script`, recording every request it got. */
export interface ToolProvider extends Provider {
  readonly requests: LLMRequest[];
}

/** Creates a {@link ToolProvider}; `script` gets the request and the 1-based call number. */
export function toolProvider(
  id: string,
  priority: number,
  script: (request: LLMRequest, call: number) => ProviderResult,
): ToolProvider {
  const requests: LLMRequest[] = [];
  const answer = (request: LLMRequest) => {
    requests.push(request);
    return script(request, requests.length);
  };
  return {
    id,
    priority,
    model: `${id}-model`,
    requests,
    async call(request) {
      return answer(request);
    },
    async *stream(request): AsyncIterable<ProviderStreamEvent> {
      const result = answer(request);
      for (const word of result.text.split(/(?<= )/)) if (word) yield { type: 'delta', text: word };
      for (const [index, call] of (result.toolCalls ?? []).entries()) {
        const input = JSON.stringify(call.input);
        const half = Math.floor(input.length / 2);
        yield {
          type: 'tool-call-delta',
          index,
          id: call.id,
          name: call.name,
          inputDelta: input.slice(0, half),
        };
        yield { type: 'tool-call-delta', index, inputDelta: input.slice(half) };
        yield { type: 'tool-call', toolCall: call };
      }
      const done: ProviderStreamEvent = { type: 'done', model: result.model ?? `${id}-model` };
      if (result.finishReason) done.finishReason = result.finishReason;
      if (result.usage) done.usage = result.usage;
      yield done;
    },
  };
}
