/**
 * The observation hooks, called so that a throwing hook never breaks a call: its error goes to
 * `onHookError`, or to one console warning per hook.
 */
import type {
  AttemptEvent,
  BreakerTransitionEvent,
  DecisionEvent,
  HookName,
  ObservationHooks,
  ResultEvent,
} from './types.js';

/** The hooks a client was given, each call guarded. */
export interface HookSink {
  attempt(event: AttemptEvent): void;
  decision(event: DecisionEvent): void;
  result(event: ResultEvent): void;
  breakerTransition(event: BreakerTransitionEvent): void;
}

/** A guarded sink for `hooks`, or undefined when none of the four observation hooks is set. */
export function createHookSink(hooks: ObservationHooks): HookSink | undefined {
  const { onAttempt, onDecision, onResult, onBreakerTransition, onHookError } = hooks;
  if (!onAttempt && !onDecision && !onResult && !onBreakerTransition) return undefined;
  const warned = new Set<HookName>();
  const report = (error: unknown, hook: HookName) => {
    if (onHookError) {
      try {
        onHookError(error, hook);
      } catch {
        // A throwing error handler has nowhere left to report to.
      }
      return;
    }
    if (warned.has(hook)) return;
    warned.add(hook);
    console.warn(
      `resilient-llm: the ${hook} hook threw (the call went on; later throws of this hook are not reported):`,
      error,
    );
  };
  const guarded = <E>(hook: HookName, fn: ((event: E) => void) | undefined) =>
    fn === undefined
      ? () => {}
      : (event: E) => {
          try {
            fn(event);
          } catch (error) {
            report(error, hook);
          }
        };
  return {
    attempt: guarded('onAttempt', onAttempt),
    decision: guarded('onDecision', onDecision),
    result: guarded('onResult', onResult),
    breakerTransition: guarded('onBreakerTransition', onBreakerTransition),
  };
}
