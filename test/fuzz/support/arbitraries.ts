import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { arr, fromJs, lit, nodeAt, obj, paths, serialize, str, update, type JsonText, type StringStyle } from './json-text';

/** One request the fuzzer sends: exact body bytes, the Content-Type (null: none) and extra headers. */
export interface FuzzCase {
  /** What generated it, for the failure report. */
  kind: string;
  body: Buffer;
  contentType: string | null;
  headers: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------------
// Leaves: hostile characters, strings, numbers
// ---------------------------------------------------------------------------------------------------

const NASTY_CHARS = [
  '\u0000', // NUL
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  '\udbff\udfff', // the last code point, as a pair
  '\ufeff', // BOM
  '\u200b', // zero width space
  '\u202e', // right-to-left override
  '\u2028', // line separator
  '\ufffe',
  '\uffff',
  '😀',
  'e\u0301', // combining accent
  'й',
  '中',
  '\n',
  '\t',
  '\r',
  '\u001f',
  '\u007f',
  '"',
  '\\',
  "'",
  '%',
  '%00',
  '<',
  ':',
  '$',
  '{',
  ' ',
];

/** Characters: plain ASCII, a hostile set (NUL, lone surrogates, BOM, RTL…), any UTF-16 code unit. */
export const charArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...'abcxyz0129-_.') },
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_CHARS) },
  { weight: 2, arbitrary: fc.nat(0xffff).map((code) => String.fromCharCode(code)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);

export const shortStringArb = fc.string({ unit: charArb, maxLength: 24 });

/** Just over the usual limits (128, 255, 512, 1024, 2048, 4000), and huge. */
const HUGE_LENGTHS = [129, 256, 257, 513, 1025, 2049, 4001, 10_000, 70_000];
export const hugeStringArb = fc
  .tuple(fc.constantFrom('x', 'й', '😀', '\u0000', '\ud800', '0', ' '), fc.constantFrom(...HUGE_LENGTHS))
  .map(([ch, n]) => ch.repeat(n));

export const stringArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: shortStringArb },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '   ',
      '\t\n',
      'null',
      'undefined',
      'true',
      '0',
      '-1',
      '1e999',
      'NaN',
      '__proto__',
      'canceled',
      'cancelled',
      'done',
      'PROCESSING',
      'NEW',
      'market',
      'imshop',
      'oms',
      'prepare',
      '2026-11-24T10:00:00+03:00',
      '2026-13-45T99:99:99Z',
      '1591207746',
      '00000000-0000-0000-0000-000000000000',
      'javascript:alert(1)',
      'http://',
      'https://x',
      "'; DROP TABLE orders; --",
      '${jndi:ldap://x}',
      '{{7*7}}',
      '../../etc/passwd',
    ),
  },
  { weight: 1, arbitrary: hugeStringArb },
);

/** Number literals JSON.stringify never writes; the big integers reach the server unrounded. */
const NUMBER_TEXTS = [
  '123456789012345678901234567890',
  '-123456789012345678901234567890',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775808',
  '-9223372036854775809',
  '18446744073709551615',
  '18446744073709551616',
  '9007199254740991',
  '9007199254740992',
  '9007199254740993',
  '2147483647',
  '2147483648',
  '-2147483649',
  '-0',
  '0',
  '-1',
  '1.5',
  '1.0',
  '1E2',
  '1e999',
  '-1e999',
  '1e-999',
  '4.9e-324',
  '1.7976931348623157e308',
  '0.1',
  '1e12',
  '1e15',
  `1${'0'.repeat(400)}`,
  `0.${'0'.repeat(400)}1`,
];

export const numberTextArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NUMBER_TEXTS) },
  { weight: 2, arbitrary: fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String) },
  { weight: 2, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 17, maxLength: 60 }).map((digits) => `1${digits}`) },
);

/** Keys that attack prototypes or JS conventions, next to ordinary and garbage keys. */
export const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
  '__lookupSetter__',
  'then',
  'toJSON',
  'length',
  '0',
  '',
  ' ',
  'polluted',
  'isAdmin',
  '$where',
  '$gt',
];

