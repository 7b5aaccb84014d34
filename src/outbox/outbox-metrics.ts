import { Injectable } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';
import { OutboxRepository } from './outbox.repository';

/** The outbox's figures read at scrape time: deliveries by state, the oldest waiting one, paused targets. */
@Injectable()
export class OutboxMetrics {
  constructor(metrics: MetricsService, repository: OutboxRepository) {
    metrics.gaugeReadAtScrape('order_sync_deliveries', 'Outbound deliveries by target and state', ['target', 'state'], async () =>
      (await repository.countsByTargetAndState()).map((row) => [{ target: row.target, state: row.state }, row.count]),
    );
    metrics.gaugeReadAtScrape(
      'order_sync_oldest_pending_delivery_age_seconds',
      'Age of the oldest delivery still waiting to be sent, by target',
      ['target'],
      async () => (await repository.oldestWaitingByTarget()).map((row) => [{ target: row.target }, row.ageSeconds]),
    );
    metrics.gaugeReadAtScrape('order_sync_target_paused', 'Outbound targets whose deliveries are paused (1), by target', ['target'], async () =>
      (await repository.targetStates()).map((row) => [{ target: row.target }, row.paused ? 1 : 0]),
    );
  }
}
