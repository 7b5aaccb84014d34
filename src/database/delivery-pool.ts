import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { GuardedPgClient } from './guarded-pg-client';

/**
 * The delivery worker's own connections: claims, records, lease renewals, the sweeper and endpoint health go
 * through these, never through the request path's pool. Their number does not grow with DELIVERY_CONCURRENCY:
 * claims and records are batched (two batches of each in flight at most), and no connection is held while a
 * request is out to a peer. So however many deliveries are in flight and however slow a peer, webhooks keep
 * the connections of DATABASE_POOL_SIZE.
 */
export const DELIVERY_POOL_SIZE = 5;

@Injectable()
export class DeliveryPool implements OnApplicationShutdown {
  private readonly logger = new Logger('DeliveryPool');
  private readonly pool: pg.Pool;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: DELIVERY_POOL_SIZE,
      application_name: 'order-sync-delivery',
      Client: GuardedPgClient,
    });
    // An idle connection dropped by the server (restart, outage) must not crash the process; the next query reconnects.
    this.pool.on('error', (error) => this.logger.warn(`idle delivery connection lost: ${error.message}`));
  }

  async query<T extends object>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query<T>(sql, params)).rows;
  }

  /** After the delivery worker has closed (it waits for its jobs in beforeApplicationShutdown). */
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
