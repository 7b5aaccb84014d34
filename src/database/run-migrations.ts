import type { DataSource } from 'typeorm';

/**
 * Several processes may boot at once on a fresh database (api and worker replicas): the first one
 * to take the lock migrates, the others wait and then find nothing left to do.
 */
export async function runMigrationsExclusively(dataSource: DataSource, logger: { info(message: string): void }): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query("SELECT pg_advisory_lock(hashtext('order-sync:migrations'))");
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length) logger.info(`applied migrations: ${applied.map((m) => m.name).join(', ')}`);
  } finally {
    await runner.query("SELECT pg_advisory_unlock(hashtext('order-sync:migrations'))").catch(() => undefined);
    await runner.release();
  }
}
