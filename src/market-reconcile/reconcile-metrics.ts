import { Injectable } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';
import { MarketReconcileRepository } from './market-reconcile.repository';

/** The reconciliation's figure read at scrape time: when each campaign's pull last finished. */
@Injectable()
export class ReconcileMetrics {
  constructor(metrics: MetricsService, repository: MarketReconcileRepository) {
    metrics.gaugeReadAtScrape(
      'order_sync_reconcile_last_success_timestamp_seconds',
      'When the Market reconciliation pull last finished for a campaign (Unix time), from the database (any instance)',
      ['campaign'],
      async () => (await repository.lastSuccesses()).map((row) => [{ campaign: row.campaign }, row.at]),
    );
  }
}
