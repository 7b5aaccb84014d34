import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';

/**
 * Validation building blocks shared by the IMSHOP DTOs of every IMSHOP module (ticket webhook and ticket
 * request, app cancellation, the OMS status update in IMSHOP's shape): IMSHOP's conventions for ids and times.
 *
 * IMSHOP sends identifiers as strings in every example (`"ticketId": "rsp-12345"`, `"storeId": "1456"`),
 * but nothing in its documentation forbids a JSON number. As a tolerant reader we accept a safe integer too
 * and normalise it to its decimal string, so downstream code sees one representation only.
 */

/** `@IsDefined(REQUIRED)` yields "<field> is required" for both a missing field and null. */
export const REQUIRED: ValidationOptions = { message: '$property is required' };

/** Longest identifier we accept (ticket, order, store, staff, configuration ids). */
export const MAX_ID_LENGTH = 255;

/** Turns a safe-integer number into its decimal string; anything else is left for the validator to judge. */
export function ToIdString(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (Number.isSafeInteger(value) ? String(value) : value), {
    toClassOnly: true,
  });
}

export function isIdString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= MAX_ID_LENGTH;
}

/** A non-blank string of at most 255 characters (after `@ToIdString()` a numeric id is a string too). */
export function IsIdString(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIdString',
      validator: {
        validate: (value: unknown): boolean => isIdString(value),
        defaultMessage: (args?: ValidationArguments): string =>
          `$property must be a non-empty string (or integer) of at most ${MAX_ID_LENGTH} characters, ` + `got ${describeReceived(args?.value)}`,
      },
    },
    validationOptions,
  );
}

/** Turns a numeric string (`"2"`) into a number; anything else is left for `@IsNumber()` to judge. */
export function ToNumberIfNumeric(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value), { toClassOnly: true });
}

/** Plain non-negative decimal: digits, optionally a fraction. No sign, exponent or whitespace. */
const DECIMAL = /^\d+(?:\.\d+)?$/;

/**
 * Values at or above this are read as **milliseconds**, below it as **seconds**.
 * 1e12 seconds is the year 33658, while 1e12 milliseconds is 2001-09-09, so no real timestamp is ambiguous:
 * IMSHOP documents seconds (`"1591207746"`), but a sender that switches to `Date.now()` is still read right.
 */
export const UNIX_MS_THRESHOLD = 1e12;

/** Largest instant a JS Date can hold (±8.64e15 ms). */
const MAX_DATE_MS = 8.64e15;

/**
 * Reads a unix timestamp given as a number or as a string of digits (optionally with a fraction),
 * in seconds or, from {@link UNIX_MS_THRESHOLD} on, in milliseconds. Returns epoch milliseconds (an integer,
 * fractions of a millisecond are rounded), or null when the value is not a usable timestamp: not numeric,
 * negative, NaN/Infinity, a boolean, blank, or beyond what a Date can represent.
 */
export function parseUnixTimestamp(value: unknown): number | null {
  let numeric: number;
  if (typeof value === 'number') {
    numeric = value;
  } else if (typeof value === 'string' && DECIMAL.test(value)) {
    numeric = Number(value);
  } else {
    return null;
  }
  if (!Number.isFinite(numeric) || numeric < 0) return null;
  const ms = Math.round(numeric >= UNIX_MS_THRESHOLD ? numeric : numeric * 1000);
  return ms <= MAX_DATE_MS ? ms : null;
}

export function IsUnixTimestamp(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isUnixTimestamp',
      validator: {
        validate: (value: unknown): boolean => parseUnixTimestamp(value) !== null,
        defaultMessage: (args?: ValidationArguments): string =>
          '$property must be a unix timestamp in seconds, as a number or a string of digits ' + `(e.g. "1591207746"), got ${describeReceived(args?.value)}`,
      },
    },
    validationOptions,
  );
}

/** Short, log-safe description of a rejected value for error messages. */
export function describeReceived(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
