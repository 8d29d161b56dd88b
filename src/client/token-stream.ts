/**
 * The caller's side of `llm.stream()`: an async iterable of text tokens, fed by the streaming attempt,
 * ended by the call's outcome, plus the final result as a promise.
 */
import type { LLMError } from '../errors/llm-error.js';
import type { CallResult } from './call-request.js';

/** What `llm.stream()` returns: iterate it for text tokens; `result` settles with the final result. */
export interface LLMStream extends AsyncIterable<string> {
  /** The final result (source, provider, attempts, full text), or the call's `LLMError`. */
  readonly result: Promise<CallResult<string>>;
}

/** A single-consumer token queue. `push` never blocks; `end`/`fail` settle it once. */
export function createTokenQueue(onCancel: () => void) {
  const buffered: string[] = [];
  let waiting: ((r: IteratorResult<string>) => void) | undefined;
  let failWaiting: ((e: unknown) => void) | undefined;
  let ended = false;
  let failure: LLMError | undefined;

  const settleWaiter = () => {
    if (!waiting) return;
    const resolve = waiting;
    const reject = failWaiting;
    if (buffered.length > 0) {
      waiting = failWaiting = undefined;
      resolve({ value: buffered.shift() as string, done: false });
    } else if (failure) {
      waiting = failWaiting = undefined;
      reject?.(failure);
    } else if (ended) {
      waiting = failWaiting = undefined;
      resolve({ value: undefined, done: true });
    }
  };

  return {
    push(text: string) {
      if (ended || failure) return;
      buffered.push(text);
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
    iterator(): AsyncIterator<string> {
      return {
        next: () =>
          new Promise<IteratorResult<string>>((resolve, reject) => {
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
    },
  };
}
