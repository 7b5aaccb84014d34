import type { NextFunction, Request, Response } from 'express';
import { DEFAULT_MAX_JSON_DEPTH } from './lossless-json';

/**
 * What a parsed JSON body may not contain, found by fuzzing (each used to end in a 500):
 * - U+0000 or an unpaired UTF-16 surrogate in a string or key: PostgreSQL stores neither (text columns
 *   refuse NUL, jsonb refuses `\u0000` and lone surrogates), so such a body could never be stored;
 * - nesting deeper than {@link DEFAULT_MAX_JSON_DEPTH} levels: class-transformer recurses per level and
 *   overflows the call stack;
 * - a `constructor` key inside a nested object: class-transformer reads `value.constructor` to type
 *   nested objects and throws (at the top level it is harmless, and stays allowed).
 * Returns a message naming the problem and where it is, or null. Iterative, so any depth is safe.
 */
export function unsafeJsonProblem(body: unknown, maxDepth = DEFAULT_MAX_JSON_DEPTH): string | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: body, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = badText(value);
      if (problem) return `body: ${shown(path) || 'the body'} ${problem}`;
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth + 1 > maxDepth) return `body: nested deeper than ${maxDepth} levels (at ${shown(path) || 'the top'})`;
    if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push({ value: item, path: `${path}[${i}]`, depth: depth + 1 }));
      continue;
    }
    for (const key of Object.keys(value)) {
      const at = path ? `${path}.${key}` : key;
      if (key === 'constructor' && depth > 0) return `body: the key "constructor" is not allowed in a nested object (at ${shown(at)})`;
      const keyProblem = badText(key);
      if (keyProblem) return `body: a key of ${shown(path) || 'the body'} ${keyProblem}`;
      stack.push({ value: (value as Record<string, unknown>)[key], path: at, depth: depth + 1 });
    }
  }
  return null;
}

/** Paths are built from the sender's keys: keep the message short. */
function shown(path: string): string {
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

const SUSPECT = /[\u0000\ud800-\udfff]/;

function badText(text: string): string | null {
  if (!SUSPECT.test(text)) return null;
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000), which cannot be stored';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xd800 || code > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++;
      continue;
    }
    return `contains an unpaired surrogate (\\u${code.toString(16)}), which is not valid Unicode and cannot be stored`;
  }
  return null;
}

/** After the JSON body parser: answers 400 for a body {@link unsafeJsonProblem} refuses (raw bodies pass). */
export function rejectUnsafeJson() {
  return (req: Request, res: Response, next: NextFunction) => {
    const body: unknown = req.body;
    if (typeof body === 'object' && body !== null && !Buffer.isBuffer(body)) {
      const problem = unsafeJsonProblem(body);
      if (problem) {
        res.status(400).json({ statusCode: 400, error: 'Bad Request', message: [problem] });
        return;
      }
    }
    next();
  };
}
