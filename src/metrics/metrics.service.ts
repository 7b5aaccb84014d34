import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DELIVERY_QUEUE } from '../queue/queue.module';

/**
 * The service's Prometheus metrics. Its own registry (not prom-client's global one), so several app
 * instances in one process (tests) never clash. The modules that own figures read at scrape time register
 * their gauges on it (the outbox's deliveries and targets, the reconciliation's last success).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly webhookRequests = new Counter({
    name: 'order_sync_webhook_requests_total',
    help: 'Inbound webhook requests by endpoint, notification type and outcome',
    labelNames: ['endpoint', 'type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly webhookDuration = new Histogram({
    name: 'order_sync_webhook_duration_seconds',
    help: 'Time to answer an inbound webhook',
    labelNames: ['endpoint', 'type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly webhookDuplicates = new Counter({
    name: 'order_sync_webhook_duplicates_total',
    help: 'Re-deliveries of events already stored (answered 2xx, nothing applied)',
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });

  readonly webhookRejections = new Counter({
    name: 'order_sync_webhook_rejections_total',
    help: 'Inbound webhook requests refused, by reason',
    labelNames: ['endpoint', 'reason'] as const,
    registers: [this.registry],
  });

  readonly deliveryAttempts = new Counter({
    name: 'order_sync_delivery_attempts_total',
    help: 'Outbound delivery attempts by target and result (sent, retry, dead)',
    labelNames: ['target', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly mappingMisses = new Counter({
    name: 'order_sync_mapping_misses_total',
    help: 'Source status codes that had no mapping row',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly targetPauses = new Counter({
    name: 'order_sync_target_pauses_total',
    help: 'Outbound targets paused, by reason (auto: failing for PAUSE_AFTER_MINUTES; manual: an admin)',
    labelNames: ['target', 'reason'] as const,
    registers: [this.registry],
  });

  readonly targetResumes = new Counter({
    name: 'order_sync_target_resumes_total',
    help: 'Outbound targets resumed, by reason (probe: answered again; manual: an admin)',
    labelNames: ['target', 'reason'] as const,
    registers: [this.registry],
  });

  readonly retentionDeleted = new Counter({
    name: 'order_sync_retention_deleted_total',
    help: 'Rows deleted by the retention job, by table',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });

  readonly replayedEvents = new Counter({
    name: 'order_sync_replayed_events_total',
    help: 'Stored inbound events re-processed by a replay, by source and result (applied, unchanged, failed)',
    labelNames: ['source', 'result'] as const,
    registers: [this.registry],
  });

  readonly reconcileCorrected = new Counter({
    name: 'order_sync_reconcile_corrected_total',
    help: 'Orders the Market reconciliation pull moved or created (each one a notification we missed), by campaign',
    labelNames: ['campaign'] as const,
    registers: [this.registry],
  });

  readonly reconcileRuns = new Counter({
    name: 'order_sync_reconcile_runs_total',
    help: 'Market reconciliation runs by campaign and result (success, failed, rate_limited; page_limit and page_token_repeated: stopped before the end of the window)',
    labelNames: ['campaign', 'result'] as const,
    registers: [this.registry],
  });

  readonly reconcileBackoffs = new Counter({
    name: 'order_sync_reconcile_backoffs_total',
    help: 'Times the Market reconciliation pull waited for a rate limit (420/429 or X-RateLimit-Resource-Remaining 0), by campaign',
    labelNames: ['campaign'] as const,
    registers: [this.registry],
  });

  constructor(@InjectQueue(DELIVERY_QUEUE) queue: Queue) {
    collectDefaultMetrics({ register: this.registry, prefix: 'order_sync_' });
    this.gaugeReadAtScrape('order_sync_queue_jobs', 'Jobs in the delivery queue by state', ['queue', 'state'], async () => {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
      return Object.entries(counts).map(([state, n]) => [{ queue: DELIVERY_QUEUE, state }, n]);
    });
  }

  /**
   * A gauge whose series are read at each scrape: exactly those `read` returns, each with its labels and value
   * (a series `read` no longer returns goes, rather than keeping its last value).
   */
  gaugeReadAtScrape<Label extends string>(
    name: string,
    help: string,
    labelNames: readonly Label[],
    read: () => Promise<Array<[labels: Record<Label, string>, value: number]>>,
  ): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [labels, value] of await read()) this.set(labels, value);
      },
    });
  }
}
