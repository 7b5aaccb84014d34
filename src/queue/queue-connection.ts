import { createPostgresBackend, setDefaultBackendFactory, type QueueOptions } from 'bullmq';
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
  setDefaultBackendFactory(createPostgresBackend as never);
  return { connectionString: config.databaseUrl, migrate: true } as never;
}
