/**
 * The caller's side of `llm.stream()`: an async iterable of text tokens (or, through `events()`, of text and
 * tool-call events), fed by the streaming attempt, ended by the call's outcome, plus the final result as a
 * promise.
 */
import type { LLMError } from '../errors/llm-error.js';
import type { LLMStreamEvent, ToolCallStreamEvent } from '../types.js';
import type { CallResult } from './call-request.js';

/**
 * What `llm.stream()` returns: iterate it for text tokens; `result` settles with the final result. Read it once,
 * either way: as text tokens, or with {@link LLMStream.events} for text and tool calls as they stream.
 */
export interface LLMStream extends AsyncIterable<string> {
  /** The final result (source, provider, attempts, full text, tool calls), or the call's `LLMError`. */
  readonly result: Promise<CallResult<string>>;
  /**
   * The stream as {@link LLMStreamEvent}s: text tokens as `{ type: 'text' }` and each tool call as
   * `tool-call-start`, `tool-call-delta`s and `tool-call-end`, in the order they arrive. Iterating the stream
   * itself yields the text tokens alone (the tool calls are then in `result.toolCalls`).
   *
   * @example
   * ```ts
   * for await (const event of stream.events()) {
   *   if (event.type === 'text') process.stdout.write(event.text);
   *   else if (event.type === 'tool-call-end') console.log('call', event.toolCall.name, event.toolCall.input);
   * }
   * ```
   */
  events(): AsyncIterable<LLMStreamEvent>;
}

/** A part queued for the caller: a text token, or a tool-call event. */
export type StreamPart = string | ToolCallStreamEvent;

/** A single-consumer queue of stream parts. `push` never blocks; `end`/`fail` settle it once. */
export function createTokenQueue(onCancel: () => void) {
  const buffered: StreamPart[] = [];
  let waiting: ((r: IteratorResult<StreamPart>) => void) | undefined;
  let failWaiting: ((e: unknown) => void) | undefined;
  let ended = false;
  let failure: LLMError | undefined;

  const settleWaiter = () => {
    if (!waiting) return;
    const resolve = waiting;
    const reject = failWaiting;
    if (buffered.length > 0) {
      waiting = failWaiting = undefined;
      resolve({ value: buffered.shift() as StreamPart, done: false });
    } else if (failure) {
      waiting = failWaiting = undefined;
      reject?.(failure);
    } else if (ended) {
      waiting = failWaiting = undefined;
      resolve({ value: undefined, done: true });
    }
  };

  const parts: AsyncIterator<StreamPart> = {
    next: () =>
      new Promise<IteratorResult<StreamPart>>((resolve, reject) => {
        waiting = resolve;
        failWaiting = reject;
        settleWaiter();
      }),
    return: async () => {
      if (!ended && !failure) onCancel();
      ended = true;
      buffered.length = 0;
      return { value: undefined, done: true };
    },
  };

  return {
    push(part: StreamPart) {
      if (ended || failure) return;
      buffered.push(part);
      settleWaiter();
    },
    end() {
      ended = true;
      settleWaiter();
    },
    fail(error: LLMError) {
      if (ended) return;
      failure = error;
      settleWaiter();
    },
    /** Text tokens alone (tool-call events are skipped). */
    iterator(): AsyncIterator<string> {
      return {
        next: async () => {
          for (;;) {
            const next = await parts.next();
            if (next.done || typeof next.value === 'string') return next as IteratorResult<string>;
          }
        },
        return: async () => parts.return?.() as Promise<IteratorResult<string>>,
      };
    },
    /** Every part, text tokens as `{ type: 'text' }` events. */
    events(): AsyncIterator<LLMStreamEvent> {
      return {
        next: async () => {
          const next = await parts.next();
          if (next.done) return next;
          const part = next.value;
          return { value: typeof part === 'string' ? { type: 'text', text: part } : part, done: false };
        },
        return: async () => parts.return?.() as Promise<IteratorResult<LLMStreamEvent>>,
      };
    },
  };
}
