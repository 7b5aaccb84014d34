import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';
import { MarketReconcileRepository } from './market-reconcile.repository';

/** The reconciliation's figure read at scrape time: when each campaign's pull last finished. */
@Injectable()
export class ReconcileMetrics {
  constructor(metrics: MetricsService, repository: MarketReconcileRepository) {
    new Gauge({
      name: 'order_sync_reconcile_last_success_timestamp_seconds',
      help: 'When the Market reconciliation pull last finished for a campaign (Unix time), from the database (any instance)',
      labelNames: ['campaign'] as const,
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const row of await repository.lastSuccesses()) this.set({ campaign: row.campaign }, row.at);
      },
    });
  }
}