/** Prototype pollution attempts, as a value for any field (or as the whole body). */
export const pollutionArb: fc.Arbitrary<JsonText> = fc.constantFrom(
  obj([
    [
      '__proto__',
      obj([
        ['polluted', str('yes')],
        ['isAdmin', lit('true')],
      ]),
    ],
  ]),
  obj([['constructor', obj([['prototype', obj([['polluted', str('yes')]])]])]]),
  obj([['prototype', obj([['polluted', str('yes')]])]]),
  obj([['__proto__', lit('null')]]),
  obj([['__proto__', arr([])]]),
  obj([['__proto__', str('x')]]),
  obj([['constructor', str('Object')]]),
  obj([
    ['toString', str('boom')],
    ['valueOf', lit('1')],
    ['hasOwnProperty', lit('null')],
  ]),
  obj([
    [
      '__proto__',
      obj([
        ['toString', str('boom')],
        ['then', str('x')],
      ]),
    ],
  ]),
);

/** Deep nesting, written as literal text so the tree helpers never recurse into it. */
export const deepArb: fc.Arbitrary<JsonText> = fc
  .tuple(fc.constantFrom('array', 'object', 'mixed'), fc.constantFrom(20, 150, 199, 200, 201, 500, 2_000, 10_000))
  .map(([shape, depth]) => {
    if (shape === 'array') return lit(`${'['.repeat(depth)}1${']'.repeat(depth)}`);
    if (shape === 'object') return lit(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
    return lit(`${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`);
  });

/** Huge arrays (up to 5,000 elements), literal text too. */
export const hugeArrayArb: fc.Arbitrary<JsonText> = fc
  .tuple(fc.constantFrom('0', 'null', '"x"', '{}', '[]', '{"configurationId":"1","quantity":1}'), fc.constantFrom(1_000, 5_000))
  .map(([element, n]) => lit(`[${new Array(n).fill(element).join(',')}]`));

export function leafArb(): fc.Arbitrary<JsonText> {
  return fc.oneof(
    { weight: 5, arbitrary: stringArb.map(str) },
    { weight: 3, arbitrary: numberTextArb.map(lit) },
    { weight: 2, arbitrary: fc.constantFrom('true', 'false', 'null').map(lit) },
  );
}

/** Any JSON value, hostile at every level. `keys` are the endpoint's own field names, to go deeper. */
export function valueArb(keys: readonly string[]): fc.Arbitrary<JsonText> {
  const keyArb = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...keys) },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_KEYS) },
    { weight: 2, arbitrary: shortStringArb },
  );
  const { value } = fc.letrec<{ value: JsonText }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 24, arbitrary: leafArb() },
      { weight: 8, arbitrary: fc.array(tie('value'), { maxLength: 5 }).map(arr) },
      { weight: 12, arbitrary: fc.array(fc.tuple(keyArb, tie('value')), { maxLength: 6 }).map(obj) },
      { weight: 3, arbitrary: pollutionArb },
      // Rare inside values (they are expensive for the server to walk); common in malformedCaseArb.
      { weight: 1, arbitrary: fc.oneof(deepArb, hugeArrayArb) },
    ),
  }));
  return value;
}

// ---------------------------------------------------------------------------------------------------
// Mutations of valid examples: the bodies that pass the outer checks and reach the deep validation
// ---------------------------------------------------------------------------------------------------

type Mutation =
  | { op: 'replace'; at: number; value: JsonText }
  | { op: 'delete'; at: number }
  | { op: 'addKey'; at: number; key: string; value: JsonText }
  | { op: 'duplicateKey'; at: number; value: JsonText }
  | { op: 'wrapArray'; at: number }
  | { op: 'wrapObject'; at: number; key: string }
  | { op: 'nullify'; at: number }
  | { op: 'retypeNumber'; at: number; text: string }
  | { op: 'editString'; at: number; edit: (s: string) => string };

