import { type ClassConstructor, plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';

export type ValidateDtoResult<T> = { ok: true; value: T } | { ok: false; messages: string[] };

/**
 * Validates a request body against a DTO class and names every failing field (one message per field)
 * by its full path,
 * e.g. `metadata.timestamp must be a unix timestamp…` or `cart[0].price must be a number`.
 *
 * - The body must be a plain JSON object (not null, an array or a primitive).
 * - `whitelist: false`: unknown fields are kept on the instance and never rejected (tolerant reader).
 * - On success `value` is the transformed class instance (ids normalised, nested DTO instances).
 */
export function validateDto<T extends object>(cls: ClassConstructor<T>, body: unknown): ValidateDtoResult<T> {
  if (!isPlainObject(body)) {
    return { ok: false, messages: [`body must be a JSON object, got ${Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body}`] };
  }
  const instance = plainToInstance(cls, body);
  const errors = validateSync(instance, {
    whitelist: false,
    forbidNonWhitelisted: false,
    forbidUnknownValues: true,
    validationError: { target: false, value: true },
  });
  if (errors.length === 0) return { ok: true, value: instance };
  return { ok: false, messages: formatValidationErrors(errors) };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Flattens a class-validator error tree into messages that start with the field's full path: the one formatter of
 * every 400 that names fields (admin and IMSHOP DTOs, Market's notifications).
 */
export function formatValidationErrors(errors: readonly ValidationError[], parentPath = '', parentIsArray = false): string[] {
  const messages: string[] = [];
  for (const error of errors) {
    const path = joinPath(parentPath, error.property, parentIsArray);
    const constraints = error.constraints ?? {};
    const key = primaryConstraint(Object.keys(constraints));
    if (key !== undefined) {
      messages.push(key === 'nestedValidation' ? nestedMessage(path, constraints[key]) : rewrite(constraints[key], error.property, path));
    }
    if (error.children && error.children.length > 0) {
      messages.push(...formatValidationErrors(error.children, path, Array.isArray(error.value)));
    }
  }
  return messages;
}

/**
 * One message per field: the rest are consequences of the first ("must be a string" makes "should not be
 * empty" and "must be shorter than…" noise). `isDefined` wins; otherwise the top-most decorator, which is
 * the type check in our DTOs: class-validator runs (and reports) property decorators bottom-up, so that is
 * the last key. "nested property x must be either object or array" only shows when nothing else failed.
 */
function primaryConstraint(keys: readonly string[]): string | undefined {
  if (keys.includes('isDefined')) return 'isDefined';
  const own = keys.filter((key) => key !== 'nestedValidation');
  return own.length > 0 ? own[own.length - 1] : keys[0];
}

function joinPath(parent: string, property: string, parentIsArray: boolean): string {
  if (parentIsArray && /^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent === '' ? property : `${parent}.${property}`;
}

function nestedMessage(path: string, message: string): string {
  // An element of an array (`items[0]`) is itself the value that is not an object.
  return message.startsWith('each value') && !path.endsWith(']') ? `${path} must contain only objects` : `${path} must be an object`;
}

const VERBOSE_SUFFIX = ' conforming to the specified constraints';

/** Replaces the bare property name class-validator put into the message by the full path. */
function rewrite(message: string, property: string, path: string): string {
  const text = message.endsWith(VERBOSE_SUFFIX) ? message.slice(0, -VERBOSE_SUFFIX.length) : message;
  if (path === property) return text;
  const escaped = property.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const bare = new RegExp(`(^|\\s)${escaped}(?=\\s|$)`);
  return bare.test(text) ? text.replace(bare, (_match, lead: string) => `${lead}${path}`) : `${path}: ${text}`;
}
