/**
 * Model-based testing helpers: generate event paths from a statechart and measure which of its states and
 * transitions a set of paths (or a running actor) reaches. Built on `xstate/graph`'s `getAdjacencyMap`.
 *
 * Paths are built from the breadth-first traversal tree, so every step's snapshot is exactly the one the
 * previous step's event produced. (`getShortestPaths` / `TestModel` rebuild steps from a map overwritten by
 * later visits, so with a serialization that leaves out unbounded counters, an event derived from one
 * snapshot's context can end up next to another snapshot.)
 */
import type { AnyStateMachine, EventObject, InputFrom, SnapshotFrom } from 'xstate';
import { type AdjacencyMap, getAdjacencyMap, type TraversalOptions } from 'xstate/graph';
import { circuitBreakerMachine } from '../../machines/circuit-breaker.js';
import { sharedCircuitBreakerMachine } from '../../machines/circuit-breaker-shared.js';
import type { BreakerMachineInput } from '../../machines/circuit-breaker-types.js';
import {
  type BreakerModelEvent,
  type BreakerModelSnapshot,
  breakerModelEvents,
  OPEN_ELAPSED_EVENT,
  SHARED_OPEN_ELAPSED_EVENT,
  serializeBreakerModelState,
  serializeSharedBreakerModelState,
  sharedBreakerModelEvents,
} from './breaker-model.js';
import { createInspectingScope } from './model-coverage.js';

/** The event of a delayed (`after`) transition, which a model sends explicitly instead of waiting. */
export type AfterEvent = { type: `xstate.after.${string}` };

/** One step of a path: the event sent and the snapshot it led to. The first step is `xstate.init`. */
export interface ModelStep<TSnapshot, TEvent> {
  event: TEvent | { type: 'xstate.init' };
  state: TSnapshot;
}

/** A sequence of events from the initial state, with every intermediate snapshot. */
export interface ModelPath<TSnapshot, TEvent> {
  /** Readable form, e.g. `closed → breaker.failure → open → xstate.after.openDuration… → halfOpen`. */
  description: string;
  steps: Array<ModelStep<TSnapshot, TEvent>>;
  /** The final snapshot. */
  state: TSnapshot;
}

/** Options of {@link modelPaths}. */
export interface ModelPathsOptions<TSnapshot, TEvent, TInput> {
  /** Machine input. @default undefined */
  input?: TInput;
  /** Events to try in each state. @default every event the active states handle, as `{ type }` (breaker: {@link breakerModelEvents}; shared breaker: {@link sharedBreakerModelEvents}) */
  events?: readonly TEvent[] | ((snapshot: TSnapshot) => readonly TEvent[]);
  /** Which snapshots count as the same model state. @default xstate's value+context (breaker: {@link serializeBreakerModelState}; shared breaker: {@link serializeSharedBreakerModelState}) */
  serializeState?: (snapshot: TSnapshot) => string;
  /** Maximum traversal iterations (edges explored) before throwing. @default 100_000 */
  limit?: number;
  /** `transitions`: a path ending in every edge of the explored graph; `states`: a shortest path to every state. @default 'transitions' */
  strategy?: 'transitions' | 'states';
}

type BreakerSnapshotValue = SnapshotFrom<typeof circuitBreakerMachine>;
type SharedBreakerSnapshotValue = SnapshotFrom<typeof sharedCircuitBreakerMachine>;

/** The breaker models `modelPaths` uses by default, by machine. */
const defaultModels = new Map<AnyStateMachine, { events: unknown; serializeState: unknown }>([
  [circuitBreakerMachine, { events: breakerModelEvents, serializeState: serializeBreakerModelState }],
  [
    sharedCircuitBreakerMachine,
    { events: sharedBreakerModelEvents, serializeState: serializeSharedBreakerModelState },
  ],
]);

