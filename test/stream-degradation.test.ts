/**
 * A streamed call that fails before its first token degrades like a whole-answer call: the provider's own
 * error (not a timeout invented when the machine stops the finished attempt) decides who may take the
 * simplified prompt. Found by the lifecycle model's result check on streamed paths.
 */
import { describe, expect, it } from 'vitest';
import { settleWithClock } from '../src/testing/drive-clock.js';
import { ask, setup } from './helpers/lifecycle.js';

describe('streamed call degrading to the simplified prompt', () => {
  it.each([
    ['content_filtered', 'unknown'],
    ['context_length', 'authentication'],
  ] as const)(
    'gives the %s provider the simplified prompt after a %s on the other',
    async (simplifiable, other) => {
      const { clock, llm, providers } = setup(
        {
          a: [{ error: simplifiable }, { text: 'simple answer' }],
          b: [{ error: other }],
        },
        {
          degradation: { simplifiedPrompt: 'Answer briefly.', fallback: 'static' },
          contentFilter: { rewriteInstruction: false },
        },
      );
      const stream = llm.stream(ask());
      const settled = await settleWithClock(stream.result, clock);
      if (!settled.ok) throw settled.error;
      const result = settled.value;
      expect(result.source).toBe('simplified');
      expect(result.text).toBe('simple answer');
      expect(result.attempts.map((a) => [a.provider, a.outcome, a.phase ?? 'primary'])).toEqual([
        ['a', simplifiable, 'primary'],
        ['b', other, 'primary'],
        ['a', 'success', 'simplified'],
      ]);
      expect(providers.a?.calls.at(-1)?.request.messages[0]).toEqual({
        role: 'system',
        content: 'Answer briefly.',
      });
      await llm.stop();
    },
  );
});
