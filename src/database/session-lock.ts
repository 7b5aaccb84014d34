import type { DataSource } from 'typeorm';

/**
 * Runs `work` only if no other process (or instance) holds the named lock: a PostgreSQL session-level
 * advisory lock on a connection of its own, released afterwards (or by PostgreSQL if the process dies).
 * Returns `{ ran: false }` without waiting when the lock is taken.
 */
export async function withSessionLock<T>(dataSource: DataSource, name: string, work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [name])) as { locked: boolean }[];
    if (!locked) return { ran: false };
    try {
      return { ran: true, value: await work() };
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [name]);
    }
  } finally {
    await runner.release();
  }
}
