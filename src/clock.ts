/**
 * Time, injected. Everything in resilient-llm that waits or measures goes through a {@link Clock}, so tests
 * drive it with xstate's `SimulatedClock` (which satisfies this interface) and never sleep for real.
 */
import { MAX_DELAY_MS } from '../machines/backoff-logic.js';

/** A source of time and timers. xstate's `SimulatedClock` is one. */
export interface Clock {
  /** Milliseconds since an arbitrary epoch; only differences matter. */
  now(): number;
  /** Schedules `fn` after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer from {@link Clock.setTimeout}. */
  clearTimeout(handle: unknown): void;
}

/**
 * A delay the host timer holds: Node fires anything above 2^31 - 1 ms after 1 ms. Options refuse longer
 * timeouts; a computed delay beyond it (a grown open duration, a huge Retry-After) waits the longest instead.
 */
const hostDelay = (ms: number) => Math.min(ms, MAX_DELAY_MS);

/** The real clock: `Date.now` and the host's timers. Timers are unref'd so they never keep a process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, hostDelay(ms));
    (handle as { unref?: () => void }).unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * The real clock with timers that keep the process alive. Request actors use it while a call is in flight, so a
 * script that only awaits `llm.call()` does not exit during a backoff; idle breakers keep `systemClock`'s
 * unref'd timers, so an idle client never holds the process open.
 */
export const keepAliveClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, hostDelay(ms)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The clock a call's own timers run on: `keepAliveClock` in place of `systemClock`, any injected clock as is. */
export function callClock(clock: Clock): Clock {
  return clock === systemClock ? keepAliveClock : clock;
}

/**
 * Resolves after `ms` on `clock`, or rejects with the signal's reason when `signal` aborts first.
 * The timer is always cleared, so nothing is left pending.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = clock.setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
