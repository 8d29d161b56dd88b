/**
 * The replay model: a request's recorded path as a list of steps a user can step through or scrub, each
 * with the active state ids to highlight and the transitions that led there.
 */
import type { WireTransition } from '../../src/inspect/protocol.js';
import { activeStateIds } from './layout-input.js';
import type { PathStep } from './store.js';

/** One replay step. */
export interface ReplayStep {
  index: number;
  at: number;
  /** Ms since the first step. */
  offsetMs: number;
  event: string;
  /** Ids of the active states, outermost first. */
  active: string[];
  /** Id of the innermost active state (the one the diagram emphasizes). */
  leaf: string;
  transitions: WireTransition[];
}

/** Builds replay steps from a recorded path, resolving state values against the machine's state ids. */
export function buildReplaySteps(path: readonly PathStep[], idByPath: Map<string, string>): ReplayStep[] {
  const first = path[0]?.at ?? 0;
  return path.map((step, index) => {
    const active = activeStateIds(step.value, idByPath);
    return {
      index,
      at: step.at,
      offsetMs: step.at - first,
      event: step.event,
      active,
      leaf: active.at(-1) ?? '',
      transitions: step.transitions,
    };
  });
}

/** A position in a replay, moved by step or by scrubbing. */
export class ReplayCursor<S extends { index: number; offsetMs: number } = ReplayStep> {
  private position = 0;

  constructor(readonly steps: readonly S[]) {
    if (steps.length === 0) throw new RangeError('A replay needs at least one step');
  }

  /** The current index. */
  get index(): number {
    return this.position;
  }

  /** The current step. */
  get step(): S {
    return this.steps[this.position] as S;
  }

  /** True at the last step. */
  get atEnd(): boolean {
    return this.position === this.steps.length - 1;
  }

  /** Moves to `index`, clamped to the steps; returns the step. */
  seek(index: number): S {
    const target = Number.isFinite(index) ? Math.trunc(index) : 0;
    this.position = Math.min(this.steps.length - 1, Math.max(0, target));
    return this.step;
  }

  next(): S {
    return this.seek(this.position + 1);
  }

  prev(): S {
    return this.seek(this.position - 1);
  }

  first(): S {
    return this.seek(0);
  }

  last(): S {
    return this.seek(this.steps.length - 1);
  }

  /** Moves to the last step at or before `offsetMs` from the start (scrubbing by time). */
  seekTime(offsetMs: number): S {
    let index = 0;
    for (const step of this.steps) if (step.offsetMs <= offsetMs) index = step.index;
    return this.seek(index);
  }
}
