/**
 * A strict JSON parser (same grammar as `JSON.parse`, RFC 8259) that never loses integer precision.
 *
 * Why it exists: Yandex Market sends int64 identifiers (orderId, campaignId, …) as bare JSON numbers.
 * `JSON.parse` silently rounds anything above 2^53 − 1, so two different orders could collapse into one.
 * Here an integer literal whose magnitude exceeds `Number.MAX_SAFE_INTEGER` comes back as a string holding
 * its exact digits (e.g. `"9223372036854775807"`); every other number comes back exactly as `JSON.parse`
 * would return it. Numbers with a fraction or an exponent stay numbers: they are not identifiers.
 *
 * Hardening for untrusted input:
 * - a `"__proto__"` key becomes an ordinary own property, it never replaces the object's prototype;
 * - nesting is bounded (default 200 levels) so hostile input cannot exhaust the call stack;
 * - the parser is a single left-to-right pass (linear time); strings without escapes are sliced, not built
 *   character by character.
 */

export const DEFAULT_MAX_JSON_DEPTH = 200;

export interface LosslessJsonOptions {
  /** Deepest allowed array/object nesting; the top-level container counts as level 1. */
  maxDepth?: number;
}

/** `SyntaxError` carrying the zero-based offset (in UTF-16 code units) where parsing failed. */
export class JsonSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = 'SyntaxError';
  }
}

const MAX_SAFE_INTEGER_DIGITS = String(Number.MAX_SAFE_INTEGER); // "9007199254740991", 16 digits

const enum Char {
  Tab = 0x09,
  LineFeed = 0x0a,
  CarriageReturn = 0x0d,
  Space = 0x20,
  Quote = 0x22,
  Plus = 0x2b,
  Comma = 0x2c,
  Minus = 0x2d,
  Dot = 0x2e,
  Slash = 0x2f,
  Digit0 = 0x30,
  Digit1 = 0x31,
  Digit9 = 0x39,
  Colon = 0x3a,
  UpperE = 0x45,
  OpenBracket = 0x5b,
  Backslash = 0x5c,
  CloseBracket = 0x5d,
  LowerB = 0x62,
  LowerE = 0x65,
  LowerF = 0x66,
  LowerN = 0x6e,
  LowerR = 0x72,
  LowerT = 0x74,
  LowerU = 0x75,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
}

const SIMPLE_ESCAPES: Readonly<Record<number, string>> = {
  [Char.Quote]: '"',
  [Char.Backslash]: '\\',
  [Char.Slash]: '/',
  [Char.LowerB]: '\b',
  [Char.LowerF]: '\f',
  [Char.LowerN]: '\n',
  [Char.LowerR]: '\r',
  [Char.LowerT]: '\t',
};

export function parseJsonLossless(text: string, options: LosslessJsonOptions = {}): unknown {
  if (typeof text !== 'string') {
    throw new TypeError('parseJsonLossless expects a string');
  }
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  return new LosslessJsonParser(text, maxDepth).parseDocument();
}

class LosslessJsonParser {
  private position = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  parseDocument(): unknown {
    this.skipWhitespace();
    const value = this.parseValue();
    this.skipWhitespace();
    if (this.position < this.text.length) {
      this.failUnexpected();
    }
    return value;
  }

  private parseValue(): unknown {
    const code = this.text.charCodeAt(this.position);
    switch (code) {
      case Char.OpenBrace:
        return this.parseObject();
      case Char.OpenBracket:
        return this.parseArray();
      case Char.Quote:
        return this.parseString();
      case Char.LowerT:
        return this.parseLiteral('true', true);
      case Char.LowerF:
        return this.parseLiteral('false', false);
      case Char.LowerN:
        return this.parseLiteral('null', null);
      default:
        if (code === Char.Minus || (code >= Char.Digit0 && code <= Char.Digit9)) {
          return this.parseNumber();
        }
        return this.failUnexpected();
    }
  }

