/**
 * A scripted {@link BreakerStore} for model-based tests of a breaker that mirrors a store: the test, not
 * the store, decides what the shared state is, when a probe reservation is granted and when the store goes
 * down — so each store event of `sharedCircuitBreakerMachine` maps onto one store action:
 *
 * - `breaker.sync` ← {@link ScriptedStore.sync}: the shared state changes (new epoch); it is published to
 *   subscribers and answers the pending joins (a breaker that is not mirroring rejoins to adopt it).
 * - `breaker.probeGranted` ← {@link ScriptedStore.grantProbe}: the pending probe reservation is granted.
 * - `breaker.storeLost` ← {@link ScriptedStore.fail}: pending and later operations fail until the next sync.
 *
 * Everything else answers at once with the current shared state and changes nothing: outcomes and ops
 * commands are recorded (see {@link ScriptedStore.log}) but only {@link ScriptedStore.sync} moves the state.
 */
import { SimulatedClock } from 'xstate';
import type {
  BreakerStore,
  BreakerSyncState,
  SharedBreakerHandle,
  SharedBreakerState,
  StoreCommand,
  StoreOutcome,
} from '../../src/breaker/store.js';

/** One operation a breaker asked of the store. */
export type ScriptedOperation =
  | { kind: 'join' | 'read' | 'acquireProbe' | 'releaseProbe' }
  | { kind: 'record'; outcome: StoreOutcome }
  | { kind: 'command'; command: StoreCommand };

interface Pending {
  kind: 'join' | 'acquireProbe';
  handle: number;
  resolve(value: SharedBreakerState): void;
  reject(error: Error): void;
}

/** The store plus the controls of the test. */
export interface ScriptedStore {
  store: BreakerStore;
  /** Sets the shared state (a new epoch), publishes it, and answers joins until none is pending. */
  sync(state: BreakerSyncState): Promise<void>;
  /** Grants the pending probe reservation of a live handle; false when there is none. */
  grantProbe(): Promise<boolean>;
  /** The store goes down: pending operations fail, and so does every operation until the next sync. */
  fail(): Promise<void>;
  /** Every operation received, in order. */
  readonly log: readonly ScriptedOperation[];
}

/** Lets queued promise callbacks run (one event-loop turn drains every microtask). */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A scripted store; `refreshMs` and `timeoutMs` are what breakers read from it. */
export function createScriptedStore(options: { refreshMs: number; timeoutMs: number }): ScriptedStore {
  let view: SharedBreakerState = {
    id: 'scripted',
    state: 'closed',
    epoch: 1,
    generation: 'g1',
    remainingMs: null,
    reason: 'initial',
    trips: 0,
    reopens: 0,
  };
  let down = false;
  let pending: Pending[] = [];
  const log: ScriptedOperation[] = [];
  const listeners = new Map<number, (state: SharedBreakerState) => void>();
  let handles = 0;

  const downError = () => new Error('scripted store is down');
  const answer = async <T>(operation: ScriptedOperation, value: () => T): Promise<T> => {
    log.push(operation);
    if (down) throw downError();
    return value();
  };
  const hold = (kind: Pending['kind'], handle: number) =>
    new Promise<SharedBreakerState>((resolve, reject) => {
      log.push({ kind });
      if (down) reject(downError());
      else pending.push({ kind, handle, resolve, reject });
    });
  const take = (kind: Pending['kind'], live = false) => {
    const index = pending.findIndex((p) => p.kind === kind && (!live || listeners.has(p.handle)));
    return index < 0 ? undefined : pending.splice(index, 1)[0];
  };

  const breaker = (id: string): SharedBreakerHandle => {
    const handle = ++handles;
    return {
      join: () => hold('join', handle),
      read: () => answer({ kind: 'read' }, () => ({ ...view, id })),
      record: (outcome) => answer({ kind: 'record', outcome }, () => ({ ...view, id })),
      async acquireProbe() {
        const state = await hold('acquireProbe', handle);
        return { granted: true, state };
      },
      releaseProbe: () => answer({ kind: 'releaseProbe' }, () => undefined),
      command: (command) => answer({ kind: 'command', command }, () => ({ ...view, id })),
      subscribe(listener) {
        listeners.set(handle, listener);
        return () => listeners.delete(handle);
      },
    };
  };

  return {
    store: {
      kind: 'scripted',
      refreshMs: options.refreshMs,
      timeoutMs: options.timeoutMs,
      breaker,
      close: async () => {},
    },
    async sync(state) {
      down = false;
      view = { ...view, ...state, epoch: view.epoch + 1 };
      for (const listener of [...listeners.values()]) listener(view);
      await settle();
      for (let join = take('join'); join !== undefined; join = take('join')) {
        join.resolve(view);
        await settle(); // a breaker whose state changed while joining joins again
      }
    },
    async grantProbe() {
      const probe = take('acquireProbe', true);
      probe?.resolve(view);
      await settle();
      return probe !== undefined;
    },
    async fail() {
      down = true;
      const failed = pending;
      pending = [];
      for (const p of failed) p.reject(downError());
      await settle();
    },
    log,
  };
}

/**
 * A `SimulatedClock` that can also run at once the timers armed with a given delay — how a test makes a
 * breaker's periodic store refresh (armed with the store's distinctive `refreshMs`) happen now, so a
 * store outage is noticed at the model's instant instead of after a clock advance.
 */
export class StepClock extends SimulatedClock {
  private readonly armed = new Map<number, { fn: () => void; ms: number }>();

  override setTimeout(fn: () => void, ms: number): number {
    const id: number = super.setTimeout(() => {
      this.armed.delete(id);
      fn();
    }, ms);
    this.armed.set(id, { fn, ms });
    return id;
  }

  override clearTimeout(id: number): void {
    this.armed.delete(id);
    super.clearTimeout(id);
  }

  /** Runs now (and disarms) every pending timer armed with `ms`; returns how many ran. */
  runNow(ms: number): number {
    const due = [...this.armed].filter(([, timer]) => timer.ms === ms);
    for (const [id, timer] of due) {
      this.clearTimeout(id);
      timer.fn();
    }
    return due.length;
  }
}
