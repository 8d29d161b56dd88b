/**
 * The link between one breaker's local actor and a {@link BreakerStore}. The hot path never waits on the
 * store: permits are decided synchronously by the local actor, which mirrors the shared state.
 *
 * - Outcomes are reported to the store in the background; its answer (and every change published by other
 *   processes) reaches the actor as a `breaker.sync` event. Stale answers (older epoch) are dropped.
 * - In half-open, a refused probe starts a background reservation of one global probe permit; when
 *   granted, the actor gets `breaker.probeGranted` and the next call probes.
 * - Every store call is bounded by `store.timeoutMs`; a failure or timeout sends `breaker.storeLost`
 *   (the actor decides locally), and every `store.refreshMs` the mirror re-reads the state; when lost it
 *   rejoins (at least every {@link MAX_RETRY_MS}) with the local state, merging a trip made meanwhile.
 */
import { randomUUID } from 'node:crypto';
import { verdictOf } from '../../machines/circuit-breaker-logic.js';
import type {
  BreakerContext,
  BreakerEvent,
  BreakerMachineConfig,
  BreakerStateName,
} from '../../machines/circuit-breaker-types.js';
import type { Clock } from '../clock.js';
import type { BreakerStore, SharedBreakerState, StoreCommand, StoreSeed } from './store.js';

/** What the mirror needs from the breaker runtime. */
export interface StoreMirrorDeps {
  store: BreakerStore;
  id: string;
  config: BreakerMachineConfig;
  clock: Clock;
  /** Sends an event to the local actor (ignored once the breaker is stopped). */
  send(event: BreakerEvent): void;
  state(): BreakerStateName;
  context(): BreakerContext;
}

/** What a permit remembers about the store when it is issued. */
export interface PermitLink {
  epoch: number | null;
  leaseId: string | undefined;
  /** Issued before the first join: its outcome counts against the epoch the join found. */
  early: boolean;
}

/** The mirror of one breaker. */
export interface StoreMirror {
  /** Links a permit just granted by the actor to the store's epoch (and takes a reserved probe lease). */
  link(): PermitLink;
  /** Reports a permit's outcome event (sent to the actor already) to the store. */
  report(event: BreakerEvent, link: PermitLink): void;
  /** Called after a refused permit: in mirrored half-open, reserves a global probe permit. */
  refused(): void;
  /** Applies an ops command to the shared state. */
  command(command: StoreCommand): void;
  /** Whether the store is currently reachable and mirrored. */
  readonly connected: boolean;
  stop(): void;
}

/** A store that is lost (or not joined yet) is retried at least this often, whatever `refreshMs` says. */
export const MAX_RETRY_MS = 1_000;

