import { QueryFailedError } from 'typeorm';

/**
 * The unique index (or constraint) a statement broke, when that is why it failed (SQLSTATE 23505); else
 * undefined. An empty string when PostgreSQL did not name it.
 */
export function uniqueViolationOf(error: unknown): string | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const driverError = error.driverError as { code?: string; constraint?: string } | undefined;
  return driverError?.code === '23505' ? (driverError.constraint ?? '') : undefined;
}
