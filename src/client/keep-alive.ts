/**
 * Keeps the event loop alive while a client has calls in flight: one ref'd handle per client, held from the
 * first call's start to the last call's settlement. Without it a script that only awaits `llm.call()` exits
 * (code 13, unsettled top-level await) when the call's pending work is on unref'd timers, such as a provider
 * or cache that waits on one. An idle client holds nothing, so the process exits by itself.
 */

/** Counts calls in flight and holds one ref'd handle while there are any. */
export interface KeepAlive {
  /** Holds the process open until `promise` settles; returns `promise`. */
  track<T>(promise: Promise<T>): Promise<T>;
}

/** The longest delay a Node timer accepts; the handle never fires in practice. */
const FOREVER_MS = 2 ** 31 - 1;
const noop = () => {};

/** Creates a keep-alive for one client. */
export function createKeepAlive(): KeepAlive {
  let pending = 0;
  let handle: ReturnType<typeof setInterval> | undefined;
  const release = () => {
    pending--;
    if (pending === 0 && handle !== undefined) {
      clearInterval(handle);
      handle = undefined;
    }
  };
  return {
    track(promise) {
      pending++;
      handle ??= setInterval(noop, FOREVER_MS);
      promise.then(release, release);
      return promise;
    },
  };
}
