import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { withSessionLock } from '../database/session-lock';
import { Channels } from '../events/channels';
import { MetricsService } from '../metrics/metrics.service';
import { RETENTION_STEP, type RetentionCutoffs } from './retention-step';

const DAY_MS = 86_400_000;

export interface RetentionReport {
  /** False when another instance was running the job (nothing was done here). */
  ran: boolean;
  eventsBefore?: string;
  attemptsBefore?: string;
  deleted: Record<string, number>;
  durationMs: number;
}

/**
 * Keeps the tables from growing forever, in bounded batches (one short statement each), under an
 * advisory lock so exactly one instance runs it at a time. Each table's owner deletes its own rows (a
 * RETENTION_STEP handler, see src/events/wiring.ts). Deleted: inbound events (raw payloads) older
 * than RETENTION_EVENTS_DAYS, delivery attempts older than RETENTION_ATTEMPTS_DAYS, finished deliveries
 * older than that which are not the latest of their order and target, and old replay runs. Never
 * touched: orders, their history, the latest delivery per order and target, waiting deliveries.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger('Retention');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly channels: Channels,
  ) {}

  async run(now = new Date()): Promise<RetentionReport> {
    const started = Date.now();
    const { retentionEventsDays, retentionAttemptsDays } = this.config.operations;
    const eventsBefore = new Date(now.getTime() - retentionEventsDays * DAY_MS);
    const attemptsBefore = new Date(now.getTime() - retentionAttemptsDays * DAY_MS);
    const cutoffs: RetentionCutoffs = { eventsBefore, attemptsBefore, batchSize: this.config.operations.retentionBatchSize };
    const outcome = await withSessionLock(this.dataSource, 'order-sync:retention', async () => {
      const deleted: Record<string, number> = {};
      for (const table of this.channels.keysOf(RETENTION_STEP)) deleted[table] = await this.channels.handlerOf(RETENTION_STEP, table)!(cutoffs);
      return deleted;
    });
    if (!outcome.ran) {
      this.logger.log('retention skipped: another instance is running it');
      return { ran: false, deleted: {}, durationMs: Date.now() - started };
    }
    const deleted = outcome.value;
    for (const [table, n] of Object.entries(deleted)) if (n) this.metrics.retentionDeleted.inc({ table }, n);
    const total = Object.values(deleted).reduce((a, b) => a + b, 0);
    const summary = Object.entries(deleted)
      .map(([table, n]) => `${table} ${n}`)
      .join(', ');
    this.logger.log(
      `retention: deleted ${total} rows (${summary}); events before ${eventsBefore.toISOString()}, attempts and old deliveries before ${attemptsBefore.toISOString()}`,
    );
    return { ran: true, eventsBefore: eventsBefore.toISOString(), attemptsBefore: attemptsBefore.toISOString(), deleted, durationMs: Date.now() - started };
  }
}
