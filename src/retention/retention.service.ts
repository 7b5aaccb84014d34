import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { withSessionLock } from '../database/session-lock';
import { MetricsService } from '../metrics/metrics.service';

/** Statements per table and run; what is left is deleted by the next run. */
const MAX_BATCHES_PER_TABLE = 1000;
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
 * advisory lock so exactly one instance runs it at a time. Deleted: inbound events (raw payloads) older
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
  ) {}

  async run(now = new Date()): Promise<RetentionReport> {
    const started = Date.now();
    const { retentionEventsDays, retentionAttemptsDays } = this.config.operations;
    const eventsBefore = new Date(now.getTime() - retentionEventsDays * DAY_MS);
    const attemptsBefore = new Date(now.getTime() - retentionAttemptsDays * DAY_MS);
    const outcome = await withSessionLock(this.dataSource, 'order-sync:retention', async () => {
      const deleted: Record<string, number> = {};
      deleted.market_events = await this.deleteInBatches('market_events', 'SELECT id FROM market_events WHERE received_at < $1', [eventsBefore]);
      deleted.imshop_ticket_events = await this.deleteInBatches(
        'imshop_ticket_events',
        'SELECT id FROM imshop_ticket_events WHERE received_at < $1',
        [eventsBefore],
      );
      deleted.delivery_attempts = await this.deleteInBatches('delivery_attempts', 'SELECT id FROM delivery_attempts WHERE started_at < $1', [attemptsBefore]);
      deleted.deliveries = await this.deleteInBatches(
        'deliveries',
        `SELECT d.id FROM deliveries d WHERE d.created_at < $1 AND d.updated_at < $1 AND d.state IN ('sent', 'superseded', 'dead')
           AND EXISTS (SELECT 1 FROM deliveries n WHERE n.order_id = d.order_id AND n.target = d.target AND n.change_seq > d.change_seq)`,
        [attemptsBefore],
        // a delivery's attempts go with it (attempts of a recovered delivery may be younger than it)
        'DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM gone)',
      );
      deleted.replay_runs = await this.deleteInBatches('replay_runs', `SELECT id FROM replay_runs WHERE state <> 'running' AND started_at < $1`, [eventsBefore]);
      return deleted;
    });
    if (!outcome.ran) {
      this.logger.log('retention skipped: another instance is running it');
      return { ran: false, deleted: {}, durationMs: Date.now() - started };
    }
    const deleted = outcome.value;
    for (const [table, n] of Object.entries(deleted)) if (n) this.metrics.retentionDeleted.inc({ table }, n);
    const total = Object.values(deleted).reduce((a, b) => a + b, 0);
    const summary = Object.entries(deleted).map(([table, n]) => `${table} ${n}`).join(', ');
    this.logger.log(
      `retention: deleted ${total} rows (${summary}); events before ${eventsBefore.toISOString()}, attempts and old deliveries before ${attemptsBefore.toISOString()}`,
    );
    return { ran: true, eventsBefore: eventsBefore.toISOString(), attemptsBefore: attemptsBefore.toISOString(), deleted, durationMs: Date.now() - started };
  }

  /** `DELETE ... WHERE id IN (<select> ORDER BY id LIMIT n)` until a batch comes back short. */
  private async deleteInBatches(table: string, select: string, params: unknown[], alsoDelete?: string): Promise<number> {
    const size = this.config.operations.retentionBatchSize;
    const limit = `$${params.length + 1}`;
    let total = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_TABLE; batch++) {
      const sql = alsoDelete
        ? `WITH gone AS (DELETE FROM ${table} WHERE id IN (${select} ORDER BY id LIMIT ${limit}) RETURNING id), also AS (${alsoDelete}) SELECT count(*)::int AS n FROM gone`
        : `WITH gone AS (DELETE FROM ${table} WHERE id IN (${select} ORDER BY id LIMIT ${limit}) RETURNING id) SELECT count(*)::int AS n FROM gone`;
      const [{ n }] = (await this.dataSource.query(sql, [...params, size])) as { n: number }[];
      total += n;
      if (n < size) break;
      await new Promise((resolve) => setImmediate(resolve)); // let other work in between batches
    }
    return total;
  }
}
