import { describe, expect, it } from '@jest/globals';
import { DEFAULT_MAX_JSON_DEPTH, JsonSyntaxError, parseJsonLossless } from './lossless-json';

function expectSyntaxError(text: string, position?: number): JsonSyntaxError {
  let caught: unknown;
  try {
    parseJsonLossless(text);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SyntaxError);
  expect(caught).toBeInstanceOf(JsonSyntaxError);
  const syntaxError = caught as JsonSyntaxError;
  expect(syntaxError.message).toMatch(/at position \d+$/);
  if (position !== undefined) {
    expect(syntaxError.position).toBe(position);
  }
  return syntaxError;
}

describe('parseJsonLossless', () => {
  describe('agrees with JSON.parse on ordinary documents', () => {
    const documents = [
      '{}',
      '[]',
      '0',
      '-0',
      '42',
      '-17',
      '3.14',
      '-2.5e-3',
      '1E3',
      '1e+2',
      '0.1',
      '"text"',
      '""',
      'true',
      'false',
      'null',
      '[1,"two",true,null,{"three":3}]',
      '{"a":{"b":{"c":[1,[2,[3]]]}},"d":""}',
      ' \t\r\n{ "spaced" : [ 1 , 2 ] } \n',
      '{"duplicate":1,"duplicate":2}',
      '"\\"\\\\\\/\\b\\f\\n\\r\\t"',
      '"\\u0041\\u00e9\\u4e2d"',
      '"😀 — emoji and dash as raw UTF-16"',
      '[9007199254740991,-9007199254740991]',
      '1e400',
      '[1.0, 12345678901234567890.5, 9223372036854775807e0]',
    ];
    it.each(documents)('%j', (text) => {
      expect(parseJsonLossless(text)).toEqual(JSON.parse(text));
    });

    it('keeps -0 as negative zero, like JSON.parse', () => {
      expect(Object.is(parseJsonLossless('-0'), -0)).toBe(true);
    });
  });

  describe('integers beyond Number.MAX_SAFE_INTEGER', () => {
    it('returns int64 max as its exact digits', () => {
      expect(parseJsonLossless('9223372036854775807')).toBe('9223372036854775807');
    });

    it('returns values beyond int64 as exact digits too (range checks belong to the caller)', () => {
      expect(parseJsonLossless('12345678901234567890')).toBe('12345678901234567890');
      expect(parseJsonLossless('123456789012345678901234567890')).toBe('123456789012345678901234567890');
    });

    it('keeps the sign of negative big integers', () => {
      expect(parseJsonLossless('-9223372036854775808')).toBe('-9223372036854775808');
    });

    it('switches to strings exactly above 2^53 - 1', () => {
      expect(parseJsonLossless('9007199254740991')).toBe(9007199254740991);
      expect(parseJsonLossless('9007199254740992')).toBe('9007199254740992');
      expect(parseJsonLossless('-9007199254740991')).toBe(-9007199254740991);
      expect(parseJsonLossless('-9007199254740992')).toBe('-9007199254740992');
      expect(parseJsonLossless('9999999999999999')).toBe('9999999999999999');
      expect(parseJsonLossless('1000000000000000')).toBe(1000000000000000);
    });

    it('preserves big ids inside objects and arrays', () => {
      const parsed = parseJsonLossless('{"orderId": 9223372036854775807, "ids": [1, 12345678901234567890], "campaignId": 21683701}');
      expect(parsed).toEqual({ orderId: '9223372036854775807', ids: [1, '12345678901234567890'], campaignId: 21683701 });
    });

    it('leaves numbers with a fraction or exponent as (possibly rounded) numbers', () => {
      // eslint-disable-next-line no-loss-of-precision -- the same rounding is what this test expects
      expect(parseJsonLossless('12345678901234567890.0')).toBe(12345678901234567890.0);
      // eslint-disable-next-line no-loss-of-precision -- the same rounding is what this test expects
      expect(parseJsonLossless('9223372036854775807e0')).toBe(9223372036854775807);
      expect(typeof parseJsonLossless('1e21')).toBe('number');
    });
  });

  describe('strings', () => {
    it('decodes a surrogate pair written as two \\u escapes', () => {
      expect(parseJsonLossless('"\\ud83d\\ude00"')).toBe('😀');
    });

    it('keeps a lone surrogate escape, as JSON.parse does', () => {
      expect(parseJsonLossless('"\\ud800x"')).toBe(JSON.parse('"\\ud800x"'));
    });

    it('accepts upper- and lower-case hex digits', () => {
      expect(parseJsonLossless('"\\u00C9\\u00e9"')).toBe('Éé');
    });

    it('handles long strings with many escapes', () => {
      const value = 'a"b\\c\n'.repeat(10_000);
      expect(parseJsonLossless(JSON.stringify(value))).toBe(value);
    });

    it('allows DEL and non-ASCII characters raw', () => {
      expect(parseJsonLossless('"\u007f\u00a0Привет"')).toBe('\u007f\u00a0Привет');
    });
  });

  describe('__proto__ and other special keys', () => {
    it('stores "__proto__" as an own property and never changes the prototype', () => {
      const parsed = parseJsonLossless('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
      expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
      expect(Object.keys(parsed)).toEqual(['__proto__', 'a']);
      expect(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value).toEqual({ polluted: true });
      expect((parsed as { polluted?: unknown }).polluted).toBeUndefined();
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    });

    it('matches JSON.parse for nested and repeated "__proto__" keys', () => {
      const text = '{"x":{"__proto__":[1]},"__proto__":1,"__proto__":2}';
      const parsed = parseJsonLossless(text);
      expect(JSON.stringify(parsed)).toBe(JSON.stringify(JSON.parse(text)));
      expect(Array.isArray(Object.getPrototypeOf((parsed as { x: object }).x))).toBe(false);
    });

    it('treats "constructor" and "prototype" as ordinary keys', () => {
      const parsed = parseJsonLossless('{"constructor": {"prototype": {"x": 1}}}') as Record<string, unknown>;
      expect(Object.getOwnPropertyNames(parsed)).toEqual(['constructor']);
      expect(({} as Record<string, unknown>).x).toBeUndefined();
    });
  });

  describe('syntax errors carry a position', () => {
    it.each([
      ['', 0],
      ['   ', 3],
      ['{', 1],
      ['{"a"', 4],
      ['{"a":', 5],
      ['{"a":1', 6],
      ['{"a":1,}', 7],
      ['[1,]', 3],
      ['[1 2]', 3],
      ['{a:1}', 1],
      ["{'a':1}", 1],
      ['"unterminated', 13],
      ['"bad \\x escape"', 6],
      ['"bad \\u12G4"', 9],
      ['"\\u12', 5],
      ['"abc\\', 5],
      ['"raw\nnewline"', 4],
      ['"raw\ttab"', 4],
      ['01', 1],
      ['-', 1],
      ['-a', 1],
      ['1.', 2],
      ['.5', 0],
      ['1e', 2],
      ['1e+', 3],
      ['+1', 0],
      ['NaN', 0],
      ['Infinity', 0],
      ['tru', 3],
      ['nul', 3],
      ['trueX', 4],
      ['{} []', 3],
      ['\u00a0{}', 0],
      ['\ufeff{}', 0],
      ['[1,2,3]// comment', 7],
    ])('%j fails at position %d', (text, position) => {
      expectSyntaxError(text, position);
    });

    it('names the unexpected character', () => {
      expect(expectSyntaxError('{"a":1,}').message).toContain('Unexpected token "}"');
      expect(expectSyntaxError('[1,').message).toContain('Unexpected end of JSON input');
    });
  });

  describe('nesting depth', () => {
    it(`accepts ${DEFAULT_MAX_JSON_DEPTH} levels`, () => {
      const text = '['.repeat(DEFAULT_MAX_JSON_DEPTH) + ']'.repeat(DEFAULT_MAX_JSON_DEPTH);
      expect(() => parseJsonLossless(text)).not.toThrow();
    });

    it('rejects one level more with "nesting too deep"', () => {
      const depth = DEFAULT_MAX_JSON_DEPTH + 1;
      const error = expectSyntaxError('['.repeat(depth) + ']'.repeat(depth), DEFAULT_MAX_JSON_DEPTH);
      expect(error.message).toContain('nesting too deep');
    });

    it('counts objects and arrays alike and honours a custom limit', () => {
      expect(() => parseJsonLossless('{"a":[{"b":[]}]}', { maxDepth: 4 })).not.toThrow();
      expect(() => parseJsonLossless('{"a":[{"b":[[]]}]}', { maxDepth: 4 })).toThrow(/nesting too deep/);
    });

    it('fails fast on hostile depth instead of overflowing the stack', () => {
      expect(() => parseJsonLossless('['.repeat(1_000_000))).toThrow(SyntaxError);
    });
  });

  it('refuses non-string input with a TypeError', () => {
    expect(() => parseJsonLossless(42 as unknown as string)).toThrow(TypeError);
  });

  it('parses a few megabytes in linear time', () => {
    const items = Array.from({ length: 50_000 }, (_, index) => ({
      offerId: `SKU-${index}\u00e9"\\`,
      count: index,
      id: `${9_007_199_254_740_993n + BigInt(index)}`,
      price: index / 7,
    }));
    const text = JSON.stringify({ items }).replace(/"id":"(\d+)"/g, '"id":$1');
    const startedAt = performance.now();
    const parsed = parseJsonLossless(text) as { items: Array<{ id: string; offerId: string }> };
    const elapsedMs = performance.now() - startedAt;
    expect(parsed.items).toHaveLength(50_000);
    expect(parsed.items[49_999].id).toBe(`${9_007_199_254_740_993n + 49_999n}`);
    expect(parsed.items[7].offerId).toBe('SKU-7\u00e9"\\');
    expect(elapsedMs).toBeLessThan(2_000);
  });
});
