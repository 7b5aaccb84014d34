import { QueryFailedError } from 'typeorm';

/**
 * The unique index (or constraint) a statement broke, when that is why it failed (SQLSTATE 23505); else
 * undefined. An empty string when PostgreSQL did not name it.
 */
export function uniqueViolationOf(error: unknown): string | undefined {
  // TypeORM wraps the driver's error; a query on a plain pg pool throws it as it is.
  const driverError = (error instanceof QueryFailedError ? error.driverError : error) as { code?: unknown; constraint?: string } | undefined;
  return driverError?.code === '23505' ? (driverError.constraint ?? '') : undefined;
}
