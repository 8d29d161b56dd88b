/**
 * A synchronous step as an invoked actor: `run` executes when the machine invokes the actor and the actor is
 * done (or failed) at once, so the machine receives `xstate.done.actor.*` (or `xstate.error.actor.*`) in the
 * same macrostep — no promise, no abort signal, no microtask hop. Selection, the fit check and validation are
 * synchronous in the runtime, so their actors are steps; anything that waits (provider calls, the cache, hooks)
 * stays a `fromPromise` actor.
 *
 * The logic has the shape of XState's promise logic (a snapshot with `status`, `output`, `error`, `input`), so
 * it fills the machine's `fromPromise` slots.
 */
import type { PromiseActorLogic } from 'xstate';

interface StepSnapshot<TOutput, TInput> {
  status: 'done' | 'error';
  output: TOutput | undefined;
  error: unknown;
  input: TInput | undefined;
}

/** An actor logic that runs `run(input)` once, when invoked. */
export function fromStep<TOutput, TInput>(
  run: (args: { input: TInput }) => TOutput,
): PromiseActorLogic<TOutput, TInput> {
  const logic = {
    config: run,
    transition: (snapshot: StepSnapshot<TOutput, TInput>) => snapshot,
    getInitialSnapshot: (_scope: unknown, input: TInput): StepSnapshot<TOutput, TInput> => {
      try {
        return { status: 'done', output: run({ input }), error: undefined, input };
      } catch (error) {
        return { status: 'error', output: undefined, error, input };
      }
    },
    getPersistedSnapshot: (snapshot: StepSnapshot<TOutput, TInput>) => snapshot,
    restoreSnapshot: (snapshot: StepSnapshot<TOutput, TInput>) => snapshot,
  };
  return logic as unknown as PromiseActorLogic<TOutput, TInput>;
}
