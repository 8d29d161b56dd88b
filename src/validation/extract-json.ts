/**
 * Finds the JSON value in a model's answer: bare JSON, JSON in a markdown code fence, or JSON with prose
 * around it. One left-to-right scan: every character is visited a bounded number of times, so a 10 MB
 * answer or 100k unbalanced brackets stay linear, and nothing recurses.
 */

/** Result of {@link extractJson}. */
export type ExtractResult = { ok: true; value: unknown } | { ok: false; reason: string };

const OPEN = new Set(['{', '[']);

/**
 * Extracts the first JSON object or array that parses from `text` (a whole-text JSON scalar is accepted too).
 * Never throws.
 */
export function extractJson(text: string): ExtractResult {
  const trimmed = text.trim();
  if (trimmed.length === 0) return { ok: false, reason: 'The answer is empty.' };
  const whole = tryParse(trimmed);
  if (whole.ok) return whole;
  const fenced = fencedBody(trimmed);
  if (fenced !== undefined) {
    const inner = tryParse(fenced.trim());
    if (inner.ok) return inner;
  }
  return scanForJson(trimmed);
}

function tryParse(text: string): ExtractResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : 'not JSON' };
  }
}

/** The body of the first ``` fence, if any (found with indexOf, not a backtracking regex). */
function fencedBody(text: string): string | undefined {
  const start = text.indexOf('```');
  if (start === -1) return undefined;
  const lineEnd = text.indexOf('\n', start + 3);
  if (lineEnd === -1) return undefined;
  const end = text.indexOf('```', lineEnd + 1);
  return text.slice(lineEnd + 1, end === -1 ? undefined : end);
}

/**
 * One pass with a stack of open brackets (outside strings) collects the maximal balanced spans — those not
 * inside another balanced span — then parses each once. Spans are disjoint, so the total work is linear, and
 * an unclosed `{` before a valid `[1,2]` does not hide it.
 */
function scanForJson(text: string): ExtractResult {
  for (const [start, end] of maximalSpans(text)) {
    const parsed = tryParse(text.slice(start, end + 1));
    if (parsed.ok) return parsed;
  }
  return { ok: false, reason: 'The answer contains no complete JSON object or array.' };
}

function maximalSpans(text: string): Array<[number, number]> {
  const opens: number[] = [];
  const spans: Array<[number, number]> = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      if (opens.length > 0) inString = true;
    } else if (OPEN.has(ch as string)) {
      opens.push(i);
    } else if ((ch === '}' || ch === ']') && opens.length > 0) {
      const start = opens.pop() as number;
      while (spans.length > 0 && (spans.at(-1) as [number, number])[0] > start) spans.pop();
      spans.push([start, i]);
    }
  }
  return spans;
}
