/**
 * Coverage of a statechart: which of its state nodes and transition definitions (event, `after` and
 * `always` transitions of every node, the root's included) were reached — by a set of model paths
 * ({@link coverageOf}) or by running actors ({@link createCoverageRecorder}, an `inspect` observer).
 */
import {
  type AnyActorScope,
  type AnyStateMachine,
  type AnyStateNode,
  type AnyTransitionDefinition,
  createEmptyActor,
  type EventObject,
  type InspectionEvent,
} from 'xstate';

/** Reached and total counts of one kind of element, with the labels of those never reached. */
export interface ModelCoverageCounts {
  covered: number;
  total: number;
  missing: string[];
}

/** States and transitions of a machine reached, with `toString()` like `states 5/5, transitions 24/24`. */
export interface ModelCoverage {
  states: ModelCoverageCounts;
  transitions: ModelCoverageCounts;
  /** True when every state and every transition was reached. */
  complete: boolean;
  toString(): string;
}

/** Every state node below the root, depth first. */
function stateNodesOf(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states as Record<string, AnyStateNode>).flatMap((child) => [
    child,
    ...stateNodesOf(child),
  ]);
}

/** Label of a transition, e.g. `open --xstate.after.openDuration…[0]--> halfOpen`. */
function labelOf(transition: AnyTransitionDefinition, index: number): string {
  const targets = transition.target?.map((target) => target.path.join('.')).join(',') ?? '(self)';
  return `${transition.source.path.join('.') || '(root)'} --${transition.eventType}[${index}]--> ${targets}`;
}

/** Records reached states and transitions of `machine`, and reports coverage. */
class CoverageTracker {
  private readonly nodes: AnyStateNode[];
  private readonly transitions = new Map<AnyTransitionDefinition, string>();
  private readonly reachedNodes = new Set<AnyStateNode>();
  private readonly reachedTransitions = new Set<AnyTransitionDefinition>();

  constructor(machine: AnyStateMachine) {
    this.nodes = stateNodesOf(machine.root);
    for (const node of [machine.root, ...this.nodes]) {
      for (const list of [...node.transitions.values(), node.always ?? []]) {
        list.forEach((t, i) => {
          this.transitions.set(t, labelOf(t, i));
        });
      }
    }
  }

  snapshot(snapshot: { matches(value: never): boolean }): void {
    for (const node of this.nodes) {
      const value = node.path.reduceRight<unknown>(
        (inner, key) => (inner === undefined ? key : { [key]: inner }),
        undefined,
      );
      if (snapshot.matches(value as never)) this.reachedNodes.add(node);
    }
  }

  inspection(event: InspectionEvent): void {
    if (event.type === '@xstate.microstep') {
      for (const t of event._transitions) if (this.transitions.has(t)) this.reachedTransitions.add(t);
    }
    if (event.type === '@xstate.snapshot' && 'matches' in event.snapshot) {
      this.snapshot(event.snapshot as never);
    }
  }

  coverage(): ModelCoverage {
    const states = {
      covered: this.reachedNodes.size,
      total: this.nodes.length,
      missing: this.nodes.filter((n) => !this.reachedNodes.has(n)).map((n) => n.path.join('.')),
    };
    const transitions = {
      covered: this.reachedTransitions.size,
      total: this.transitions.size,
      missing: [...this.transitions]
        .filter(([t]) => !this.reachedTransitions.has(t))
        .map(([, label]) => label),
    };
    const complete = states.covered === states.total && transitions.covered === transitions.total;
    const describe = () =>
      `states ${states.covered}/${states.total}, transitions ${transitions.covered}/${transitions.total}` +
      (complete ? '' : `; missing: ${[...states.missing, ...transitions.missing].join('; ')}`);
    return { states, transitions, complete, toString: describe };
  }
}

/**
 * An actor scope for computing transitions purely (`machine.transition(snapshot, event, scope)`), whose
 * inspection events go to `onInspect` and whose actions and effects are not executed.
 */
export function createInspectingScope(onInspect: (event: InspectionEvent) => void): AnyActorScope {
  const self = createEmptyActor();
  const system = Object.create(self.system, { _sendInspectionEvent: { value: onInspect } });
  return {
    self,
    id: '',
    sessionId: 'model',
    logger: () => {},
    defer: () => {},
    system,
    stopChild: () => {},
    emit: () => {},
    actionExecutor: () => {},
  } as unknown as AnyActorScope;
}

/**
 * Coverage of `machine` by `paths` (from `modelPaths`): replays each step purely and records the
 * transitions taken and the states reached.
 *
 * @example
 * ```ts
 * const coverage = coverageOf(circuitBreakerMachine, modelPaths());
 * expect(coverage.complete, coverage.toString()).toBe(true);
 * ```
 */
export function coverageOf(
  machine: AnyStateMachine,
  paths: ReadonlyArray<{ steps: ReadonlyArray<{ event: EventObject; state: unknown }> }>,
): ModelCoverage {
  const tracker = new CoverageTracker(machine);
  const scope = createInspectingScope((event) => tracker.inspection(event));
  for (const { steps } of paths) {
    steps.forEach((step, i) => {
      tracker.snapshot(step.state as never);
      const previous = steps[i - 1];
      if (previous !== undefined) machine.transition(previous.state as never, step.event, scope);
    });
  }
  return tracker.coverage();
}

/**
 * An xstate `inspect` observer that records the states and transitions running actors of `machine`
 * actually take (pass `recorder.inspect` as the `inspect` option), and reports their coverage.
 */
export function createCoverageRecorder(machine: AnyStateMachine): {
  inspect: (event: InspectionEvent) => void;
  coverage: () => ModelCoverage;
} {
  const tracker = new CoverageTracker(machine);
  return { inspect: (event) => tracker.inspection(event), coverage: () => tracker.coverage() };
}
