import type { INestApplicationContext, Type } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createServiceContext } from '../../src/bootstrap';
import { loadConfig, type AppConfig } from '../../src/config/app-config';
import { ADMIN_KEY, createTestDatabase } from '../support/test-app';

export interface ServiceContext {
  get<T>(type: Type<T>): T;
  db: DataSource;
  config: AppConfig;
  context: INestApplicationContext;
  close(): Promise<void>;
}

/**
 * The service tier: the application's modules (or only `options.modules`, with what they import) on a fresh
 * database of the test server (migrated), without HTTP. A test calls a service as its callers do and asserts on
 * what it returns and on the rows it left.
 */
export async function startServices(env: Record<string, string> = {}, options: { modules?: Type[] } = {}): Promise<ServiceContext> {
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'order-sync-service-'));
  const config = loadConfig({
    ADMIN_API_KEY: ADMIN_KEY,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'fatal',
    REDIS_URL: process.env.REDIS_URL,
    QUEUE_PREFIX: `service-${randomBytes(4).toString('hex')}`,
    MARKET_RECONCILE_MINUTES: '0',
    ...env,
    DATABASE_URL: database.url,
  });
  const context = await createServiceContext(config, { modules: options.modules });
  return {
    get: (type) => context.get(type),
    db: context.get(DataSource),
    config,
    context,
    async close() {
      await context.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
