/**
 * The caller's `AbortSignal`, watched with one listener per signal however many calls share it. A signal given
 * to 50 concurrent calls would otherwise carry 50 listeners and trigger Node's `MaxListenersExceededWarning`.
 * Each call subscribes a handler and unsubscribes when it settles; the one listener goes when the last does.
 */

interface Watch {
  readonly handlers: Set<() => void>;
  readonly listener: () => void;
}

const watches = new Map<AbortSignal, Watch>();

/** Runs `handler` once when `signal` aborts; returns the function that unsubscribes it (call it on settle). */
export function onCallerAbort(signal: AbortSignal, handler: () => void): () => void {
  let watch = watches.get(signal);
  if (watch === undefined) {
    const handlers = new Set<() => void>();
    const listener = () => {
      watches.delete(signal);
      for (const each of [...handlers]) each();
      handlers.clear();
    };
    watch = { handlers, listener };
    watches.set(signal, watch);
    signal.addEventListener('abort', listener, { once: true });
  }
  const { handlers } = watch;
  const own = watch;
  handlers.add(handler);
  return () => {
    if (!handlers.delete(handler) || handlers.size > 0) return;
    if (watches.get(signal) === own) watches.delete(signal);
    signal.removeEventListener('abort', own.listener);
  };
}
