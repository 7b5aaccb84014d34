import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';
import { OutboxRepository } from './outbox.repository';

/** The outbox's figures read at scrape time: deliveries by state, the oldest waiting one, paused targets. */
@Injectable()
export class OutboxMetrics {
  constructor(metrics: MetricsService, repository: OutboxRepository) {
    new Gauge({
      name: 'order_sync_deliveries',
      help: 'Outbound deliveries by target and state',
      labelNames: ['target', 'state'] as const,
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const row of await repository.countsByTargetAndState()) this.set({ target: row.target, state: row.state }, row.count);
      },
    });
    new Gauge({
      name: 'order_sync_oldest_pending_delivery_age_seconds',
      help: 'Age of the oldest delivery still waiting to be sent, by target',
      labelNames: ['target'] as const,
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const row of await repository.oldestWaitingByTarget()) this.set({ target: row.target }, row.ageSeconds);
      },
    });
    new Gauge({
      name: 'order_sync_target_paused',
      help: 'Outbound targets whose deliveries are paused (1), by target',
      labelNames: ['target'] as const,
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const row of await repository.targetStates()) this.set({ target: row.target }, row.paused ? 1 : 0);
      },
    });
  }
}
