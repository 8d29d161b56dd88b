import { describe, expect, it } from 'vitest';
import { createCircuitBreaker, defaultBreakerOptions, resolveBreakerOptions } from '../src/breaker/index.js';
import { systemClock } from '../src/clock.js';

const badOptions: Array<[string, Record<string, unknown>]> = [
  ['failureThreshold', { failureThreshold: 0 }],
  ['failureThreshold', { failureThreshold: 2.5 }],
  ['failureThreshold', { failureThreshold: '5' }],
  ['successThreshold', { successThreshold: -1 }],
  ['openMs', { openMs: -1 }],
  ['openMs', { openMs: Number.NaN }],
  ['openMs', { openMs: Number.POSITIVE_INFINITY }],
  ['halfOpenMaxCalls', { halfOpenMaxCalls: 0 }],
  ['failureRateThreshold', { failureRateThreshold: 1.5 }],
  ['failureRateThreshold', { failureRateThreshold: 0 }],
  ['windowMs', { windowMs: 0 }],
  ['minimumCalls', { minimumCalls: 0 }],
  ['slowCallMs', { slowCallMs: -5 }],
  ['backoffFactor', { backoffFactor: 0.5 }],
  ['maxOpenMs', { maxOpenMs: -1 }],
  ['maxOpenMs', { openMs: 120_000, maxOpenMs: 60_000 }],
  ['honorRetryAfter', { honorRetryAfter: 'yes' }],
  ['countedErrors', { countedErrors: ['server_on_fire'] }],
  ['countedErrors', { countedErrors: 'timeout' }],
  ['clock', { clock: { now: () => 0 } }],
  ['id', { id: '' }],
  ['failureTreshold', { failureTreshold: 3 }],
];

describe('breaker options', () => {
  it.each(badOptions)('names %s in the error for %o', (field, options) => {
    let message = '';
    try {
      createCircuitBreaker(options as never);
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid breaker options:\n/);
    expect(message).toContain(field);
  });

  it('names every bad field in one message', () => {
    expect(() => resolveBreakerOptions({ failureThreshold: 0, openMs: -1 })).toThrow(
      /failureThreshold[\s\S]*openMs|openMs[\s\S]*failureThreshold/,
    );
  });

  it('fills in the documented defaults', () => {
    const resolved = resolveBreakerOptions();
    expect(resolved).toEqual(defaultBreakerOptions);
    expect(resolved).toMatchObject({
      failureThreshold: 5,
      successThreshold: 2,
      openMs: 1_000,
      halfOpenMaxCalls: 3,
      backoffFactor: 2,
      maxOpenMs: 60_000,
    });
    expect(resolved.countedErrors).toEqual(['provider_error', 'timeout', 'unknown']);
    expect(resolved.clock).toBe(systemClock);
  });

  it('treats an explicit undefined as the default', () => {
    expect(resolveBreakerOptions({ openMs: undefined as never }).openMs).toBe(1_000);
  });

  it('accepts a valid rate-mode configuration', () => {
    const breaker = createCircuitBreaker({ failureRateThreshold: 1, minimumCalls: 1, slowCallMs: 1 });
    expect(breaker.state).toBe('closed');
    expect(breaker.actor.getSnapshot().context.config.failureRateThreshold).toBe(1);
    breaker.stop();
  });
});
