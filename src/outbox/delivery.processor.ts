import { Processor, WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Inject, Logger, OnModuleInit } from '@nestjs/common';
import type { Job } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { withRequestId } from '../logging/request-context';
import { DELIVERY_QUEUE } from '../queue/queue.module';
import { DeliveryAttemptsService, type DeliverOutcome } from './delivery-attempts.service';
import type { DeliveryJob } from './outbox.service';

/**
 * BullMQ's stalled-job check: a job that was active in a process that died (kill -9, OOM) keeps its
 * deterministic job id, so the outbox sweeper cannot queue its delivery again until BullMQ notices the
 * lost lock and moves it back to waiting. With BullMQ's defaults (30 s lock, 30 s check) a crash held
 * such deliveries for 30-70 s (found by `npm run test:faults`); with these, at most about 15 s. A live
 * worker renews its locks every lockDuration / 2, so a long attempt (DELIVERY_TIMEOUT_MS) is not affected.
 */
const STALL_DETECTION = { lockDuration: 10_000, stalledInterval: 5_000 };

/** A job as versions before shared jobs queued it. */
interface LegacyDeliveryJob {
  deliveryId: string;
  requestId?: string;
}

/** Jobs per request slot: one waiting on its claim, one out to the peer, one waiting on its record. */
const JOBS_PER_REQUEST_SLOT = 3;

/** Runs delivery attempts; retries are scheduled by the outbox itself (new jobs), not by BullMQ. */
@Processor(DELIVERY_QUEUE, STALL_DETECTION)
export class DeliveryProcessor extends WorkerHost implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('DeliveryWorker');

  constructor(
    private readonly attempts: DeliveryAttemptsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onModuleInit(): void {
    // A job spends part of its time on its claim and its record (database, batched), and only DELIVERY_CONCURRENCY
    // of them are out to a peer at once (OutboxService): more jobs than requests keep the requests busy.
    this.worker.concurrency = this.config.delivery.concurrency * JOBS_PER_REQUEST_SLOT;
    this.worker.on('error', (error) => this.logger.warn(`worker: ${error.message}`));
  }

  /** Lets the jobs in progress record their outcomes before the delivery pool closes (onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }

  async process(job: Job<DeliveryJob | LegacyDeliveryJob>): Promise<DeliverOutcome[]> {
    // A job queued by a version before deliveries shared jobs carries one delivery of its own.
    const deliveries = 'deliveries' in job.data ? job.data.deliveries : [{ id: job.data.deliveryId, requestId: job.data.requestId }];
    const outcomes = await Promise.allSettled(deliveries.map(({ id, requestId }) => withRequestId(requestId, () => this.attempts.deliver(id))));
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason; // the database went away: the sweeper queues them again
    return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<DeliverOutcome>).value);
  }
}
