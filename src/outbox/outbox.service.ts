import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource, type EntityManager, type EntitySubscriberInterface, type QueryRunner, type TransactionCommitEvent, type TransactionRollbackEvent } from 'typeorm';
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

/**
 * The transactional outbox's writing side. A delivery row is written in the transaction of the change and
 * queued after it commits; the worker then attempts it (DeliveryAttemptsService). A delivery whose job was
 * lost (a queue outage, a crash after commit) is queued again by the sweeper.
 */
@Injectable()
export class OutboxService implements EntitySubscriberInterface {
  private readonly logger = new Logger('Outbox');
  /**
   * Deliveries written by a transaction still open on that query runner, enqueued once it commits. Each keeps
   * the request that wrote it: a transaction shared by several requests (group commit) commits in only one's.
   */
  private readonly awaitingCommit = new WeakMap<QueryRunner, { id: string; requestId: string | undefined }[]>();
  /**
   * Deliveries a transaction still open on that query runner has asked for, inserted together just before it
   * commits (one statement for the whole transaction, which group commit shares among many requests). `depth`:
   * the savepoint level they were asked at, so a savepoint rolled back drops its own.
   */
  private readonly awaitingInsert = new WeakMap<QueryRunner, { row: NewDelivery; requestId: string | undefined; depth: number }[]>();
  private toQueue: ToQueue[] = [];

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly repository: OutboxRepository,
    @InjectQueue(DELIVERY_QUEUE) private readonly jobs: Queue<DeliveryJob>,
    private readonly channels: Channels,
  ) {
    // Whoever opens the transaction (a group commit, an admin change, a follow-up), TypeORM tells its subscribers
    // before and after it commits or rolls back: that is where a transaction's deliveries are inserted and queued
    // (beforeTransactionCommit, afterTransactionCommit, afterTransactionRollback below).
    dataSource.subscribers.push(this);
  }

  /** The targets this process can send to (they have a sender: @SendsDeliveries). */
  registeredTargets(): string[] {
    return this.channels.keysOf(DELIVERY_SEND).sort();
  }

  /** The targets whose owners declared the `in-order` policy (@SendsDeliveries); every other target: the newest wins. */
  inOrderTargets(): string[] {
    return this.registeredTargets().filter((target) => (this.channels.optionsOf(DELIVERY_SEND, target) as DeliveryPolicy | undefined)?.ordering === 'in-order');
  }

  /**
   * Writes a delivery in the caller's transaction (inserted just before it commits, with the transaction's other
   * deliveries); it is enqueued only if and when that transaction commits. Without a transaction: at once.
   */
  async createDelivery<T extends DeliveryTargetName>(manager: EntityManager, delivery: NewDelivery<T>): Promise<void> {
    const runner = manager.queryRunner;
    if (runner?.isTransactionActive) {
      const list = this.awaitingInsert.get(runner) ?? [];
      list.push({ row: delivery, requestId: currentRequestId(), depth: transactionDepth(runner) });
      this.awaitingInsert.set(runner, list);
      return;
    }
    const [id] = await this.repository.insert(manager, [delivery]);
    this.queue(id, 1, 0);
  }

  async beforeTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const runner = event.queryRunner;
    if (transactionDepth(runner) > 1) return; // a savepoint is released: the outer transaction goes on
    const pending = this.awaitingInsert.get(runner);
    if (!pending?.length) return;
    this.awaitingInsert.delete(runner);
    const ids = await this.repository.insert(runner.manager, pending.map((entry) => entry.row));
    this.awaitingCommit.set(runner, ids.map((id, i) => ({ id, requestId: pending[i].requestId })));
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (event.queryRunner.isTransactionActive) return; // a savepoint was released; the outer transaction is still open
    const list = this.awaitingCommit.get(event.queryRunner);
    if (!list) return;
    this.awaitingCommit.delete(event.queryRunner);
    for (const { id, requestId } of list) this.queue(id, 1, 0, requestId);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    const runner = event.queryRunner;
    if (!runner.isTransactionActive) {
      this.awaitingInsert.delete(runner);
      this.awaitingCommit.delete(runner);
      return;
    }
    // A savepoint was rolled back: the deliveries asked for inside it go with it.
    const depth = transactionDepth(runner);
    const kept = (this.awaitingInsert.get(runner) ?? []).filter((entry) => entry.depth <= depth);
    this.awaitingInsert.set(runner, kept);
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
    this.jobs
      .addBulk(jobs)
      .catch((error: Error) => this.logger.warn(`${entries.length} deliveries not enqueued (${error.message}); the sweeper will retry`));
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

  /** Whether the order already has a delivery to the target (`dead` ones counted unless `alive` is asked). */
  async hasDelivery(orderId: string, target: DeliveryTargetName, options: { alive?: boolean } = {}): Promise<boolean> {
    return this.repository.hasDelivery(orderId, target, options.alive === true);
  }
}

/** How deeply the query runner's transactions are nested now (1: no savepoint); TypeORM keeps it on the runner. */
function transactionDepth(runner: QueryRunner): number {
  return (runner as QueryRunner & { transactionDepth?: number }).transactionDepth ?? 1;
}
