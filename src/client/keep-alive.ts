/**
 * Keeps the event loop alive while a client has calls in flight: one handle per process, ref'd from the
 * first call's start to the last call's settlement (over every client) and unref'd otherwise. Without it a
 * script that only awaits `llm.call()` exits (code 13, unsettled top-level await) when the call's pending work
 * is on unref'd timers, such as a provider or cache that waits on one. With no call in flight the handle is
 * unref'd, so the process exits by itself.
 *
 * The handle is created once and only ref'd and unref'd after (a flag flip), not armed and cleared per call:
 * a sequential caller pays no timer work.
 */

/** Counts calls in flight and holds the process open while there are any. */
export interface KeepAlive {
  /** Holds the process open until `promise` settles; returns `promise`. */
  track<T>(promise: Promise<T>): Promise<T>;
}

/** The longest delay a Node timer accepts; the handle never fires in practice. */
const FOREVER_MS = 2 ** 31 - 1;
const noop = () => {};
/**
 * The host's own `setInterval`, taken when this module loads: the handle is the process's, not a timer of the
 * code under test, so fake timers installed later neither own it nor see it.
 */
const hostSetInterval = globalThis.setInterval;

/** Calls in flight over every client of the process. */
let pending = 0;
let handle: ReturnType<typeof setInterval> | undefined;

function hold(): void {
  if (pending++ > 0) return;
  if (handle === undefined) handle = hostSetInterval(noop, FOREVER_MS);
  else handle.ref();
}

function release(): void {
  if (--pending === 0) handle?.unref();
}

const tracker: KeepAlive = {
  track(promise) {
    hold();
    promise.then(release, release);
    return promise;
  },
};

/** The keep-alive of a client (one process-wide count: a call of any client holds the process). */
export function createKeepAlive(): KeepAlive {
  return tracker;
}