/** Readable description of a path. */
function describe(steps: ReadonlyArray<ModelStep<{ value: unknown }, EventObject>>): string {
  return steps
    .map(
      (step, i) =>
        (i === 0 ? '' : `${step.event.type} → `) + JSON.stringify(step.state.value).replace(/"/g, ''),
    )
    .join(' → ');
}

/** Paths from the breadth-first tree of `adjacency`, plus (for `transitions`) one path per edge. */
function pathsFrom<TSnapshot extends { value: unknown }, TEvent extends EventObject>(
  adjacency: AdjacencyMap<TSnapshot, TEvent>,
  initial: TSnapshot,
  strategy: 'transitions' | 'states',
): Array<ModelPath<TSnapshot, TEvent>> {
  type Steps = Array<ModelStep<TSnapshot, TEvent>>;
  const byState = new Map<TSnapshot, Steps>([
    [initial, [{ event: { type: 'xstate.init' }, state: initial }]],
  ]);
  const edges: Steps[] = [];
  for (const entry of Object.values(adjacency)) {
    const head = byState.get(entry.state);
    if (head === undefined) continue; // not expanded from the tree (cannot happen with xstate's BFS)
    const transitions = Object.values(entry.transitions) as Array<{ event: TEvent; state: TSnapshot }>;
    for (const { event, state } of transitions) {
      const steps: Steps = [...head, { event, state }];
      edges.push(steps);
      if (!byState.has(state)) byState.set(state, steps);
    }
  }
  const treePaths: Steps[] = [];
  for (const entry of Object.values(adjacency)) {
    const steps = byState.get(entry.state);
    if (steps !== undefined) treePaths.push(steps);
  }
  const all = strategy === 'states' ? treePaths : edges;
  const key = (steps: Steps) => steps.map((step) => JSON.stringify(step.event)).join('|');
  const prefixes = new Set(all.flatMap((steps) => steps.slice(1).map((_, i) => key(steps.slice(0, i + 1)))));
  const seen = new Set<string>();
  return all
    .filter((steps) => {
      const k = key(steps);
      if (prefixes.has(k) || seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .map((steps) => ({
      description: describe(steps),
      steps,
      state: (steps.at(-1) as ModelStep<TSnapshot, TEvent>).state,
    }));
}

/**
 * Generates test paths from a statechart: explores it breadth-first with the given events, merging
 * snapshots that serialize alike, and returns a path ending in every explored edge (or, with
 * `strategy: 'states'`, a shortest path to every state). Delayed transitions are taken by sending their
 * `xstate.after.*` event, so a path executor maps that event onto a clock advance.
 *
 * Called without a machine, it models the circuit breaker with {@link breakerModelEvents}; pass
 * `{ input: { config } }` to get the paths of your own breaker configuration. For
 * `sharedCircuitBreakerMachine` (a breaker with a `store`) it uses {@link sharedBreakerModelEvents}, which
 * adds the store's `breaker.sync`, `breaker.probeGranted` and `breaker.storeLost`.
 *
 * @example
 * ```ts
 * import { modelPaths, coverageOf } from 'resilient-llm/testing';
 * const paths = modelPaths(undefined, { input: { config: { failureThreshold: 2, openMs: 1_000 } } });
 * for (const path of paths) await runAgainstMyRuntime(path.steps); // map each event onto your runtime
 * console.log(coverageOf(circuitBreakerMachine, paths).toString()); // states 5/5, transitions 24/24
 * ```
 */
export function modelPaths(
  machine?: typeof circuitBreakerMachine,
  options?: ModelPathsOptions<BreakerSnapshotValue, BreakerModelEvent, BreakerMachineInput | undefined>,
): Array<ModelPath<BreakerSnapshotValue, BreakerModelEvent>>;
export function modelPaths(
  machine: typeof sharedCircuitBreakerMachine,
  options?: ModelPathsOptions<SharedBreakerSnapshotValue, BreakerModelEvent, BreakerMachineInput | undefined>,
): Array<ModelPath<SharedBreakerSnapshotValue, BreakerModelEvent>>;
export function modelPaths<TMachine extends AnyStateMachine>(
  machine: TMachine,
  options?: ModelPathsOptions<SnapshotFrom<TMachine>, EventObject, InputFrom<TMachine>>,
): Array<ModelPath<SnapshotFrom<TMachine>, EventObject>>;
export function modelPaths(
  machine: AnyStateMachine = circuitBreakerMachine,
  options: ModelPathsOptions<SnapshotFrom<AnyStateMachine>, EventObject, unknown> = {},
): Array<ModelPath<SnapshotFrom<AnyStateMachine>, EventObject>> {
  const model = defaultModels.get(machine);
  const events = options.events ?? (model?.events as never);
  const serializeState = options.serializeState ?? (model?.serializeState as never);
  const initial = machine.getInitialSnapshot(
    createInspectingScope(() => {}),
    options.input,
  );
  const traversal: TraversalOptions<SnapshotFrom<AnyStateMachine>, EventObject, unknown> = {
    ...(options.input === undefined ? {} : { input: options.input }),
    fromState: initial,
    limit: options.limit ?? 100_000,
    ...(events === undefined ? {} : { events }),
    ...(serializeState === undefined ? {} : { serializeState: (snapshot) => serializeState(snapshot) }),
  };
  const adjacency = getAdjacencyMap(machine, traversal as never) as AdjacencyMap<
    SnapshotFrom<AnyStateMachine>,
    EventObject
  >;
  return pathsFrom(adjacency, initial, options.strategy ?? 'transitions');
}

export type { ModelCoverage, ModelCoverageCounts } from './model-coverage.js';
export {
  coverageOf,
  createCoverageRecorder,
  createInspectingScope,
  selectCoveringPaths,
} from './model-coverage.js';
export {
  type BreakerModelEvent,
  type BreakerModelSnapshot,
  breakerModelEvents,
  OPEN_ELAPSED_EVENT,
  SHARED_OPEN_ELAPSED_EVENT,
  serializeBreakerModelState,
  serializeSharedBreakerModelState,
  sharedBreakerModelEvents,
};