  private parseObject(): Record<string, unknown> {
    this.enterContainer();
    this.position++; // '{'
    const result: Record<string, unknown> = {};
    this.skipWhitespace();
    if (this.text.charCodeAt(this.position) === Char.CloseBrace) {
      this.position++;
      this.depth--;
      return result;
    }
    for (;;) {
      if (this.text.charCodeAt(this.position) !== Char.Quote) {
        this.failUnexpected('Expected a double-quoted property name');
      }
      const key = this.parseString();
      this.skipWhitespace();
      this.expect(Char.Colon, "Expected ':' after property name");
      this.skipWhitespace();
      const value = this.parseValue();
      setOwnProperty(result, key, value);
      this.skipWhitespace();
      const separator = this.text.charCodeAt(this.position);
      if (separator === Char.Comma) {
        this.position++;
        this.skipWhitespace();
        continue;
      }
      if (separator === Char.CloseBrace) {
        this.position++;
        this.depth--;
        return result;
      }
      this.failUnexpected("Expected ',' or '}' after property value");
    }
  }

  private parseArray(): unknown[] {
    this.enterContainer();
    this.position++; // '['
    const result: unknown[] = [];
    this.skipWhitespace();
    if (this.text.charCodeAt(this.position) === Char.CloseBracket) {
      this.position++;
      this.depth--;
      return result;
    }
    for (;;) {
      result.push(this.parseValue());
      this.skipWhitespace();
      const separator = this.text.charCodeAt(this.position);
      if (separator === Char.Comma) {
        this.position++;
        this.skipWhitespace();
        continue;
      }
      if (separator === Char.CloseBracket) {
        this.position++;
        this.depth--;
        return result;
      }
      this.failUnexpected("Expected ',' or ']' after array element");
    }
  }

  private parseString(): string {
    const text = this.text;
    const start = ++this.position; // skip opening quote
    // Fast path: most strings have no escapes, so one slice is enough.
    let index = start;
    for (;;) {
      if (index >= text.length) {
        this.position = index;
        this.fail('Unterminated string');
      }
      const code = text.charCodeAt(index);
      if (code === Char.Quote) {
        this.position = index + 1;
        return text.slice(start, index);
      }
      if (code === Char.Backslash) break;
      if (code < Char.Space) {
        this.position = index;
        this.fail('Bad control character in string literal');
      }
      index++;
    }
    // Slow path: collect chunks between escapes and join once, keeping the work linear.
    const chunks: string[] = [text.slice(start, index)];
    let chunkStart = index;
    for (;;) {
      if (index >= text.length) {
        this.position = index;
        this.fail('Unterminated string');
      }
      const code = text.charCodeAt(index);
      if (code === Char.Quote) {
        chunks.push(text.slice(chunkStart, index));
        this.position = index + 1;
        return chunks.join('');
      }
      if (code < Char.Space) {
        this.position = index;
        this.fail('Bad control character in string literal');
      }
      if (code !== Char.Backslash) {
        index++;
        continue;
      }
      chunks.push(text.slice(chunkStart, index));
      if (index + 1 >= text.length) {
        this.position = text.length;
        this.fail('Unterminated string');
      }
      const escapeCode = text.charCodeAt(index + 1);
      const simple = SIMPLE_ESCAPES[escapeCode];
      if (simple !== undefined) {
        chunks.push(simple);
        index += 2;
      } else if (escapeCode === Char.LowerU) {
        // Lone surrogates are kept as-is, exactly like JSON.parse does.
        chunks.push(String.fromCharCode(this.readHex4(index + 2)));
        index += 6;
      } else {
        this.position = index + 1;
        this.fail('Bad escaped character in string literal');
      }
      chunkStart = index;
    }
  }

  private readHex4(start: number): number {
    let value = 0;
    for (let offset = 0; offset < 4; offset++) {
      const digit = hexDigitValue(this.text.charCodeAt(start + offset));
      if (digit < 0) {
        this.position = Math.min(start + offset, this.text.length);
        this.fail('Bad Unicode escape in string literal');
      }
      value = value * 16 + digit;
    }
    return value;
  }

