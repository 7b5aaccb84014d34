/**
 * A JSON document as a tree that serialises to exact text, so the fuzzer can send what `JSON.stringify`
 * never produces: integers beyond int64 (`123456789012345678901234567890`, unrounded), `1e999`, `-0`,
 * duplicate keys, `__proto__` as an ordinary key, and strings written with raw or escaped characters.
 */
export type JsonText =
  | { t: 'lit'; text: string } // a number, true, false or null, written exactly as given
  | { t: 'str'; value: string }
  | { t: 'arr'; items: JsonText[] }
  | { t: 'obj'; entries: [string, JsonText][] };

/** How strings are written: JSON.stringify's escaping, every non-ASCII char as \uXXXX, or raw UTF-8. */
export type StringStyle = 'json' | 'ascii' | 'raw';

export const lit = (text: string): JsonText => ({ t: 'lit', text });
export const str = (value: string): JsonText => ({ t: 'str', value });
export const arr = (items: JsonText[]): JsonText => ({ t: 'arr', items });
export const obj = (entries: [string, JsonText][]): JsonText => ({ t: 'obj', entries });

/** The tree of a plain JS value (a valid example), numbers kept as their shortest decimal text. */
export function fromJs(value: unknown): JsonText {
  if (value === null || value === undefined) return lit('null');
  if (typeof value === 'boolean') return lit(String(value));
  if (typeof value === 'number') return lit(Number.isFinite(value) ? JSON.stringify(value) : 'null');
  if (typeof value === 'bigint') return lit(value.toString());
  if (typeof value === 'string') return str(value);
  if (Array.isArray(value)) return arr(value.map(fromJs));
  return obj(Object.entries(value as Record<string, unknown>).map(([key, member]) => [key, fromJs(member)]));
}

function quote(value: string, style: StringStyle): string {
  if (style === 'json') return JSON.stringify(value);
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const ch = value[i];
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (code < 0x20 || (style === 'ascii' && code > 0x7e)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    // Raw UTF-8 cannot carry a lone surrogate (Buffer.from would turn it into U+FFFD): escape those.
    else if (code >= 0xd800 && code <= 0xdfff && !isPairedSurrogate(value, i)) out += `\\u${code.toString(16)}`;
    else out += ch;
  }
  return `${out}"`;
}

function isPairedSurrogate(value: string, i: number): boolean {
  const code = value.charCodeAt(i);
  if (code <= 0xdbff) {
    const next = value.charCodeAt(i + 1);
    return next >= 0xdc00 && next <= 0xdfff;
  }
  const prev = value.charCodeAt(i - 1);
  return prev >= 0xd800 && prev <= 0xdbff;
}

export function serialize(node: JsonText, style: StringStyle = 'json'): string {
  // Iterative over a work stack: deeply nested documents must not overflow the fuzzer's own stack.
  const parts: string[] = [];
  const stack: (JsonText | string)[] = [node];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item === 'string') {
      parts.push(item);
      continue;
    }
    switch (item.t) {
      case 'lit':
        parts.push(item.text);
        break;
      case 'str':
        parts.push(quote(item.value, style));
        break;
      case 'arr': {
        const work: (JsonText | string)[] = ['['];
        item.items.forEach((child, i) => work.push(...(i > 0 ? [',', child] : [child])));
        work.push(']');
        for (let i = work.length - 1; i >= 0; i--) stack.push(work[i]);
        break;
      }
      case 'obj': {
        const work: (JsonText | string)[] = ['{'];
        item.entries.forEach(([key, child], i) => work.push(`${i > 0 ? ',' : ''}${quote(key, style)}:`, child));
        work.push('}');
        for (let i = work.length - 1; i >= 0; i--) stack.push(work[i]);
        break;
      }
    }
  }
  return parts.join('');
}

/** Every node's path from the root (entry or item indices), the root included. */
export function paths(node: JsonText, prefix: number[] = [], out: number[][] = []): number[][] {
  out.push(prefix);
  if (node.t === 'arr') node.items.forEach((child, i) => paths(child, [...prefix, i], out));
  if (node.t === 'obj') node.entries.forEach(([, child], i) => paths(child, [...prefix, i], out));
  return out;
}

/** A copy of `node` with the node at `path` replaced by `change(old)` (undefined removes it from its parent). */
export function update(node: JsonText, path: number[], change: (old: JsonText) => JsonText | undefined): JsonText | undefined {
  if (path.length === 0) return change(node);
  const [head, ...rest] = path;
  if (node.t === 'arr') {
    const items = [...node.items];
    const next = update(items[head], rest, change);
    if (next === undefined) items.splice(head, 1);
    else items[head] = next;
    return arr(items);
  }
  if (node.t === 'obj') {
    const entries = [...node.entries];
    const next = update(entries[head][1], rest, change);
    if (next === undefined) entries.splice(head, 1);
    else entries[head] = [entries[head][0], next];
    return obj(entries);
  }
  return node;
}

export function nodeAt(node: JsonText, path: number[]): JsonText {
  let current = node;
  for (const step of path) current = current.t === 'arr' ? current.items[step] : current.t === 'obj' ? current.entries[step][1] : current;
  return current;
}
