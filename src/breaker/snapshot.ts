/**
 * Serializable breaker snapshots: taking one from an actor and turning one back into an xstate snapshot.
 */
import type { SnapshotFrom } from 'xstate';
import { z } from 'zod';
import { circuitBreakerMachine } from '../../machines/circuit-breaker.js';
import type {
  BreakerContext,
  BreakerMachineConfig,
  BreakerStateName,
} from '../../machines/circuit-breaker-types.js';

/** A breaker's state and context as plain JSON, from {@link CircuitBreaker.snapshot}. */
export interface BreakerSnapshot {
  version: 1;
  /** Id of the breaker it was taken from. */
  id: string;
  state: BreakerStateName;
  context: BreakerContext;
  /** Clock time it was taken at. */
  takenAt: number;
}

/** The names of the breaker's states, in declaration order. */
export const BREAKER_STATE_NAMES = [
  'closed',
  'open',
  'halfOpen',
  'forcedOpen',
  'disabled',
] as const satisfies readonly BreakerStateName[];

const count = z.int().nonnegative();
const time = z.number().finite();
const snapshotSchema = z.object({
  version: z.literal(1),
  id: z.string(),
  state: z.enum(BREAKER_STATE_NAMES),
  takenAt: time,
  context: z
    .object({
      period: count,
      consecutiveFailures: count,
      window: z.array(z.object({ start: time, calls: count, failures: count })),
      hintUntil: time.nullable(),
      halfOpenSuccesses: count,
      /** Absent in snapshots taken before the half-open round tolerated a failure: read as 0. */
      halfOpenFailures: count.optional(),
      inFlight: count,
      reopens: count,
      openedAt: time.nullable(),
      openUntil: time.nullable(),
      openDelayMs: z.number().nonnegative(),
      trips: count,
      changedAt: time,
      reason: z.string(),
    })
    .loose(),
});

/** Takes a JSON copy of an actor snapshot. */
export function toBreakerSnapshot(
  id: string,
  snapshot: SnapshotFrom<typeof circuitBreakerMachine>,
  takenAt: number,
): BreakerSnapshot {
  const context = JSON.parse(JSON.stringify(snapshot.context)) as BreakerContext;
  return { version: 1, id, state: snapshot.value as BreakerStateName, context, takenAt };
}

/**
 * Validates `snapshot` and resolves it into a machine snapshot that runs with `config` (the options of
 * the new breaker win over the config stored in the snapshot). Throws a `TypeError` naming the bad field.
 */
export function fromBreakerSnapshot(
  snapshot: BreakerSnapshot,
  config: BreakerMachineConfig,
): SnapshotFrom<typeof circuitBreakerMachine> {
  const result = snapshotSchema.safeParse(snapshot);
  if (!result.success) {
    throw new TypeError(`Invalid breaker snapshot: ${z.prettifyError(result.error)}`);
  }
  const context: BreakerContext = {
    ...snapshot.context,
    halfOpenFailures: snapshot.context.halfOpenFailures ?? 0,
    config,
    lastDecision: null,
  };
  return circuitBreakerMachine.resolveState({ value: snapshot.state, context });
}
