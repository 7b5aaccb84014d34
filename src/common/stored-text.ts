import { createHash } from 'node:crypto';

/** Text cut to its column's length (an empty text stored as null). */
export function cutToColumn(text: string | null, max: number): string | null {
  return text ? text.slice(0, max) : null;
}

/**
 * A dedupe key that fits its unique index's column: a key longer than `maxLength` is stored as `prefix` and the
 * SHA-256 of the whole key (a long key is still told from every other, and the same key always maps the same).
 */
export function boundedKey(key: string, maxLength: number, prefix: string): string {
  if (key.length <= maxLength) return key;
  return `${prefix}sha256:${createHash('sha256').update(key).digest('hex')}`;
}
