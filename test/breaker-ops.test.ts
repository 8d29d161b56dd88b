import { describe, expect, it } from 'vitest';
import { type BreakerTransition, createCircuitBreaker } from '../src/breaker/index.js';
import { LLMError } from '../src/errors/llm-error.js';
import { breakerOn, failOnce, permitOf, rejectionOf, succeedOnce } from './breaker-helpers.js';

describe('ops states', () => {
  it('rejects everything with forced_open while forced open, until reset', () => {
    const { breaker } = breakerOn();
    breaker.forceOpen();
    expect(breaker.state).toBe('forcedOpen');
    expect(rejectionOf(breaker)).toMatchObject({
      code: 'forced_open',
      retryAfterMs: undefined,
      retryable: false,
    });
    breaker.reset();
    expect(breaker.state).toBe('closed');
    expect(rejectionOf(breaker)).toBeUndefined();
  });

  it('lets everything through and counts nothing while disabled', () => {
    const { breaker } = breakerOn({ failureThreshold: 1 });
    breaker.disable();
    for (let i = 0; i < 20; i++) failOnce(breaker);
    expect(breaker.state).toBe('disabled');
    breaker.reset();
    expect(breaker.state).toBe('closed');
    expect(breaker.actor.getSnapshot().context.consecutiveFailures).toBe(0);
  });

  it('clears the counters on reset from any state', () => {
    const { breaker } = breakerOn({ failureThreshold: 3 });
    failOnce(breaker);
    failOnce(breaker);
    breaker.reset();
    failOnce(breaker);
    failOnce(breaker);
    expect(breaker.state).toBe('closed');
  });
});

describe('onTransition', () => {
  it('reports each change with its time and reason, and stops after unsubscribe', () => {
    const { breaker, clock } = breakerOn({ failureThreshold: 1, successThreshold: 1, openMs: 1_000 });
    const seen: BreakerTransition[] = [];
    const off = breaker.onTransition((t) => seen.push(t));
    clock.increment(5);
    failOnce(breaker);
    clock.increment(1_000);
    succeedOnce(breaker);
    off();
    breaker.forceOpen();
    expect(seen).toEqual([
      { from: 'closed', to: 'open', at: 5, reason: 'failure_threshold' },
      { from: 'open', to: 'halfOpen', at: 1_005, reason: 'open_elapsed' },
      { from: 'halfOpen', to: 'closed', at: 1_005, reason: 'probes_succeeded' },
    ]);
  });

  it('lets a listener call back into the breaker', () => {
    const { breaker } = breakerOn({ failureThreshold: 1 });
    const answers: Array<string | undefined> = [];
    breaker.onTransition(() => answers.push(rejectionOf(breaker)?.code));
    failOnce(breaker);
    expect(answers).toEqual(['circuit_open']);
  });
});

describe('snapshot and restore', () => {
  it('keeps a restored open breaker open until the same time', () => {
    const { breaker, clock } = breakerOn({ failureThreshold: 1, openMs: 10_000 });
    failOnce(breaker);
    clock.increment(4_000);
    const saved = JSON.parse(JSON.stringify(breaker.snapshot()));
    breaker.stop();
    const restored = createCircuitBreaker({ failureThreshold: 1, openMs: 10_000, clock, snapshot: saved });
    expect(restored.state).toBe('open');
    expect(restored.retryAfterMs()).toBe(6_000);
    clock.increment(5_999);
    expect(restored.state).toBe('open');
    clock.increment(1);
    expect(restored.state).toBe('halfOpen');
  });

  it('restores an open breaker whose time is up as half-open', () => {
    const { breaker, clock } = breakerOn({ failureThreshold: 1, openMs: 1_000 });
    failOnce(breaker);
    const saved = breaker.snapshot();
    breaker.stop();
    clock.increment(2_000);
    const restored = createCircuitBreaker({ failureThreshold: 1, clock, snapshot: saved });
    expect(restored.state).toBe('halfOpen');
  });

  it('drops the probes of the process that took a half-open snapshot', () => {
    const { breaker, clock } = breakerOn({ failureThreshold: 1, openMs: 1_000, halfOpenMaxCalls: 1 });
    failOnce(breaker);
    clock.increment(1_000);
    permitOf(breaker);
    const restored = createCircuitBreaker({ halfOpenMaxCalls: 1, clock, snapshot: breaker.snapshot() });
    expect(rejectionOf(restored)).toBeUndefined();
  });

  it('refuses a malformed snapshot, naming the field', () => {
    const { breaker } = breakerOn();
    const bad = { ...breaker.snapshot(), state: 'ajar' } as never;
    expect(() => createCircuitBreaker({ snapshot: bad })).toThrow(/Invalid breaker snapshot[\s\S]*state/);
  });
});

