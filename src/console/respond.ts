import type { Response } from 'express';
import { validateDto } from '../common/validate-dto';

/** Sends a page. */
export function sendPage(response: Response, body: string, status = 200): void {
  response.status(status).type('html').send(body);
}

/**
 * A query or form checked against its DTO: the instance, or one message per field. Query strings and forms are
 * flat strings; an empty field counts as left out.
 */
export function checked<T extends object>(cls: new () => T, input: unknown): { value: T; messages: string[] } {
  const fields = Object.fromEntries(
    Object.entries((input ?? {}) as Record<string, unknown>).filter(([name, value]) => name !== '_csrf' && value !== '' && !Array.isArray(value)),
  );
  const result = validateDto(cls, fields);
  return result.ok ? { value: result.value, messages: [] } : { value: new cls(), messages: result.messages };
}