  private parseNumber(): number | string {
    const text = this.text;
    const start = this.position;
    let index = start;
    const negative = text.charCodeAt(index) === Char.Minus;
    if (negative) index++;

    const integerStart = index;
    const firstDigit = text.charCodeAt(index);
    if (firstDigit === Char.Digit0) {
      index++;
    } else if (firstDigit >= Char.Digit1 && firstDigit <= Char.Digit9) {
      index = this.skipDigits(index);
    } else {
      this.position = index;
      this.failUnexpected('No number after minus sign');
    }
    const integerEnd = index;
    // JSON forbids leading zeros: "01" is two tokens, and the second is unexpected.
    let isInteger = true;
    if (text.charCodeAt(index) === Char.Dot) {
      isInteger = false;
      index++;
      if (!isDigit(text.charCodeAt(index))) {
        this.position = index;
        this.failUnexpected('Unterminated fractional number');
      }
      index = this.skipDigits(index);
    }
    const exponentMarker = text.charCodeAt(index);
    if (exponentMarker === Char.LowerE || exponentMarker === Char.UpperE) {
      isInteger = false;
      index++;
      const sign = text.charCodeAt(index);
      if (sign === Char.Plus || sign === Char.Minus) index++;
      if (!isDigit(text.charCodeAt(index))) {
        this.position = index;
        this.failUnexpected('Exponent part is missing a number');
      }
      index = this.skipDigits(index);
    }
    this.position = index;

    const literal = text.slice(start, index);
    if (isInteger && exceedsSafeInteger(text.slice(integerStart, integerEnd))) {
      return literal;
    }
    return Number(literal);
  }

  private skipDigits(from: number): number {
    let index = from;
    while (isDigit(this.text.charCodeAt(index))) index++;
    return index;
  }

  private parseLiteral<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.position)) {
      // Point at the first character that differs, as JSON.parse does.
      let index = this.position;
      for (let offset = 0; offset < word.length && this.text.charCodeAt(index) === word.charCodeAt(offset); offset++) {
        index++;
      }
      this.position = index;
      this.failUnexpected();
    }
    this.position += word.length;
    return value;
  }

  private enterContainer(): void {
    if (++this.depth > this.maxDepth) {
      this.fail(`JSON nesting too deep (more than ${this.maxDepth} levels)`);
    }
  }

  private expect(code: number, message: string): void {
    if (this.text.charCodeAt(this.position) !== code) {
      this.failUnexpected(message);
    }
    this.position++;
  }

  private skipWhitespace(): void {
    const text = this.text;
    let index = this.position;
    for (;;) {
      const code = text.charCodeAt(index);
      if (code === Char.Space || code === Char.LineFeed || code === Char.CarriageReturn || code === Char.Tab) {
        index++;
      } else {
        break;
      }
    }
    this.position = index;
  }

  private failUnexpected(context?: string): never {
    if (this.position >= this.text.length) {
      this.fail(context ? `Unexpected end of JSON input (${context})` : 'Unexpected end of JSON input');
    }
    const found = JSON.stringify(this.text[this.position]);
    this.fail(context ? `Unexpected token ${found} (${context})` : `Unexpected token ${found}`);
  }

  private fail(message: string): never {
    throw new JsonSyntaxError(message, this.position);
  }
}

function setOwnProperty(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    // Plain assignment would swap the prototype; define a real data property instead.
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

function exceedsSafeInteger(digits: string): boolean {
  if (digits.length !== MAX_SAFE_INTEGER_DIGITS.length) {
    return digits.length > MAX_SAFE_INTEGER_DIGITS.length;
  }
  // Same length and no leading zeros, so lexicographic order equals numeric order.
  return digits > MAX_SAFE_INTEGER_DIGITS;
}

function isDigit(code: number): boolean {
  return code >= Char.Digit0 && code <= Char.Digit9;
}

function hexDigitValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  return -1;
}
