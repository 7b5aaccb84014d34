import type { DataSource } from 'typeorm';

/** Between two tries for the migration lock. */
const LOCK_POLL_MS = 100;

/**
 * Several processes may boot at once on a fresh database (api and worker replicas): the first one
 * to take the lock migrates, the others wait and then find nothing left to do. They wait by asking again
 * rather than in a blocking pg_advisory_lock: a statement that waits holds a snapshot, and an index built
 * CONCURRENTLY waits for every older snapshot to go, so it would wait for them while they wait for it.
 */
export async function runMigrationsExclusively(dataSource: DataSource, logger: { info(message: string): void }): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    for (;;) {
      const [{ locked }] = (await runner.query("SELECT pg_try_advisory_lock(hashtext('order-sync:migrations')) AS locked")) as { locked: boolean }[];
      if (locked) break;
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length) logger.info(`applied migrations: ${applied.map((m) => m.name).join(', ')}`);
  } finally {
    await runner.query("SELECT pg_advisory_unlock(hashtext('order-sync:migrations'))").catch(() => undefined);
    await runner.release();
  }
}