const stringEditArb: fc.Arbitrary<(s: string) => string> = fc.oneof(
  fc.constant((s: string) => `${s}\u0000`),
  fc.constant((s: string) => `\ud800${s}`),
  fc.constant((s: string) => `${s}\udc00`),
  fc.constant((s: string) => ` ${s} `),
  fc.constant(() => ''),
  fc.constant(() => '   '),
  fc.constant((s: string) => s.toUpperCase()),
  fc.constant((s: string) => s.toLowerCase()),
  fc.constant((s: string) => s.slice(0, Math.max(0, s.length - 1))),
  fc.constantFrom(129, 256, 513, 4001, 20_000).map((n) => (s: string) => `${s}${'y'.repeat(n)}`),
  shortStringArb.map((extra) => (s: string) => `${s}${extra}`),
);

function mutationArb(keys: readonly string[]): fc.Arbitrary<Mutation> {
  const at = fc.nat();
  const value = valueArb(keys);
  const key = fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.constantFrom(...keys), shortStringArb);
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant('replace' as const), at, value }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), at }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('addKey' as const), at, key, value }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicateKey' as const), at, value }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('wrapArray' as const), at }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('wrapObject' as const), at, key }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('nullify' as const), at }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('retypeNumber' as const), at, text: numberTextArb }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('editString' as const), at, edit: stringEditArb }) },
  );
}

function applyMutation(doc: JsonText, m: Mutation): JsonText {
  const all = paths(doc);
  // Most mutations aim below the root: the root is one path of many, and is attacked by other generators.
  const candidates = all.length > 1 ? all.slice(1) : all;
  const path = candidates[m.at % candidates.length];
  const change = (fn: (old: JsonText) => JsonText | undefined) => update(doc, path, fn) ?? doc;
  switch (m.op) {
    case 'replace':
      return change(() => m.value);
    case 'delete':
      return change(() => undefined);
    case 'nullify':
      return change(() => lit('null'));
    case 'wrapArray':
      return change((old) => arr([old]));
    case 'wrapObject':
      return change((old) => obj([[m.key, old]]));
    case 'retypeNumber':
      return change(() => lit(m.text));
    case 'editString':
      return change((old) => (old.t === 'str' ? str(m.edit(old.value)) : old));
    case 'addKey': {
      // Into the nearest object at or above the chosen path.
      for (let depth = path.length; depth >= 0; depth--) {
        const target = path.slice(0, depth);
        if (nodeAt(doc, target).t === 'obj') {
          return update(doc, target, (o) => (o.t === 'obj' ? obj([...o.entries, [m.key, m.value]]) : o)) ?? doc;
        }
      }
      return doc;
    }
    case 'duplicateKey': {
      const parentPath = path.slice(0, -1);
      const parent = nodeAt(doc, parentPath);
      if (parent.t !== 'obj' || path.length === 0) return doc;
      const [name] = parent.entries[path[path.length - 1]];
      return update(doc, parentPath, (o) => (o.t === 'obj' ? obj([...o.entries, [name, m.value]]) : o)) ?? doc;
    }
  }
}

const styleArb: fc.Arbitrary<StringStyle> = fc.constantFrom('json', 'json', 'ascii', 'raw');

// ---------------------------------------------------------------------------------------------------
// Whole requests
// ---------------------------------------------------------------------------------------------------

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'APPLICATION/JSON'];

const WRONG_TYPES = [
  'text/plain',
  'text/json',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/octet-stream',
  'application/vnd.api+json',
  'application/merge-patch+json',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json; charset=koi8-r',
  'application/json; charset=nonsense',
  'application/jsonx',
  'json',
  '*/*',
  'garbage',
  '',
];

