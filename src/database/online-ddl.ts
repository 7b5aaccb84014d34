import type { QueryRunner } from 'typeorm';

/**
 * Schema changes that a rolling deploy can run while the previous version still serves webhooks on the same
 * tables. For migrations that set `transaction = false`: each step commits on its own, and each is written to be
 * run again (IF NOT EXISTS), so a migration stopped half-way completes at the next boot.
 */

/** How long one try may wait for its lock before giving way to the queries queued behind it. */
const LOCK_TIMEOUT_MS = 200;
/** Tries before the migration gives up (about five minutes with the pauses below). */
const MAX_TRIES = 300;

/**
 * A statement that needs a brief exclusive lock (ADD COLUMN without a volatile default changes the catalog only):
 * it never waits long for the lock, because while it waits every query on the table would queue behind it (a
 * webhook transaction open on the table would hold up all the others). It gives way, pauses and tries again.
 */
export async function withBriefLock(runner: QueryRunner, sql: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await runner.query(`SET lock_timeout = '${LOCK_TIMEOUT_MS}ms'`);
    try {
      await runner.query(sql);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '55P03' || attempt >= MAX_TRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * attempt)));
    } finally {
      await runner.query('RESET lock_timeout');
    }
  }
}

/**
 * An index built CONCURRENTLY: writes to the table go on while it is built (a plain CREATE INDEX blocks every
 * insert and update until it ends). A build that failed half-way leaves an invalid index behind, which is dropped
 * and built again.
 */
export async function createIndexConcurrently(runner: QueryRunner, name: string, definition: string): Promise<void> {
  const [existing] = (await runner.query(
    `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relname = $1 AND n.nspname = current_schema()`,
    [name],
  )) as { valid: boolean }[];
  if (existing?.valid) return;
  if (existing) await runner.query(`DROP INDEX CONCURRENTLY IF EXISTS "${name}"`);
  await runner.query(`CREATE ${definition.startsWith('UNIQUE ') ? 'UNIQUE INDEX' : 'INDEX'} CONCURRENTLY "${name}" ${definition.replace(/^UNIQUE /, '')}`);
}
