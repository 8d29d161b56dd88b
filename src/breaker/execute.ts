/**
 * `execute`: runs one call under a breaker permit, with abort support, settling exactly once.
 */
import type { Clock } from '../clock.js';
import { LLMError } from '../errors/llm-error.js';
import type { BreakerAcquireResult, BreakerExecuteOptions } from './types.js';

/** The LLMError a caller's abort settles with. */
function abortedError(signal: AbortSignal, provider: string): LLMError {
  return new LLMError({ type: 'aborted', message: 'The call was aborted', provider, cause: signal.reason });
}

/** Classifies what `fn` threw: LLMErrors pass through, anything else becomes `unknown`. */
export function toLLMError(error: unknown): LLMError {
  return LLMError.is(error)
    ? error
    : new LLMError({
        type: 'unknown',
        message: error instanceof Error ? error.message : String(error),
        cause: error,
      });
}

/**
 * Runs `fn` under a permit from `acquire`. Rejects at once with the breaker's error when refused. When
 * `options.signal` aborts first, the permit is released as `cancelled`, `fn`'s own signal aborts, and the
 * promise rejects with an `aborted` LLMError (whatever `fn` does afterwards is ignored).
 */
export function executeWithPermit<T>(
  acquire: () => BreakerAcquireResult,
  clock: Clock,
  provider: string,
  fn: (signal: AbortSignal) => Promise<T>,
  options: BreakerExecuteOptions = {},
): Promise<T> {
  if (typeof fn !== 'function') {
    return Promise.reject(new TypeError('execute(fn): fn must be a function returning a promise'));
  }
  const outer = options.signal;
  if (outer?.aborted) return Promise.reject(abortedError(outer, provider));
  let acquired: BreakerAcquireResult;
  try {
    acquired = acquire();
  } catch (error) {
    return Promise.reject(error); // e.g. the breaker was stopped
  }
  if (!acquired.ok) return Promise.reject(acquired.error);
  const { permit } = acquired;
  const inner = new AbortController();
  const startedAt = clock.now();

  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      outer?.removeEventListener('abort', onAbort);
      action();
    };
    const onAbort = () =>
      settle(() => {
        permit.release({ kind: 'cancelled' });
        inner.abort(outer?.reason);
        reject(abortedError(outer as AbortSignal, provider));
      });
    outer?.addEventListener('abort', onAbort, { once: true });

    let running: Promise<T>;
    try {
      running = Promise.resolve(fn(inner.signal));
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (value) =>
        settle(() => {
          permit.release({ kind: 'success', durationMs: clock.now() - startedAt });
          resolve(value);
        }),
      (thrown: unknown) =>
        settle(() => {
          const error = toLLMError(thrown);
          permit.release({ kind: 'failure', error, durationMs: clock.now() - startedAt });
          reject(error);
        }),
    );
  });
}
