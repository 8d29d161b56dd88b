/**
 * Finds the JSON value in a model's answer: bare JSON, JSON in a markdown code fence, or JSON with prose
 * around it. One left-to-right scan visits every character once and nothing recurses. Memory is bounded by
 * typed arrays (a few bytes per input character, no per-bracket objects), and at most
 * {@link MAX_JSON_CANDIDATES} candidate spans are parsed, so hostile output (10 MB of `{`, millions of `{}`
 * or `{a}`) costs time linear in its length with a small constant. Callers bound the length itself
 * (`validation.maxOutputBytes`).
 */

/** Result of {@link extractJson}. */
export type ExtractResult = { ok: true; value: unknown } | { ok: false; reason: string };

/** Work done by one {@link extractJson}, for callers (and tests) that count it. */
export interface ExtractMeter {
  /** Characters visited by the bracket scan. */
  visits: number;
  /** `JSON.parse` calls. */
  parses: number;
}

/** Most balanced spans parsed before giving up: bounds the cost of answers made of many tiny non-JSON spans. */
export const MAX_JSON_CANDIDATES = 32;

const OPEN_BRACE = 123; // {
const OPEN_BRACKET = 91; // [
const CLOSE_BRACE = 125; // }
const CLOSE_BRACKET = 93; // ]
const QUOTE = 34; // "
const BACKSLASH = 92; // \

/**
 * Extracts the first JSON object or array that parses from `text` (a whole-text JSON scalar is accepted too).
 * Never throws. `meter`, when given, is incremented with the work done.
 */
export function extractJson(text: string, meter?: ExtractMeter): ExtractResult {
  const work = meter ?? { visits: 0, parses: 0 };
  const trimmed = text.trim();
  if (trimmed.length === 0) return { ok: false, reason: 'The answer is empty.' };
  const whole = tryParse(trimmed, work);
  if (whole.ok) return whole;
  const fenced = fencedBody(trimmed);
  if (fenced !== undefined) {
    const inner = tryParse(fenced.trim(), work);
    if (inner.ok) return inner;
  }
  return scanForJson(trimmed, work);
}

function tryParse(text: string, meter: ExtractMeter): ExtractResult {
  meter.parses++;
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
 * Parses the maximal balanced spans (those not inside another balanced span), in order, up to
 * {@link MAX_JSON_CANDIDATES}. Spans are disjoint, so the text parsed is at most the text scanned, and an
 * unclosed `{` before a valid `[1,2]` does not hide it.
 */
function scanForJson(text: string, meter: ExtractMeter): ExtractResult {
  const spans = maximalSpans(text, meter);
  const count = Math.min(spans.length / 2, MAX_JSON_CANDIDATES);
  for (let k = 0; k < count; k++) {
    const parsed = tryParse(text.slice(spans.at(2 * k), (spans.at(2 * k + 1) as number) + 1), meter);
    if (parsed.ok) return parsed;
  }
  return { ok: false, reason: 'The answer contains no complete JSON object or array.' };
}

/** A growable stack of integers in a typed array (no boxed numbers, no per-entry objects). */
class IntStack {
  private data = new Int32Array(16);
  length = 0;
  push(value: number) {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  pop(): number {
    return this.data[--this.length] as number;
  }
  at(index: number): number {
    return this.data[index] as number;
  }
}

/** The maximal balanced spans as flat `[start, end, start, end, …]` pairs, in order of start. */
function maximalSpans(text: string, meter: ExtractMeter): IntStack {
  const opens = new IntStack();
  const spans = new IntStack();
  let inString = false;
  const n = text.length;
  let i = 0;
  for (; i < n; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === BACKSLASH) i++;
      else if (ch === QUOTE) inString = false;
      continue;
    }
    if (ch === QUOTE) {
      if (opens.length > 0) inString = true;
    } else if (ch === OPEN_BRACE || ch === OPEN_BRACKET) {
      opens.push(i);
    } else if ((ch === CLOSE_BRACE || ch === CLOSE_BRACKET) && opens.length > 0) {
      const start = opens.pop();
      // Spans inside this one are no longer maximal: drop them (each span is dropped at most once).
      while (spans.length > 0 && spans.at(spans.length - 2) > start) spans.length -= 2;
      spans.push(start);
      spans.push(i);
    }
  }
  meter.visits += Math.min(i, n);
  return spans;
}