/** Rejects when `promise` takes longer than `ms` on `clock`. */
function bounded<T>(promise: Promise<T>, clock: Clock, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(
      () => reject(new Error(`breaker store did not answer within ${ms} ms`)),
      ms,
    );
    promise.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clock.clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Starts mirroring: joins the store at once and keeps the actor in sync until {@link StoreMirror.stop}. */
export function createStoreMirror(deps: StoreMirrorDeps): StoreMirror {
  const { store, id, config, clock, send } = deps;
  const handle = store.breaker(id, config);
  let known: { generation: string; epoch: number } | null = null;
  let connected = false;
  /** Outcomes of permits issued before the first join: reported once joined, so none is lost at start-up. */
  let startup: Array<{ verdict: ReturnType<typeof verdictOf>; retryAfterMs: number | undefined }> | null = [];
  let lostAt: number | null = null;
  let stopped = false;
  let reserving = false;
  let joining = false;
  let leases: string[] = [];
  let timer: unknown;
  const retryMs = Math.min(store.refreshMs, MAX_RETRY_MS);

  const call = <T>(work: () => Promise<T>): Promise<T> =>
    bounded(Promise.resolve().then(work), clock, store.timeoutMs);
  const releaseLeases = () => {
    for (const leaseId of leases) call(() => handle.releaseProbe(leaseId)).catch(() => {});
    leases = [];
  };
  const lose = () => {
    if (stopped || !connected) return;
    connected = false;
    lostAt = clock.now();
    leases = []; // they expire in the store
    send({ type: 'breaker.storeLost', at: clock.now() });
  };
  /** Joining: a failure keeps the breaker local (it already is) and is retried on the next refresh. */
  const joinFailed = () => {};
  /** Adopts `remote` when newer than what the actor has; a (re)join also restores mirroring. */
  const apply = (remote: SharedBreakerState, rejoin = false) => {
    if (stopped || (!connected && !rejoin)) return; // a late answer from before the store was lost
    const fresh = known === null || known.generation !== remote.generation || remote.epoch > known.epoch;
    const resumed = !connected;
    connected = true;
    lostAt = null;
    if (!fresh && !resumed) return;
    known = { generation: remote.generation, epoch: remote.epoch };
    releaseLeases();
    const early = startup ?? [];
    startup = null;
    for (const { verdict, retryAfterMs } of early) {
      call(() => handle.record({ epoch: remote.epoch, verdict, retryAfterMs, leaseId: undefined })).then(
        apply,
        lose,
      );
    }
    const { state, remainingMs, reason, trips, reopens } = remote;
    send({ type: 'breaker.sync', at: clock.now(), state, remainingMs, reason, trips, reopens });
  };
  const seed = (): StoreSeed => {
    const context = deps.context();
    const state = deps.state();
    const remainingMs = state === 'open' ? Math.max(0, (context.openUntil ?? 0) - clock.now()) : null;
    const tripped = lostAt !== null && state === 'open' && context.changedAt >= lostAt;
    const { reason, trips, reopens } = context;
    return { state, remainingMs, reason, trips, reopens, tripped };
  };
  const join = (): void => {
    if (joining || stopped) return;
    joining = true;
    const period = deps.context().period;
    let again = false;
    call(() => handle.join(seed()))
      .then((remote) => {
        // The local state changed while joining (e.g. a local trip): join again with the new state.
        if (deps.context().period !== period && !connected) again = true;
        else apply(remote, true);
      }, joinFailed)
      .finally(() => {
        joining = false;
        if (again) join();
      });
  };
  /** Re-reads the shared state every `refreshMs`; a lost (or not yet joined) store is retried sooner. */
  const refresh = () => {
    if (stopped) return;
    if (connected) call(() => handle.read()).then(apply, lose);
    else join();
    timer = clock.setTimeout(refresh, connected ? store.refreshMs : retryMs);
  };
  const unsubscribe = handle.subscribe((remote) => {
    if (connected) apply(remote);
    else join(); // the store is back: rejoin (merging a local trip) rather than adopting blindly
  });
  // The first join counts as lost until it answers, so a local trip meanwhile is merged.
  lostAt = clock.now();
  join();
  timer = clock.setTimeout(refresh, retryMs);

  return {
    get connected() {
      return connected;
    },
    link() {
      const context = deps.context();
      const probe = deps.state() === 'halfOpen' && context.source === 'store';
      return {
        epoch: connected ? (known?.epoch ?? null) : null,
        leaseId: probe ? leases.shift() : undefined,
        early: startup !== null,
      };
    },
    report(event, link) {
      if (
        startup !== null &&
        startup.length < 1_000 &&
        !connected &&
        (event.type === 'breaker.success' || event.type === 'breaker.failure')
      ) {
        const retryAfterMs = event.type === 'breaker.failure' ? event.retryAfterMs : undefined;
        startup.push({ verdict: verdictOf(config, event), retryAfterMs });
        return;
      }
      // A permit issued before the first join and released after it is recorded like the queued ones.
      const epoch = link.epoch ?? (link.early ? (known?.epoch ?? null) : null);
      if (stopped || !connected || epoch === null) return;
      if (event.type === 'breaker.release') {
        const { leaseId } = link;
        if (leaseId !== undefined) call(() => handle.releaseProbe(leaseId)).catch(lose);
        return;
      }
      if (event.type !== 'breaker.success' && event.type !== 'breaker.failure') return;
      const retryAfterMs = event.type === 'breaker.failure' ? event.retryAfterMs : undefined;
      const outcome = {
        epoch,
        verdict: verdictOf(config, event),
        retryAfterMs,
        leaseId: link.leaseId,
      };
      call(() => handle.record(outcome)).then(apply, lose);
    },
    refused() {
      if (stopped || !connected || reserving) return;
      if (deps.state() !== 'halfOpen' || deps.context().source !== 'store') return;
      reserving = true;
      const leaseId = randomUUID();
      call(() => handle.acquireProbe(leaseId))
        .then((reservation) => {
          apply(reservation.state);
          if (!reservation.granted) return;
          const usable =
            !stopped &&
            connected &&
            reservation.state.epoch === known?.epoch &&
            deps.state() === 'halfOpen' &&
            deps.context().source === 'store';
          if (!usable) {
            call(() => handle.releaseProbe(leaseId)).catch(() => {});
            return;
          }
          leases.push(leaseId);
          send({ type: 'breaker.probeGranted', at: clock.now() });
        }, lose)
        .finally(() => {
          reserving = false;
        });
    },
    command(command) {
      if (stopped) return;
      call(() => handle.command(command)).then(apply, lose);
    },
    stop() {
      if (stopped) return;
      releaseLeases();
      stopped = true;
      clock.clearTimeout(timer);
      unsubscribe();
    },
  };
}
