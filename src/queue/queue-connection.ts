import { createPostgresBackend, setDefaultBackendFactory, type PostgresConnectionOptions, type PostgresQueueBackend, type QueueOptions } from 'bullmq';
import pg from 'pg';
import type { AppConfig } from '../config/app-config';
import { GuardedPgClient } from '../database/guarded-pg-client';

export type QueueBackendName = 'redis' | 'postgres';

export function queueBackendName(config: Pick<AppConfig, 'redisUrl'>): QueueBackendName {
  return config.redisUrl ? 'redis' : 'postgres';
}

/**
 * @nestjs/bullmq has no backend option, so the backend is chosen process-wide here, before any queue
 * is created: Redis when REDIS_URL is set, otherwise BullMQ's PostgreSQL backend in our own database.
 */
export function selectQueueBackend(config: Pick<AppConfig, 'redisUrl' | 'databaseUrl'>): QueueOptions['connection'] {
  if (config.redisUrl) {
    setDefaultBackendFactory(undefined);
    const url = new URL(config.redisUrl);
    return {
      host: url.hostname,
      port: Number(url.port || 6379),
      username: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
      tls: url.protocol === 'rediss:' ? {} : undefined,
      maxRetriesPerRequest: null,
    };
  }
  if (!config.databaseUrl) throw new Error('the PostgreSQL queue backend needs the database URL');
  setDefaultBackendFactory<PostgresQueueBackend, PostgresConnectionOptions>(guardedPostgresBackend);
  const options: PostgresConnectionOptions = { connectionString: config.databaseUrl, migrate: true, Client: GuardedPgClient };
  // @nestjs/bullmq types its `connection` for Redis only; BullMQ's PostgreSQL backend takes these.
  return options as unknown as QueueOptions['connection'];
}

const guardedPg = Object.assign(Object.create(pg) as typeof pg, { Client: GuardedPgClient });

/**
 * BullMQ's own factory, with its clients built from GuardedPgClient: its pool's through the pool's `Client`
 * option, its LISTEN client's through the connection's `pgModule` (BullMQ offers no option for that one; if an
 * upgrade renames the field, boot fails here, loudly).
 */
export const guardedPostgresBackend: typeof createPostgresBackend = (name, opts, factoryOpts) => {
  const backend = createPostgresBackend(name, opts, factoryOpts);
  const connection = backend.connection as unknown as { pgModule?: unknown };
  if (!connection.pgModule)
    throw new Error('bullmq changed: PostgresConnection has no pgModule to build LISTEN clients from (see src/queue/queue-connection.ts)');
  connection.pgModule = guardedPg;
  return backend;
};
