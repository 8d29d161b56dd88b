import { describe, expect, it } from 'vitest';
import { LLMError } from '../src/errors/llm-error.js';
import { breakerOn, failOnce, permitOf, rejectionOf, succeedOnce } from './breaker-helpers.js';

describe('closed: tripping', () => {
  it('opens after 5 consecutive failures by default', () => {
    const { breaker } = breakerOn();
    for (let i = 0; i < 4; i++) failOnce(breaker);
    expect(breaker.state).toBe('closed');
    failOnce(breaker);
    expect(breaker.state).toBe('open');
  });

  it('starts the consecutive count again after a success', () => {
    const { breaker } = breakerOn({ failureThreshold: 3 });
    failOnce(breaker);
    failOnce(breaker);
    succeedOnce(breaker);
    failOnce(breaker);
    failOnce(breaker);
    expect(breaker.state).toBe('closed');
    failOnce(breaker);
    expect(breaker.state).toBe('open');
  });

  it('opens on the failure rate only once the window holds minimumCalls calls', () => {
    const { breaker } = breakerOn({ failureThreshold: 100, failureRateThreshold: 0.5, minimumCalls: 4 });
    failOnce(breaker);
    succeedOnce(breaker);
    failOnce(breaker);
    expect(breaker.state).toBe('closed');
    failOnce(breaker);
    expect(breaker.state).toBe('open');
    expect(breaker.actor.getSnapshot().context.reason).toBe('failure_rate');
  });

  it('forgets calls that slid out of the window', () => {
    const { breaker, clock } = breakerOn({
      failureThreshold: 100,
      failureRateThreshold: 0.5,
      minimumCalls: 4,
      windowMs: 10_000,
    });
    failOnce(breaker);
    failOnce(breaker);
    failOnce(breaker);
    clock.increment(10_000);
    succeedOnce(breaker);
    succeedOnce(breaker);
    succeedOnce(breaker);
    failOnce(breaker);
    expect(breaker.state).toBe('closed');
    failOnce(breaker);
    expect(breaker.state).toBe('closed');
    failOnce(breaker);
    expect(breaker.state).toBe('open');
  });

  it('counts a success slower than slowCallMs as a failure', () => {
    const { breaker } = breakerOn({ failureThreshold: 2, slowCallMs: 1_000 });
    succeedOnce(breaker, 1_000);
    succeedOnce(breaker, 1_001);
    expect(breaker.state).toBe('closed');
    succeedOnce(breaker, 5_000);
    expect(breaker.state).toBe('open');
  });

  it('does not trip on rate limits by default, and a 429 does not reset the count', () => {
    const { breaker } = breakerOn({ failureThreshold: 2 });
    for (let i = 0; i < 10; i++) failOnce(breaker, 'rate_limit', 30_000);
    expect(breaker.state).toBe('closed');
    failOnce(breaker);
    failOnce(breaker, 'rate_limit');
    failOnce(breaker);
    expect(breaker.state).toBe('open');
  });

  it('trips on rate limits when countedErrors lists them', () => {
    const { breaker } = breakerOn({ failureThreshold: 2, countedErrors: ['rate_limit'] });
    failOnce(breaker, 'rate_limit');
    failOnce(breaker, 'rate_limit');
    expect(breaker.state).toBe('open');
  });
});

describe('open', () => {
  it('rejects at once with circuit_open and the time left until half-open', () => {
    const { breaker, clock } = breakerOn({ id: 'openai', failureThreshold: 1, openMs: 30_000 });
    failOnce(breaker);
    clock.increment(10_000);
    const error = rejectionOf(breaker);
    expect(error).toMatchObject({ type: 'provider_error', code: 'circuit_open', retryable: false });
    expect(error).toMatchObject({ retryAfterMs: 20_000, provider: 'openai' });
    expect(breaker.retryAfterMs()).toBe(20_000);
    clock.increment(20_000);
    expect(breaker.state).toBe('halfOpen');
    expect(breaker.retryAfterMs()).toBe(0);
  });

  it('stays open at least as long as a Retry-After hint asks', () => {
    const { breaker, clock } = breakerOn({ failureThreshold: 2, openMs: 10_000 });
    failOnce(breaker, 'provider_error', 45_000);
    failOnce(breaker);
    expect(breaker.retryAfterMs()).toBe(45_000);
    clock.increment(44_999);
    expect(breaker.state).toBe('open');
    clock.increment(1);
    expect(breaker.state).toBe('halfOpen');
  });

  it('ignores the Retry-After hint when honorRetryAfter is false', () => {
    const { breaker } = breakerOn({ failureThreshold: 1, openMs: 10_000, honorRetryAfter: false });
    failOnce(breaker, 'provider_error', 45_000);
    expect(breaker.retryAfterMs()).toBe(10_000);
  });

  it('grows the open duration on each failed probe up to maxOpenMs, and resets it on close', () => {
    const options = {
      failureThreshold: 1,
      successThreshold: 1,
      halfOpenMaxCalls: 1,
      openMs: 1_000,
      backoffFactor: 3,
      maxOpenMs: 20_000,
    };
    const { breaker, clock } = breakerOn(options);
    failOnce(breaker);
    const durations: number[] = [];
    for (let i = 0; i < 4; i++) {
      durations.push(breaker.retryAfterMs());
      clock.increment(breaker.retryAfterMs());
      failOnce(breaker);
    }
    durations.push(breaker.retryAfterMs());
    expect(durations).toEqual([1_000, 3_000, 9_000, 20_000, 20_000]);
    clock.increment(20_000);
    succeedOnce(breaker);
    failOnce(breaker);
    expect(breaker.retryAfterMs()).toBe(1_000);
  });
});

