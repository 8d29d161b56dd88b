/**
 * The redacted copy an LLMError keeps as its `cause`: its stack is formatted and redacted only when read.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../src/errors/classify.js';
import { redactedCopy } from '../src/errors/redact-value.js';

const SECRET = 'sk-live-0123456789abcdefSECRET';

function errorWithCountedStack(): { error: Error; reads: () => number } {
  const error = new Error(`upstream said: key ${SECRET}`);
  let reads = 0;
  const stack = `Error: upstream said: key ${SECRET}\n    at somewhere (file.js:1:1)`;
  Object.defineProperty(error, 'stack', {
    get() {
      reads++;
      return stack;
    },
    configurable: true,
  });
  return { error, reads: () => reads };
}

describe('redacted copy of a thrown error', () => {
  it('does not read the stack while classifying', () => {
    const { error, reads } = errorWithCountedStack();
    const classified = classifyError(error, { provider: 'p' });
    expect(reads()).toBe(0);
    expect(classified.cause).toBeInstanceOf(Error);
  });

  it('redacts the stack when it is first read, once', () => {
    const { error, reads } = errorWithCountedStack();
    const copy = redactedCopy(error) as Error;
    expect(reads()).toBe(0);
    expect(copy.stack).toContain('at somewhere');
    expect(copy.stack).not.toContain(SECRET);
    expect(copy.stack).toBe(copy.stack);
    expect(reads()).toBe(1);
    expect(inspect(copy, { showHidden: true, depth: 5 })).not.toContain(SECRET);
  });

  it('lets the stack be replaced, as an error’s own stack can be', () => {
    const copy = redactedCopy(new Error('x')) as Error;
    copy.stack = 'replaced';
    expect(copy.stack).toBe('replaced');
  });
});
