import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * A raw row (from a statement TypeORM did not build: a lock joined with a check, an INSERT … RETURNING *)
 * as the entity, each column converted the way TypeORM's own reads convert it.
 */
export function hydrate<T extends ObjectLiteral>(manager: EntityManager, entity: EntityTarget<T>, row: Record<string, unknown>): T {
  const metadata = manager.connection.getMetadata(entity);
  const result = metadata.create() as T;
  const driver = manager.connection.driver;
  for (const column of metadata.columns) column.setEntityValue(result, driver.prepareHydratedValue(row[column.databaseName], column));
  return result;
}