describe('execute, wrap and permits', () => {
  it('releases an aborted call as cancelled and rejects with an aborted LLMError', async () => {
    const { breaker, clock } = breakerOn({ failureThreshold: 1, openMs: 1_000, halfOpenMaxCalls: 1 });
    failOnce(breaker);
    clock.increment(1_000);
    const controller = new AbortController();
    let innerAborted = false;
    const pending = breaker.execute(
      (signal) =>
        new Promise(() => {
          signal.addEventListener('abort', () => {
            innerAborted = true;
          });
        }),
      { signal: controller.signal },
    );
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'LLMError', type: 'aborted' });
    expect(innerAborted).toBe(true);
    expect(breaker.state).toBe('halfOpen');
    expect(rejectionOf(breaker)).toBeUndefined();
  });

  it('rejects an already aborted call without taking a permit', async () => {
    const { breaker } = breakerOn();
    let ran = false;
    const call = breaker.execute(
      async () => {
        ran = true;
      },
      { signal: AbortSignal.abort() },
    );
    await expect(call).rejects.toMatchObject({ type: 'aborted' });
    expect(ran).toBe(false);
  });

  it('reports a non-LLMError throw as unknown, which counts as a failure', async () => {
    const { breaker } = breakerOn({ failureThreshold: 1 });
    const boom = new Error('socket hang up');
    const error = await breaker.execute(() => Promise.reject(boom)).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'unknown', cause: { message: 'socket hang up' } });
    // The kept cause is a redacted copy; the thrown value itself is reachable on purpose.
    expect((error as LLMError).originalCause()).toBe(boom);
    expect(breaker.state).toBe('open');
    await expect(breaker.execute(async () => 'never')).rejects.toMatchObject({ code: 'circuit_open' });
  });

  it('wraps a function so its calls go through the breaker', async () => {
    const { breaker } = breakerOn({ failureThreshold: 1 });
    const double = breaker.wrap(async (n: number) => n * 2);
    await expect(double(21)).resolves.toBe(42);
    const failing = breaker.wrap(async () => {
      throw new LLMError({ type: 'timeout' });
    });
    await expect(failing()).rejects.toMatchObject({ type: 'timeout' });
    await expect(double(1)).rejects.toMatchObject({ code: 'circuit_open' });
  });

  it('counts only the first release of a permit and refuses a malformed outcome', () => {
    const { breaker } = breakerOn({ failureThreshold: 2 });
    const permit = permitOf(breaker);
    expect(() => permit.release({ kind: 'success', durationMs: -1 })).toThrow(/durationMs/);
    const error = new LLMError({ type: 'provider_error' });
    permit.release({ kind: 'failure', error, durationMs: 1 });
    permit.release({ kind: 'failure', error, durationMs: 1 });
    expect(breaker.state).toBe('closed');
  });
});

describe('stop', () => {
  it('leaves no timer pending and refuses further permits', () => {
    const { breaker, clock } = breakerOn({ failureThreshold: 1 });
    failOnce(breaker);
    expect(clock.pending()).toBe(1);
    breaker.stop();
    expect(clock.pending()).toBe(0);
    expect(() => breaker.tryAcquire()).toThrow(/stopped/);
  });

  it('rejects execute after stop instead of throwing synchronously', async () => {
    const { breaker } = breakerOn();
    breaker.stop();
    const call = breaker.execute(async () => 'late');
    await expect(call).rejects.toThrow(/stopped/);
  });
});
