/**
 * Drives asynchronous code on xstate's `SimulatedClock` without real waiting: alternately lets pending
 * promises run and jumps the clock to the next due timer, until the awaited promise settles.
 */
import type { SimulatedClock } from 'xstate';

/** How a driven promise settled, and the simulated time it settled at. */
export type Settled<T> = { ok: true; value: T; at: number } | { ok: false; error: unknown; at: number };

/** Lets queued promise callbacks and I/O callbacks run (a few event-loop turns; no timer involved). */
export async function flushAsync(turns = 4): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** The time the earliest pending timer of `clock` is due, if any. */
export function nextTimerAt(clock: SimulatedClock): number | undefined {
  const timeouts = (clock as unknown as { timeouts: Map<number, { start: number; timeout: number }> })
    .timeouts;
  let next: number | undefined;
  for (const t of timeouts.values()) {
    const due = t.start + t.timeout;
    if (next === undefined || due < next) next = due;
  }
  return next;
}

/**
 * Settles `promise` by advancing `clock` timer by timer (each timer fires at its own due time).
 * Throws if nothing is scheduled while the promise is still pending (a hang), or past `limitMs`.
 */
export async function settleWithClock<T>(
  promise: Promise<T>,
  clock: SimulatedClock,
  options: { limitMs?: number } = {},
): Promise<Settled<T>> {
  const limit = clock.now() + (options.limitMs ?? 24 * 3_600_000);
  let settled: Settled<T> | undefined;
  promise.then(
    (value) => {
      settled = { ok: true, value, at: clock.now() };
    },
    (error: unknown) => {
      settled = { ok: false, error, at: clock.now() };
    },
  );
  for (;;) {
    await flushAsync();
    if (settled) return settled;
    const next = nextTimerAt(clock);
    if (next === undefined)
      throw new Error('settleWithClock: the promise is pending and no timer is scheduled');
    if (next > limit) throw new Error(`settleWithClock: still pending at the ${options.limitMs} ms limit`);
    clock.set(Math.max(next, clock.now()));
  }
}
