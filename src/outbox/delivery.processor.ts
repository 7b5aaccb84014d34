import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnModuleInit } from '@nestjs/common';
import type { Job } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { withRequestId } from '../logging/request-context';
import { DELIVERY_QUEUE } from '../queue/queue.module';
import { OutboxService, type DeliverOutcome, type DeliveryJob } from './outbox.service';

/** Runs delivery attempts; retries are scheduled by the outbox itself (new jobs), not by BullMQ. */
@Processor(DELIVERY_QUEUE)
export class DeliveryProcessor extends WorkerHost implements OnModuleInit {
  private readonly logger = new Logger('DeliveryWorker');

  constructor(
    private readonly outbox: OutboxService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onModuleInit(): void {
    this.worker.concurrency = this.config.delivery.concurrency;
    this.worker.on('error', (error) => this.logger.warn(`worker: ${error.message}`));
  }

  process(job: Job<DeliveryJob>): Promise<DeliverOutcome> {
    return withRequestId(job.data.requestId, () => this.outbox.deliver(job.data.deliveryId));
  }
}
