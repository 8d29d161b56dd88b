/**
 * Scrubs credentials out of text before it leaves the library — the one redaction function every error
 * message, serialized error, HTTP log field and inspector frame goes through. First by value: every key an
 * adapter was given (see `secrets.ts`), in any shape. Then by pattern: OpenAI/Anthropic/OpenRouter style
 * keys (`sk-...`, `sk-ant-...`), Google API keys (`AIza...`), `Bearer`/`Basic` credentials, `x-api-key` /
 * `api-key` / `api_key=` / `authorization:` values, and the key echoed by "Incorrect API key provided: ...".
 * Linear regexes only.
 */
import { scrubKnownSecrets } from './secrets.js';

/** Messages are cut to this many characters (after redaction). */
export const MAX_MESSAGE_CHARS = 1_000;

/** What replaces a secret. */
export const REDACTED = '[redacted]';

const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bsk-[A-Za-z0-9_*-]{4,}/g, `sk-${REDACTED}`],
  [/\bAIza[0-9A-Za-z_-]{20,}/g, REDACTED],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=*-]+/gi, `$1 ${REDACTED}`],
  [
    /\b((?:x-)?api[-_]?key|x-goog-api-key|authorization)(["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi,
    `$1$2${REDACTED}`,
  ],
  [/\b(API key provided:\s*)[^\s,]+?(\.?(?:\s|$))/gi, `$1${REDACTED}$2`],
];

/** Text with every recognised credential replaced by {@link REDACTED}. */
export function redactSecrets(text: string): string {
  let out = scrubKnownSecrets(text, REDACTED);
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** A message safe to log: bounded before scanning, redacted, whitespace collapsed, then cut. */
export function safeMessage(text: string): string {
  const bounded = text.length > MAX_MESSAGE_CHARS * 4 ? text.slice(0, MAX_MESSAGE_CHARS * 4) : text;
  const clean = redactSecrets(bounded).replace(/\s+/g, ' ').trim();
  return clean.length > MAX_MESSAGE_CHARS ? `${clean.slice(0, MAX_MESSAGE_CHARS - 1)}…` : clean;
}
