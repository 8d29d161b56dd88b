/**
 * The `hedging` option is validated once, at creation, naming the field; defaults fill what is left out.
 */
import { describe, expect, it } from 'vitest';
import { defaultHedgingOptions } from '../src/client/hedging-options.js';
import { resolveOptions } from '../src/client/options.js';
import { setup } from './helpers/lifecycle.js';

describe('hedging options', () => {
  it.each([
    [{ hedging: { delayMs: -1 } }, /delayMs must be >= 0\s+→ at hedging\.delayMs/],
    [
      { hedging: { delayMs: 'p42' } },
      /delayMs must be a number of ms >= 0 or one of[\s\S]*→ at hedging\.delayMs/,
    ],
    [{ hedging: { mode: 'always' } }, /mode must be 'latency', 'on-failure' or 'both'\s+→ at hedging\.mode/],
    [{ hedging: { mode: 'both', raceShare: 1.2 } }, /raceShare must be <= 1\s+→ at hedging\.raceShare/],
    [{ hedging: { raceShare: -0.5 } }, /raceShare must be >= 0\s+→ at hedging\.raceShare/],
    [{ hedging: { raceShare: 'half' } }, /raceShare must be a number\s+→ at hedging\.raceShare/],
    [{ hedging: { budget: { ratio: 1.5 } } }, /ratio must be <= 1\s+→ at hedging\.budget\.ratio/],
    [{ hedging: { budget: { ratio: -0.1 } } }, /ratio must be >= 0\s+→ at hedging\.budget\.ratio/],
    [{ hedging: { budget: { windowMs: 0 } } }, /windowMs must be > 0\s+→ at hedging\.budget\.windowMs/],
    [{ hedging: { maxHedges: 0 } }, /maxHedges must be >= 1\s+→ at hedging\.maxHedges/],
    [{ hedging: { fallbackDelayMs: -5 } }, /fallbackDelayMs must be >= 0\s+→ at hedging\.fallbackDelayMs/],
    [{ hedging: { minSamples: 0 } }, /minSamples must be >= 1\s+→ at hedging\.minSamples/],
    [{ hedging: { after: 10 } }, /after[\s\S]*→ at hedging/],
    [{ hedging: true }, /hedging must be false or \{/],
  ])('rejects %j at creation, naming the field', (options, message) => {
    expect(() => setup({ a: [{ text: 'x' }] }, options as never)).toThrow(message);
  });

  it('is off by default and fills the documented defaults when turned on', () => {
    const providers = [{ id: 'a', call: async () => ({ text: 'x' }) }];
    expect(resolveOptions({ providers }).hedging).toBe(false);
    expect(resolveOptions({ providers, hedging: {} }).hedging).toEqual(defaultHedgingOptions);
    expect(
      resolveOptions({ providers, hedging: { delayMs: 0, budget: { ratio: 1 } } }).hedging,
    ).toMatchObject({
      delayMs: 0,
      budget: { ratio: 1, windowMs: 10_000, minPerWindow: 1 },
    });
  });
});
