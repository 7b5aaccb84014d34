/**
 * What the console shows of a body or headers: every credential masked, by the app's one rule (common/credentials:
 * a field by its name, at any depth; `name: value` pairs and HTTP credentials inside text). The bodies a module
 * stored are shown through this, whatever the module kept.
 */
import { maskCredentials, maskCredentialsInText } from '../common/credentials';

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
  return maskCredentialsInText(text);
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
