import { createPostgresBackend, setDefaultBackendFactory, type QueueOptions } from 'bullmq';
import pg from 'pg';
import type { AppConfig } from '../config/app-config';

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
  setDefaultBackendFactory(guardedPostgresBackend as never);
  return { connectionString: config.databaseUrl, migrate: true } as never;
}

/**
 * A pg Client that is never without an 'error' listener. BullMQ's PostgreSQL backend (6.7) connects its LISTEN
 * client and only then attaches its own listener: when the server ends that connection in the same moment (a
 * restart, a failover, an administrator's pg_terminate_backend), the error can arrive in the same read as the
 * connection's ready message, before that listener exists, and an 'error' with no listener ends the process.
 * BullMQ's listener still hears every later error and rebuilds the LISTEN connection; one that came too early
 * leaves a dead client whose first query fails, which BullMQ also recovers from.
 */
export class ListenClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}

const listenSafePg = Object.assign(Object.create(pg) as typeof pg, { Client: ListenClient });

/**
 * BullMQ's own factory, with the LISTEN clients built from ListenClient. BullMQ offers no option for the client
 * class, so this sets the connection's `pgModule`; if an upgrade renames it, boot fails here, loudly.
 */
export const guardedPostgresBackend: typeof createPostgresBackend = (name, opts, factoryOpts) => {
  const backend = createPostgresBackend(name, opts, factoryOpts);
  const connection = backend.connection as unknown as { pgModule?: unknown };
  if (!connection.pgModule) throw new Error('bullmq changed: PostgresConnection has no pgModule to build LISTEN clients from (see src/queue/queue-connection.ts)');
  connection.pgModule = listenSafePg;
  return backend;
};
