/**
 * Credentials known by value. Every provider adapter registers the key it was given (or the one its SDK
 * client holds) here at construction; {@link redactSecrets} then scrubs that exact string, and the forms it
 * travels in (URL-encoded, JSON-escaped, Base64 as in `Basic` auth), from any text that leaves the library,
 * whatever the key looks like (`gsk_…`, `xai-…`, an unprefixed random string). Pattern rules for well-known
 * key shapes run as well (see `redact.ts`).
 *
 * Values shorter than {@link MIN_SECRET_CHARS} are not registered: scrubbing a 5-character "key" such as
 * `ollama` would garble ordinary words. At most {@link MAX_SECRETS} distinct values are held (the oldest is
 * forgotten first); registering the same value again is free.
 */

/** Shortest value scrubbed by value. Shorter keys are only caught by the pattern rules. */
export const MIN_SECRET_CHARS = 8;
/** Longest value registered (longer strings are not credentials). */
export const MAX_SECRET_CHARS = 4_096;
/** Distinct values held; beyond it the oldest registration is forgotten. */
export const MAX_SECRETS = 256;

const secrets = new Set<string>();
let matcher: RegExp | undefined;

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** The forms a key is written in on the wire and in logs, longest first. */
function formsOf(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
  for (const credential of [secret, `${secret}:`, `:${secret}`]) {
    const encoded = base64(credential);
    forms.add(encoded);
    forms.add(encoded.replace(/=+$/, ''));
    forms.add(encoded.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
  }
  return [...forms].filter((form) => form.length >= MIN_SECRET_CHARS);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/**
 * Remembers `value` so that it is scrubbed from every error message, serialized error, log field and
 * inspector frame from now on. Ignores non-strings, values shorter than {@link MIN_SECRET_CHARS} and longer
 * than {@link MAX_SECRET_CHARS}. Adapters call it for you; call it for credentials your own providers use.
 */
export function registerSecret(value: unknown): void {
  if (typeof value !== 'string') return;
  const secret = value.trim();
  if (secret.length < MIN_SECRET_CHARS || secret.length > MAX_SECRET_CHARS || secrets.has(secret)) return;
  secrets.add(secret);
  if (secrets.size > MAX_SECRETS) secrets.delete(secrets.values().next().value as string);
  matcher = undefined;
}

/** Forgets every registered value (for tests). */
export function clearSecrets(): void {
  secrets.clear();
  matcher = undefined;
}

function currentMatcher(): RegExp | undefined {
  if (secrets.size === 0) return undefined;
  if (matcher === undefined) {
    const forms = [...new Set([...secrets].flatMap(formsOf))].sort((a, b) => b.length - a.length);
    matcher = new RegExp(forms.map(escapeRegExp).join('|'), 'g');
  }
  return matcher;
}

/** `text` with every registered value (in each of its forms) replaced by `replacement`. */
export function scrubKnownSecrets(text: string, replacement: string): string {
  const pattern = currentMatcher();
  return pattern === undefined ? text : text.replace(pattern, replacement);
}