/** Bodies that are not JSON, or JSON that breaks some parser's assumptions. */
const RAW_BODIES: (string | Buffer)[] = [
  '',
  ' ',
  'null',
  'true',
  '0',
  '"str"',
  '[]',
  '{}',
  '{',
  '}',
  '[',
  '{"a":1,}',
  "{'a':1}",
  '{"a":1}garbage',
  '{"a":1}{"a":2}',
  '// comment\n{}',
  '/* c */{}',
  'NaN',
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":undefined}',
  '{"a":01}',
  '{"a":1e}',
  '{"a":-}',
  '{"a":.5}',
  '{"a":+1}',
  '{"a":0x10}',
  '{"a":"\\u00"}',
  '{"a":"\\x41"}',
  '{"a":"\\ud800"}',
  '{"\\ud800":"\\udfff"}',
  '{"a":"\\u0000"}',
  '{"\\u0000":1}',
  '{"a":"tab\there"}',
  '{a:1}',
  '\ufeff{}',
  '\u0000',
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"a":1,"a":2,"a":{"__proto__":{"polluted":"yes"}}}',
  Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]), // UTF-16LE BOM + {}
  Buffer.from('{"a":"\xff\xfe"}', 'latin1'), // invalid UTF-8 inside a string
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // WTF-8 lone surrogate
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]), // overlong encoding
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x00, 0x22, 0x7d]), // raw NUL inside a string
  Buffer.from([0x1f, 0x8b, 0x08, 0x00]), // a truncated gzip header
  'a=1&b=2',
  '--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--xyz--',
  '<?xml version="1.0"?><a>1</a>',
  ' '.repeat(5000),
  '\n'.repeat(100),
];

/** Built once: a gzip bomb (just over 1 MB of JSON from 1 KB) and bodies just over and far over the 1 MB limit. */
const GZIP_BOMB = gzipSync(`{"a":"${'0'.repeat(1024 * 1024 + 1024)}"}`);
const OVERSIZED = [1024 * 1024 + 1, 2 * 1024 * 1024].map((n) => ({ n, body: Buffer.from(`{"a":"${'x'.repeat(n)}"}`, 'utf8') }));

const ENCODINGS = ['gzip', 'deflate', 'br', 'identity', 'x-unknown', 'gzip, gzip', 'GZIP'];

function jsonCase(kind: string, doc: JsonText, style: StringStyle, contentType: string): FuzzCase {
  return { kind, body: Buffer.from(serialize(doc, style), 'utf8'), contentType, headers: {} };
}

export interface CaseOptions {
  /** The endpoint's field names (top-level and nested), so random objects hit real fields. */
  keys: readonly string[];
  /** Valid request bodies; their mutations reach deep validation. */
  examples: readonly unknown[];
}

/** Mutations of valid examples: what passes the outer checks and is judged by the deep validation. */
export function mutatedExampleArb(options: CaseOptions): fc.Arbitrary<FuzzCase> {
  const docs = options.examples.map(fromJs);
  return fc
    .tuple(fc.nat(docs.length - 1), fc.array(mutationArb(options.keys), { minLength: 1, maxLength: 3 }), styleArb, fc.constantFrom(...JSON_TYPES))
    .map(([index, mutations, style, contentType]) => {
      const doc = mutations.reduce(applyMutation, docs[index]);
      return jsonCase(`mutated example #${index} (${mutations.map((m) => m.op).join(', ')})`, doc, style, contentType);
    });
}

/** The valid examples themselves, untouched: they should be accepted (and are allowed to write rows). */
export function validExampleArb(options: CaseOptions): fc.Arbitrary<FuzzCase> {
  return fc.nat(options.examples.length - 1).map((index) => jsonCase(`valid example #${index}`, fromJs(options.examples[index]), 'json', 'application/json'));
}

/**
 * Random JSON bodies, hostile at every level (objects use the endpoint's own field names, so some
 * pass validation and are accepted: these go with the exactly checked, one-by-one requests).
 */
