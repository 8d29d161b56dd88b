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

/** Label of a transition from its own definition (stable across `machine.provide()` copies). */
function labelOfDefinition(transition: AnyTransitionDefinition): string {
  const source = transition.source as AnyStateNode;
  const list = source.transitions.get(transition.eventType) ?? source.always ?? [];
  return labelOf(transition, Math.max(0, list.indexOf(transition)));
}

/**
 * Records reached states and transitions of `machine`, and reports coverage. Elements are keyed by label
 * (path, event, index), so actors of `machine.provide(...)` copies count towards the original machine.
 */
class CoverageTracker {
  private readonly nodes: AnyStateNode[];
  private readonly transitions = new Set<string>();
  private readonly reachedNodes = new Set<string>();
  private readonly reachedTransitions = new Set<string>();

  constructor(machine: AnyStateMachine) {
    this.nodes = stateNodesOf(machine.root);
    for (const node of [machine.root, ...this.nodes]) {
      for (const list of [...node.transitions.values(), node.always ?? []]) {
        list.forEach((t, i) => {
          this.transitions.add(labelOf(t, i));
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
      if (snapshot.matches(value as never)) this.reachedNodes.add(node.path.join('.'));
    }
  }

  inspection(event: InspectionEvent): void {
    if (event.type === '@xstate.microstep') {
      for (const t of event._transitions) {
        const label = labelOfDefinition(t);
        if (this.transitions.has(label)) this.reachedTransitions.add(label);
        // Transient states (left at once by `always`) are never in a settled snapshot: a transition into
        // a state reaches it, and its ancestors.
        for (const target of t.target ?? []) {
          for (let i = 1; i <= target.path.length; i++)
            this.reachedNodes.add(target.path.slice(0, i).join('.'));
          // Entering a compound state enters its initial child, and so on down.
          let node: AnyStateNode | undefined = target;
          while (node?.type === 'compound') {
            node = (node.initial as unknown as { target?: readonly AnyStateNode[] } | undefined)?.target?.[0];
            if (node) this.reachedNodes.add(node.path.join('.'));
          }
        }
      }
    }
    if (event.type === '@xstate.snapshot' && 'matches' in event.snapshot) {
      this.snapshot(event.snapshot as never);
    }
  }

  /** Labels of every state and transition reached so far. */
  reached(): Set<string> {
    return new Set([...this.reachedNodes].map((n) => `state ${n}`).concat([...this.reachedTransitions]));
  }

  coverage(): ModelCoverage {
    const states = {
      covered: this.reachedNodes.size,
      total: this.nodes.length,
      missing: this.nodes.map((n) => n.path.join('.')).filter((path) => !this.reachedNodes.has(path)),
    };
    const transitions = {
      covered: this.reachedTransitions.size,
      total: this.transitions.size,
      missing: [...this.transitions].filter((label) => !this.reachedTransitions.has(label)),
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

/** Replays one path purely and returns the labels of the states and transitions it reaches. */
function elementsOf(
  machine: AnyStateMachine,
  steps: ReadonlyArray<{ event: EventObject; state: unknown }>,
): Set<string> {
  const tracker = new CoverageTracker(machine);
  const scope = createInspectingScope((event) => tracker.inspection(event));
  steps.forEach((step, i) => {
    tracker.snapshot(step.state as never);
    const previous = steps[i - 1];
    if (previous !== undefined) machine.transition(previous.state as never, step.event, scope);
  });
  return tracker.reached();
}

/**
 * Picks, shortest first, the paths that each reach a state or transition no shorter pick reached: a small
 * set with the same coverage as all of `paths`, to run against a slow runtime.
 */
export function selectCoveringPaths<
  TPath extends { steps: ReadonlyArray<{ event: EventObject; state: unknown }> },
>(machine: AnyStateMachine, paths: readonly TPath[]): TPath[] {
  const covered = new Set<string>();
  const chosen: TPath[] = [];
  for (const path of [...paths].sort((a, b) => a.steps.length - b.steps.length)) {
    const fresh = [...elementsOf(machine, path.steps)].filter((label) => !covered.has(label));
    if (fresh.length === 0) continue;
    for (const label of fresh) covered.add(label);
    chosen.push(path);
  }
  return chosen;
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