describe('halfOpen', () => {
  const halfOpen = (options = {}) => {
    const made = breakerOn({ failureThreshold: 1, openMs: 1_000, ...options });
    failOnce(made.breaker);
    made.clock.increment(1_000);
    expect(made.breaker.state).toBe('halfOpen');
    return made;
  };

  it('lets at most halfOpenMaxCalls of 100 concurrent calls through', async () => {
    const { breaker } = halfOpen({ halfOpenMaxCalls: 3, successThreshold: 10 });
    const gates: Array<() => void> = [];
    let started = 0;
    const call = () =>
      breaker.execute(() => {
        started++;
        return new Promise<string>((resolve) => gates.push(() => resolve('ok')));
      });
    const results = Array.from({ length: 100 }, call).map((p) =>
      p.then(
        () => 'ok',
        (e: { code: string }) => e.code,
      ),
    );
    expect(started).toBe(3);
    for (const open of gates) open();
    const settled = await Promise.all(results);
    expect(settled.filter((r) => r === 'ok')).toHaveLength(3);
    expect(settled.filter((r) => r === 'circuit_open')).toHaveLength(97);
  });

  it('gives a cancelled probe its permit back without counting it', () => {
    const { breaker } = halfOpen({ halfOpenMaxCalls: 1, successThreshold: 1 });
    const probe = permitOf(breaker);
    expect(rejectionOf(breaker)?.code).toBe('circuit_open');
    probe.release({ kind: 'cancelled' });
    expect(breaker.state).toBe('halfOpen');
    succeedOnce(breaker);
    expect(breaker.state).toBe('closed');
  });

  it('closes after successThreshold successes', () => {
    const { breaker } = halfOpen({ successThreshold: 3 });
    succeedOnce(breaker);
    succeedOnce(breaker);
    expect(breaker.state).toBe('halfOpen');
    succeedOnce(breaker);
    expect(breaker.state).toBe('closed');
  });

  it('with the defaults, tolerates one failed probe of three and reopens on the second', () => {
    const { breaker } = halfOpen();
    failOnce(breaker, 'provider_error');
    expect(breaker.state).toBe('halfOpen');
    expect(breaker.actor.getSnapshot().context.halfOpenFailures).toBe(1);
    succeedOnce(breaker);
    expect(breaker.state).toBe('halfOpen');
    failOnce(breaker, 'timeout');
    expect(breaker.state).toBe('open');
    expect(breaker.actor.getSnapshot().context.reason).toBe('probe_failed');
  });

  it('with the defaults, closes on two successes around a tolerated failure, and frees its slot', () => {
    const { breaker } = halfOpen();
    const probes = [permitOf(breaker), permitOf(breaker), permitOf(breaker)];
    expect(rejectionOf(breaker)?.code).toBe('circuit_open');
    probes[0]?.release({ kind: 'failure', error: new LLMError({ type: 'provider_error' }), durationMs: 10 });
    // The failed probe's slot is free again: a fourth call may probe.
    const fourth = permitOf(breaker);
    probes[1]?.release({ kind: 'success', durationMs: 10 });
    expect(breaker.state).toBe('halfOpen');
    probes[2]?.release({ kind: 'success', durationMs: 10 });
    expect(breaker.state).toBe('closed');
    fourth.release({ kind: 'failure', error: new LLMError({ type: 'provider_error' }), durationMs: 10 });
    expect(breaker.state).toBe('closed');
  });

  it('a slow success counts as a probe failure toward the round', () => {
    const { breaker } = halfOpen({ slowCallMs: 100 });
    const slow = permitOf(breaker);
    slow.release({ kind: 'success', durationMs: 500 });
    expect(breaker.state).toBe('halfOpen');
    expect(breaker.actor.getSnapshot().context.halfOpenFailures).toBe(1);
    const slower = permitOf(breaker);
    slower.release({ kind: 'success', durationMs: 500 });
    expect(breaker.state).toBe('open');
  });

  it('reopens on one counted failure, but not on a rate limit', () => {
    const { breaker } = halfOpen({ successThreshold: 3 });
    succeedOnce(breaker);
    failOnce(breaker, 'rate_limit');
    expect(breaker.state).toBe('halfOpen');
    failOnce(breaker, 'timeout');
    expect(breaker.state).toBe('open');
  });

  it('ignores the outcome of a call that started before the circuit opened', () => {
    const { breaker, clock } = breakerOn({ failureThreshold: 1, successThreshold: 1, openMs: 1_000 });
    const early = permitOf(breaker);
    failOnce(breaker);
    clock.increment(1_000);
    early.release({ kind: 'success', durationMs: 1_500 });
    expect(breaker.state).toBe('halfOpen');
    expect(breaker.actor.getSnapshot().context.halfOpenSuccesses).toBe(0);
  });
});