export function randomJsonArb(options: CaseOptions): fc.Arbitrary<FuzzCase> {
  const value = valueArb(options.keys);
  const keyArb = fc.oneof(fc.constantFrom(...options.keys), fc.constantFrom(...HOSTILE_KEYS), shortStringArb);
  const randomObject = fc.array(fc.tuple(keyArb, value), { minLength: 1, maxLength: 8 }).map(obj);
  return fc.oneof(
    {
      weight: 2,
      arbitrary: fc.tuple(randomObject, styleArb, fc.constantFrom(...JSON_TYPES)).map(([doc, style, ct]) => jsonCase('random object', doc, style, ct)),
    },
    { weight: 1, arbitrary: fc.tuple(value, styleArb).map(([doc, style]) => jsonCase('random JSON value', doc, style, 'application/json')) },
  );
}

/**
 * Valid examples sent the wrong way: another Content-Type, a Content-Encoding (some of which are
 * legitimately accepted, so these go one by one with exact checks too).
 */
export function wrongTransportArb(options: CaseOptions): fc.Arbitrary<FuzzCase> {
  const exampleText = (i: number) => serialize(fromJs(options.examples[i % options.examples.length]));
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc.tuple(fc.nat(), fc.constantFrom(...WRONG_TYPES, null)).map(([i, ct]) => ({
        kind: 'valid example, wrong content type',
        body: Buffer.from(exampleText(i), 'utf8'),
        contentType: ct,
        headers: {},
      })),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(fc.nat(), fc.constantFrom(...ENCODINGS)).map(([i, encoding]) => ({
        kind: `Content-Encoding ${encoding} on a plain body`,
        body: Buffer.from(exampleText(i), 'utf8'),
        contentType: 'application/json',
        headers: { 'Content-Encoding': encoding },
      })),
    },
    {
      weight: 2,
      arbitrary: fc
        .nat()
        .map((i) => ({ kind: 'gzip example', body: gzipSync(exampleText(i)), contentType: 'application/json', headers: { 'Content-Encoding': 'gzip' } })),
    },
  );
}

/** Malformed payloads, rejected as a rule: non-JSON, truncated, limits, nesting, pollution, bombs. */
export function malformedCaseArb(options: CaseOptions): fc.Arbitrary<FuzzCase> {
  const exampleText = (i: number) => serialize(fromJs(options.examples[i % options.examples.length]));
  // Weights: cheap, varied cases dominate; the expensive ones (megabyte bodies, bombs) stay around 1-2 %.
  return fc.oneof(
    { weight: 4, arbitrary: pollutionArb.map((doc) => jsonCase('prototype pollution body', doc, 'json', 'application/json')) },
    { weight: 2, arbitrary: fc.oneof(deepArb, hugeArrayArb).map((doc) => jsonCase('deep or huge body', doc, 'json', 'application/json')) },
    {
      weight: 2,
      arbitrary: hugeStringArb.map((text) =>
        jsonCase('huge string body', obj([[options.keys[text.length % options.keys.length], str(text)]]), 'json', 'application/json'),
      ),
    },
    {
      weight: 8,
      arbitrary: fc
        .tuple(
          fc.oneof(
            fc.constantFrom(...RAW_BODIES),
            shortStringArb,
            fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
          ),
          fc.constantFrom(...JSON_TYPES, ...WRONG_TYPES),
        )
        .map(([body, ct]) => ({ kind: 'raw non-JSON body', body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), contentType: ct, headers: {} })),
    },
    {
      weight: 4,
      arbitrary: fc.tuple(fc.nat(), fc.nat()).map(([i, cut]) => {
        const text = exampleText(i);
        return { kind: 'truncated example', body: Buffer.from(text.slice(0, cut % text.length), 'utf8'), contentType: 'application/json', headers: {} };
      }),
    },
    {
      weight: 1,
      // Over 1 MB inflated from 1 KB: the configured limit must hold after decompression.
      arbitrary: fc.constant({ kind: 'gzip bomb', body: GZIP_BOMB, contentType: 'application/json', headers: { 'Content-Encoding': 'gzip' } }),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(...OVERSIZED)
        .map(({ n, body }) => ({ kind: `oversized body (${n} bytes of string)`, body, contentType: 'application/json', headers: {} })),
    },
  );
}
