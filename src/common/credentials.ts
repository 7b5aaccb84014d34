/**
 * Credentials never leave the process in clear: wherever a header, a body or a peer's answer is written (logs,
 * stored delivery attempts, recorded sandbox requests, error messages) a value whose name says it is a credential
 * is replaced, by the name alone, so a header or field nobody listed is masked too.
 *
 * Credential names: any containing `authorization` (Proxy-Authorization), `api-key` / `api_key` / `apikey`
 * (Market's Api-Key, X-Api-Key), `token` (X-Auth-Token, accessToken), `secret`, `password`, `cookie`, and `key`
 * itself (IMSHOP's key in a body).
 */
const CREDENTIAL_NAME = /authorization|api[-_]?key|token|secret|password|passwd|cookie|^key$/i;

/** What a masked value becomes. */
export const MASK = '[masked]';

export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name);
}

/**
 * Headers by lower-case name, credentials masked; an authorization header keeps its scheme (`Bearer [masked]`),
 * which tells how the caller authenticated without telling with what.
 */
export function maskHeaders(headers: Record<string, string | string[] | number | undefined>, mask = MASK): Record<string, string> {
  const masked: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(', ') : String(raw);
    const lower = name.toLowerCase();
    if (!isCredentialName(lower)) masked[lower] = value;
    else {
      const scheme = /^(Bearer|Basic|Digest|OAuth)\s/i.exec(value);
      masked[lower] = scheme ? `${scheme[1]} ${mask}` : mask;
    }
  }
  return masked;
}

/**
 * A copy of a JSON-like value with every credential field masked, at any depth (deeper than 32 levels: cut), and
 * `name: value` pairs inside its strings (an error message quoting a header) as {@link maskCredentialsInText} does.
 */
export function maskCredentials(value: unknown, mask = MASK, depth = 0): unknown {
  if (typeof value === 'string') return maskCredentialsInText(value, mask);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 32) return mask;
  if (Array.isArray(value)) return value.map((item) => maskCredentials(item, mask, depth + 1));
  // Object.fromEntries defines own properties: a "__proto__" field stays a field.
  return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, isCredentialName(name) ? mask : maskCredentials(inner, mask, depth + 1)]));
}

/** Cheap first look: most texts name no credential at all and are returned as they are. */
const MENTIONS_CREDENTIAL = /authorization|api[-_]?key|token|secret|password|passwd|cookie|key|Bearer|Basic/i;
/** An HTTP credential wherever it stands (`… with Bearer sk_live_abc …`): the scheme stays, the credential goes. */
const HTTP_CREDENTIAL = /\b(Bearer|Basic)\s+(?!\[masked\])[A-Za-z0-9._~+/-]{8,}=*/g;
/** `"name": "value"` in JSON text. */
const JSON_STRING_FIELD = /"((?:[^"\\]|\\.)*)"(\s*:\s*)"(?:[^"\\]|\\.)*"/g;
/** `name: value` or `name=value` in any text (a header echoed in an error page, a query string, a log line). */
const TEXT_FIELD =
  /([A-Za-z0-9_-]*(?:authorization|api[-_]?key|token|secret|password|passwd|cookie)[A-Za-z0-9_-]*|(?<![A-Za-z0-9_-])key)(\s*[:=]\s*)((?:Bearer|Basic|Digest|OAuth)\s+)?(?!\[masked\])[^\s"'&,;<>()[\]{}]+/gi;

/**
 * Text as written somewhere (a peer's answer kept on a delivery attempt, an error message): JSON string fields and
 * `name: value` / `name=value` pairs with a credential name get their value masked, and so does an HTTP credential
 * (`Bearer …`, `Basic …`) wherever it stands. Text without any of these is returned unchanged (the same string).
 */
export function maskCredentialsInText(text: string, mask = MASK): string {
  if (!MENTIONS_CREDENTIAL.test(text)) return text;
  const json = text.replace(JSON_STRING_FIELD, (field: string, name: string, colon: string) => (isCredentialName(name) ? `"${name}"${colon}"${mask}"` : field));
  const fields = json.replace(
    TEXT_FIELD,
    (_field: string, name: string, separator: string, scheme: string | undefined) => `${name}${separator}${scheme ?? ''}${mask}`,
  );
  return fields.replace(HTTP_CREDENTIAL, (_credential: string, scheme: string) => `${scheme} ${mask}`);
}

/** A URL path with its query, credential parameters masked (`/metrics?token=[masked]`). */
export function maskUrl(url: string, mask = MASK): string {
  const query = url.indexOf('?');
  if (query < 0 || !MENTIONS_CREDENTIAL.test(url.slice(query))) return url;
  const params = url
    .slice(query + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // a broken escape: judged by its raw text
      }
      return equals >= 0 && isCredentialName(decoded) ? `${name}=${mask}` : pair;
    });
  return `${url.slice(0, query)}?${params.join('&')}`;
}
