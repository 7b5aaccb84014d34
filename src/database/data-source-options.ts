import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { GuardedPgClient } from './guarded-pg-client';
import { MIGRATIONS } from './migrations';

/** Shared by the app, the TypeORM CLI (ormconfig.ts) and the tests: schema only ever comes from migrations. */
export function dataSourceOptions(url: string, poolSize = 20): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    uuidExtension: 'pgcrypto',
    extra: { max: poolSize, application_name: 'order-sync', Client: GuardedPgClient },
  };
}
