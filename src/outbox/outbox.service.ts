import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Tx } from '../database/transaction';
import { Channels } from '../events/channels';
import { currentRequestId } from '../logging/request-context';
import { DELIVERY_QUEUE } from '../queue/queue.module';
import { DELIVERY_SEND, type DeliveryPolicy, type DeliveryTargetName, type NewDelivery } from './delivery-targets';
import { OutboxRepository } from './outbox.repository';

/** A queue job: deliveries to attempt, each with the request that caused its change (its log lines join it). */
export interface DeliveryJob {
  deliveries: { id: string; requestId?: string }[];
}

/** Rows per statement when re-queueing a target's deliveries. */
const BATCH = 500;

/** A delivery to queue: its job id says which attempt it is for, so a second enqueue of a waiting one is a no-op. */
interface ToQueue {
  id: string;
  requestId: string | undefined;
  jobId: string;
  delayMs: number;
}

/**
 * Deliveries due now and queued in the same turn of the event loop (a group commit's, the sweeper's) share one
 * job, up to this many: the queue's cost is per job, and each delivery is still claimed, sent and recorded alone.
 */
const DELIVERIES_PER_JOB = 32;

/** A delivery waiting in its transaction to be inserted, with the request that asked for it (its log lines join it). */
interface PendingDelivery {
  row: NewDelivery;
  requestId: string | undefined;
}

/**
 * The transactional outbox's writing side. A caller writes its deliveries in its own transaction (`write`); they
 * are inserted together, in one statement, as that transaction's last work before it commits, and queued once it
 * has committed; the worker then attempts them (DeliveryAttemptsService). A delivery whose job was lost (a queue
 * outage, a crash after commit) is queued again by the sweeper.
 */
@Injectable()
export class OutboxService {
  private readonly logger = new Logger('Outbox');
  private toQueue: ToQueue[] = [];

  constructor(
    private readonly repository: OutboxRepository,
    @InjectQueue(DELIVERY_QUEUE) private readonly jobs: Queue<DeliveryJob>,
    private readonly channels: Channels,
  ) {}

  /** The targets this process can send to (they have a sender: @SendsDeliveries). */
  registeredTargets(): string[] {
    return this.channels.keysOf(DELIVERY_SEND).sort();
  }

  /** What the target's owner declared of its deliveries with its sender (@SendsDeliveries); undefined for a target with no sender here. */
  policyOf(target: string): DeliveryPolicy | undefined {
    return this.channels.optionsOf(DELIVERY_SEND, target) as DeliveryPolicy | undefined;
  }

  /** The targets whose owners declared the `in-order` policy; every other target: the newest wins. */
  inOrderTargets(): string[] {
    return this.registeredTargets().filter((target) => this.policyOf(target)?.ordering === 'in-order');
  }

  /**
   * Writes a delivery in the caller's transaction: all of a transaction's deliveries are inserted in one statement
   * just before it commits (group commit shares one transaction among many requests, each with its own changes),
   * and queued only if and once it has committed.
   */
  write<T extends DeliveryTargetName>(tx: Tx, delivery: NewDelivery<T>): void {
    const pending = this.pendingIn(tx);
    pending.push({ row: delivery, requestId: currentRequestId() });
    if (pending.length > 1) return;
    tx.beforeCommit(this, async () => {
      const ids = await this.repository.insert(
        tx.manager,
        pending.map((entry) => entry.row),
      );
      tx.afterCommit(() => ids.forEach((id, i) => this.queue(id, 1, 0, pending[i].requestId)));
    });
  }

  /** Whether the order has a delivery to the target, written before or earlier in this transaction (`alive`: not dead). */
  async hasDelivery(tx: Tx, orderId: string, target: DeliveryTargetName, options: { alive?: boolean } = {}): Promise<boolean> {
    if (this.pendingIn(tx).some(({ row }) => row.orderId === orderId && row.target === target)) return true;
    return this.repository.hasDelivery(tx.manager, orderId, target, options.alive === true);
  }

  private pendingIn(tx: Tx): PendingDelivery[] {
    return tx.state<PendingDelivery[]>(this, () => []);
  }

  /**
   * Never awaited on a request path: when the queue is down the row stays pending and the sweeper enqueues it
   * later. The job id is deterministic, so a re-enqueue of a waiting job is a no-op. Jobs queued in one turn of
   * the event loop go to the queue together (one round trip).
   */
  queue(id: string, attempt: number, delayMs: number, requestId = currentRequestId(), suffix = ''): void {
    this.toQueue.push({ id, requestId, jobId: `d${id}-a${attempt}${suffix}`, delayMs });
    if (this.toQueue.length === 1) setImmediate(() => this.flushQueue());
  }

  private flushQueue(): void {
    const entries = this.toQueue;
    this.toQueue = [];
    const job = (list: ToQueue[]) => ({
      name: 'deliver',
      data: { deliveries: list.map(({ id, requestId }) => ({ id, requestId })) } satisfies DeliveryJob,
      // One delivery: its own attempt's id. Several: the first's and the last's, so the same group queued twice is one job.
      opts: {
        jobId: list.length === 1 ? list[0].jobId : `${list[0].jobId}-to-${list[list.length - 1].jobId}`,
        delay: list[0].delayMs,
        removeOnComplete: true,
        removeOnFail: true,
        attempts: 1,
      },
    });
    const now = entries.filter((entry) => entry.delayMs === 0);
    const jobs = entries.filter((entry) => entry.delayMs > 0).map((entry) => job([entry]));
    for (let i = 0; i < now.length; i += DELIVERIES_PER_JOB) jobs.push(job(now.slice(i, i + DELIVERIES_PER_JOB)));
    this.jobs.addBulk(jobs).catch((error: Error) => this.logger.warn(`${entries.length} deliveries not enqueued (${error.message}); the sweeper will retry`));
  }

  /**
   * Re-enqueues deliveries that are due but apparently have no job (lost to a queue outage or a crash), after
   * releasing the leases of workers that died mid-request. Deliveries of a paused target are left alone: they
   * are queued when it resumes.
   */
  async sweep(limit = 500): Promise<number> {
    const released = await this.repository.releaseExpiredLeases(limit);
    if (released) this.logger.warn(`${released} deliveries were in flight on a worker that stopped (their leases ended): they wait for their next attempt`);
    const due = await this.repository.overdue(limit, this.inOrderTargets());
    for (const row of due) this.queue(row.id, row.attempts + 1, 0);
    return due.length;
  }

  /**
   * Queues every waiting delivery of a target (after it resumed), each at its scheduled time. Under job ids of
   * this resume: a delivery whose retry job is still queued for later (the probed one, due at once now) would
   * otherwise find its id taken and wait for that job.
   */
  async requeueTarget(target: string): Promise<number> {
    const resume = `-resumed${Date.now().toString(36)}`;
    let after = '0';
    let queued = 0;
    for (;;) {
      const rows = await this.repository.waitingOfTarget(target, after, BATCH);
      for (const row of rows) this.queue(row.id, row.attempts + 1, row.delayMs, undefined, resume);
      queued += rows.length;
      if (rows.length < BATCH) return queued;
      after = rows[rows.length - 1].id;
    }
  }
}
