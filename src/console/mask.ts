/**
 * What the console shows of a body or headers: every credential masked. A field is a credential by its name
 * (key, token, secret, password, authorization, cookie, signature and the names that end so, e.g. accessToken,
 * webhookSecret, X-Api-Key), at any depth; a string that carries an HTTP credential (`Bearer …`, `Basic …`) is
 * masked wherever it stands. The bodies a module stored are shown through this, whatever the module kept.
 */

export const MASK = '[masked]';

const CREDENTIAL_NAME = /^(?:key|auth|authorization|cookie|set-?cookie|signature|credentials?|pass(?:word|wd|phrase)?|pwd|.*(?:token|secret|password|passwd|api-?key|private-?key|access-?key|session-?id))$/;

export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name.toLowerCase().replace(/_/g, '-'));
}

const HTTP_CREDENTIAL = /\b(Bearer|Basic|Token|Digest)\s+[A-Za-z0-9._~+/=-]{4,}/g;

function maskString(text: string): string {
  return text.replace(HTTP_CREDENTIAL, (_match, scheme: string) => `${scheme} ${MASK}`);
}

/** A copy of `value` with every credential masked (objects, arrays and strings at any depth; the rest as it is). */
export function maskCredentials(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskString(value);
  if (value === null || typeof value !== 'object' || depth > 40) return value;
  if (Array.isArray(value)) return value.map((item) => maskCredentials(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [name, inner] of Object.entries(value as Record<string, unknown>)) {
    out[name] = isCredentialName(name) && inner !== null && inner !== '' ? maskedValue(inner) : maskCredentials(inner, depth + 1);
  }
  return out;
}

/** `Bearer abc` keeps its scheme, anything else is the mask. */
function maskedValue(value: unknown): string {
  const scheme = typeof value === 'string' ? /^(Bearer|Basic|Token|Digest)\s/.exec(value)?.[1] : undefined;
  return scheme ? `${scheme} ${MASK}` : MASK;
}

/** Text as a peer sent it: JSON is parsed, masked and laid out; other text has its HTTP credentials masked. */
export function maskedText(text: string | null | undefined): string {
  if (text === null || text === undefined || text === '') return '';
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return prettyJson(maskCredentials(JSON.parse(trimmed)));
    } catch {
      // not JSON after all: shown as text
    }
  }
  return maskString(text);
}

/** A value laid out for reading, masked; long bodies are cut (the admin API has them whole). */
export function maskedJson(value: unknown, maxChars = 20_000): string {
  if (value === undefined || value === null) return '';
  const text = prettyJson(maskCredentials(value));
  return text.length > maxChars ? `${text.slice(0, maxChars)}\n… (${text.length - maxChars} more characters)` : text;
}

function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? '';
}
