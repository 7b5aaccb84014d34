import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { isOffsetDateTime } from './date-time';

/**
 * Validation building blocks shared by every Market notification DTO.
 *
 * Identifiers are int64 in Market's spec. After `parseJsonLossless` an id arrives either as a JS number
 * (when it fits in 2^53 − 1) or as a string of digits (when it does not), so validators accept both and
 * `@ToInt64String()` turns the number form into a string: downstream code sees one representation only.
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Canonical decimal integer: optional minus, no leading zeros, no plus sign, no whitespace. */
const CANONICAL_INTEGER = /^-?(?:0|[1-9]\d*)$/;

/**
 * Reads an int64 from a safe-integer number or a canonical digit string.
 * Unsafe numbers are refused: their value was already rounded by whoever parsed the JSON.
 */
export function toInt64BigInt(value: unknown): bigint | null {
  let candidate: bigint;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return null;
    candidate = BigInt(value);
  } else if (typeof value === 'string') {
    if (!CANONICAL_INTEGER.test(value) || value === '-0') return null;
    candidate = BigInt(value);
  } else {
    return null;
  }
  return candidate >= INT64_MIN && candidate <= INT64_MAX ? candidate : null;
}

export interface Int64Constraints {
  /** Smallest allowed value, e.g. 1 for `CampaignId`/`BusinessId` (`minimum: 1` in the spec). */
  min?: number;
}

export function IsInt64(constraints: Int64Constraints = {}, validationOptions?: ValidationOptions): PropertyDecorator {
  const minimum = constraints.min === undefined ? undefined : BigInt(constraints.min);
  return ValidateBy(
    {
      name: 'isInt64',
      constraints: [constraints.min],
      validator: {
        validate(value: unknown): boolean {
          const parsed = toInt64BigInt(value);
          return parsed !== null && (minimum === undefined || parsed >= minimum);
        },
        defaultMessage(args?: ValidationArguments): string {
          const value: unknown = args?.value;
          const suffix = minimum === undefined ? '' : ` not less than ${minimum}`;
          // A well-formed integer that still failed is out of range: say so instead of blaming its type.
          const received = typeof value === 'string' && CANONICAL_INTEGER.test(value) ? `${value}, which is out of range` : describeReceived(value);
          return `$property must be an int64 integer${suffix} (a JSON integer or a string of digits), got ${received}`;
        },
      },
    },
    validationOptions,
  );
}

/** Normalises a safe-integer number to its decimal string; anything else is left for `@IsInt64()` to judge. */
export function ToInt64String(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (Number.isSafeInteger(value) ? String(value) : value), {
    toClassOnly: true,
  });
}

export function IsOffsetDateTime(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isOffsetDateTime',
      validator: {
        validate: (value: unknown): boolean => isOffsetDateTime(value),
        defaultMessage: (args?: ValidationArguments): string =>
          `$property must be an ISO 8601 date-time with a UTC offset (e.g. 2022-12-31T00:00:00+03:00 or ` +
          `2022-12-29T18:02:01Z), got ${describeReceived(args?.value)}`,
      },
    },
    validationOptions,
  );
}

/** Same rule as the `ShopSku.yaml` pattern: 1–255 characters, not blank, no control characters except tab. */
const SHOP_SKU = /^(?=.*\S.*)[^\x00-\x08\x0A-\x1f\x7f]{1,255}$/u;

export function isShopSku(value: unknown): value is string {
  return typeof value === 'string' && SHOP_SKU.test(value);
}

export function IsShopSku(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isShopSku',
      validator: {
        validate: (value: unknown): boolean => isShopSku(value),
        defaultMessage: (args?: ValidationArguments): string =>
          '$property must be a SKU string of 1-255 characters, not blank, without control characters, ' + `got ${describeReceived(args?.value)}`,
      },
    },
    validationOptions,
  );
}

/**
 * Longest enum value we store: the columns that keep them are varchar(64) (market_returns) and
 * varchar(128) (orders, order_history); Market's longest value has 48 characters. A longer value
 * used to fail the insert with a 500 (found by fuzzing).
 */
export const MAX_TOLERANT_ENUM_LENGTH = 64;

/**
 * Market reserves the right to add enum values ("other values may be returned; you need not process
 * them"), so enum fields are only checked to be non-blank strings: unknown values are stored, not refused.
 */
export function IsTolerantEnumValue(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTolerantEnumValue',
      validator: {
        validate: (value: unknown): boolean => typeof value === 'string' && value.trim().length > 0 && value.length <= MAX_TOLERANT_ENUM_LENGTH,
        defaultMessage: (args?: ValidationArguments): string =>
          `$property must be a non-empty string of at most ${MAX_TOLERANT_ENUM_LENGTH} characters, got ${describeReceived(args?.value)}`,
      },
    },
    validationOptions,
  );
}

/** Short, log-safe description of an offending value for error messages (never echoes long input). */
export function describeReceived(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `${JSON.stringify(shown)} (string of length ${value.length})`;
  }
  return `${String(value)} (${typeof value})`;
}
