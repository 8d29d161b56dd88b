/**
 * The `streamProvider` actor: one streamed attempt. Tokens and tool-call events go to the caller's sink first,
 * then to the machine as `stream.token` (which restarts the idle deadline and commits the stream); the attempt
 * ends with `stream.end` or `stream.failed`. A provider without `stream` is called whole and its answer
 * forwarded as one token and its whole tool calls.
 */
import { fromCallback } from 'xstate';
import type { CallInput, CallOutput, RequestEvent } from '../../machines/request-types.js';
import type { FinishReason, ProviderCallOptions, ProviderStreamEvent, ToolCall, Usage } from '../types.js';
import { type ActorDeps, fail, scopeOf } from './actor-deps.js';
import { guardAttempt, takePermit } from './attempt.js';
import type { ProviderEntry } from './registry.js';
import { ToolCallEvents } from './tool-call-events.js';

async function* wholeAnswer(
  entry: ProviderEntry,
  ...args: Parameters<ProviderEntry['provider']['call']>
): AsyncIterable<ProviderStreamEvent> {
  const result = await entry.provider.call(...args);
  yield { type: 'delta', text: result.text };
  for (const toolCall of result.toolCalls ?? []) yield { type: 'tool-call', toolCall };
  yield {
    type: 'done',
    ...(result.finishReason !== undefined ? { finishReason: result.finishReason } : {}),
    ...(result.model !== undefined ? { model: result.model } : {}),
    ...(result.usage !== undefined ? { usage: result.usage } : {}),
  };
}

/** The `streamProvider` actor implementation. */
export function streamProviderActor(deps: ActorDeps) {
  const { clock, registry } = deps;
  return fromCallback<RequestEvent, CallInput>(({ input, sendBack }) => {
    const controller = new AbortController();
    const send = (event: RequestEvent) => {
      if (!controller.signal.aborted) sendBack(event);
    };
    const scope = scopeOf(deps, input.requestId);
    const entry = registry.get(input.provider?.id ?? '');
    void (async () => {
      let permit: ReturnType<typeof takePermit>;
      try {
        permit = takePermit(deps, scope, entry);
      } catch (failure) {
        send({ type: 'stream.failed', failure: failure as never });
        return;
      }
      const guard = guardAttempt(deps, scope, entry, permit, controller.signal);
      const options: ProviderCallOptions = {
        signal: controller.signal,
        requestId: scope.requestId,
        attempt: input.attempt,
      };
      if (scope.headers !== undefined) options.headers = scope.headers;
      let text = '';
      let model: string | undefined;
      let usage: Usage | undefined;
      let finishReason: FinishReason | undefined;
      const toolCalls: ToolCall[] = [];
      const tools = new ToolCallEvents();
      const forward = (events: ReturnType<ToolCallEvents['delta']>) => {
        for (const part of events) scope.sink?.(part);
        if (events.length > 0) send({ type: 'stream.token', text: '', at: clock.now(), tool: true });
      };
      try {
        const events = entry.provider.stream
          ? entry.provider.stream(input.request, options)
          : wholeAnswer(entry, input.request, options);
        for await (const event of events) {
          if (controller.signal.aborted) return;
          if (event.type === 'delta') {
            if (!event.text) continue;
            text += event.text;
            scope.sink?.(event.text);
            send({ type: 'stream.token', text: event.text, at: clock.now() });
          } else if (event.type === 'tool-call-delta') {
            forward(tools.delta(event));
          } else if (event.type === 'tool-call') {
            toolCalls.push(event.toolCall);
            forward(tools.complete(event.toolCall));
          } else if (event.type === 'done') {
            model = event.model ?? model;
            usage = event.usage ?? usage;
            finishReason = event.finishReason ?? finishReason;
          }
        }
        if (controller.signal.aborted) return;
        guard.succeeded();
        const output: CallOutput = { text, at: clock.now() };
        if (model !== undefined) output.model = model;
        if (usage !== undefined) output.usage = usage;
        if (finishReason !== undefined) output.finishReason = finishReason;
        if (toolCalls.length > 0) output.toolCalls = toolCalls;
        scope.toolCalls = output.toolCalls;
        send({ type: 'stream.end', output });
      } catch (thrown) {
        const error = guard.failed(thrown);
        if (controller.signal.aborted) return;
        send({
          type: 'stream.failed',
          failure: fail(deps, scope, text ? error.with({ partialText: text }) : error),
        });
      } finally {
        guard.dispose();
      }
    })();
    return () => controller.abort();
  });
}
