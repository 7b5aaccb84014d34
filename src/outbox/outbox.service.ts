import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, NotFoundException, OnApplicationBootstrap, OnModuleDestroy, ConflictException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource, EntityManager, type EntitySubscriberInterface, type QueryRunner, type TransactionCommitEvent, type TransactionRollbackEvent } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DELIVERY_QUEUE } from '../queue/queue.module';
import { retryDelayMs } from './backoff';
import { DeliveryAttempt } from './delivery-attempt.entity';
import { Delivery, type DeliveryState } from './delivery.entity';
import type { ListDeliveriesQuery } from './dto/list-deliveries.query';

/** What a target's sender reports for one attempt. */
export interface SendResult {
  outcome: 'sent' | 'retry' | 'dead';
  statusCode: number;
  latencyMs: number;
  error?: string;
  response?: unknown;
  retryAfterSeconds?: number;
}

export type DeliverySender = (payload: unknown) => Promise<SendResult>;

export interface NewDelivery {
  orderId: string;
  target: string;
  changeSeq: string;
  internalStatus: string | null;
  payload: object;
}

export interface DeliveryJob {
  deliveryId: string;
}

/** What the worker did with one job; also what tests and the bench observe. */
export type DeliverOutcome = 'sent' | 'retrying' | 'dead' | 'superseded' | 'skipped';

@Injectable()
export class OutboxService implements EntitySubscriberInterface, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Outbox');
  private readonly senders = new Map<string, DeliverySender>();
  /** Deliveries written by a transaction still open on that query runner, enqueued once it commits. */
  private readonly awaitingCommit = new WeakMap<QueryRunner, { id: string; attempt: number }[]>();
  private sweeper?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(DELIVERY_QUEUE) private readonly queue: Queue<DeliveryJob>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    dataSource.subscribers.push(this);
  }

  registerTarget(target: string, sender: DeliverySender): void {
    this.senders.set(target, sender);
  }

  onApplicationBootstrap(): void {
    this.sweeper = setInterval(() => void this.sweep().catch((error) => this.logger.warn(`sweep failed: ${(error as Error).message}`)), this.config.delivery.sweepMs);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  /** Writes a delivery in the caller's transaction; it is enqueued only if and when that transaction commits. */
  async createDelivery(manager: EntityManager, delivery: NewDelivery): Promise<string> {
    const [{ id }] = (await manager.query(
      `INSERT INTO deliveries (order_id, target, change_seq, internal_status, payload) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [delivery.orderId, delivery.target, delivery.changeSeq, delivery.internalStatus, JSON.stringify(delivery.payload)],
    )) as { id: string }[];
    const runner = manager.queryRunner;
    if (runner?.isTransactionActive) {
      const list = this.awaitingCommit.get(runner) ?? [];
      list.push({ id, attempt: 1 });
      this.awaitingCommit.set(runner, list);
    } else {
      this.enqueue(id, 1, 0);
    }
    return id;
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (event.queryRunner.isTransactionActive) return; // a savepoint was released; the outer transaction is still open
    const list = this.awaitingCommit.get(event.queryRunner);
    if (!list) return;
    this.awaitingCommit.delete(event.queryRunner);
    for (const { id, attempt } of list) this.enqueue(id, attempt, 0);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) this.awaitingCommit.delete(event.queryRunner);
  }

  /**
   * Never awaited on a request path: when the queue is down the row stays pending and the sweeper
   * enqueues it later. The job id is deterministic, so a re-enqueue of a waiting job is a no-op.
   */
  private enqueue(id: string, attempt: number, delayMs: number): void {
    this.queue
      .add('deliver', { deliveryId: id }, { jobId: `d${id}-a${attempt}`, delay: delayMs, removeOnComplete: true, removeOnFail: true, attempts: 1 })
      .catch((error: Error) => this.logger.warn(`delivery ${id} not enqueued (${error.message}); the sweeper will retry`));
  }

  /** Re-enqueues deliveries that are due but apparently have no job (lost to a queue outage or a crash). */
  async sweep(limit = 500): Promise<number> {
    const due = (await this.dataSource.query(
      `SELECT id, attempts FROM deliveries WHERE state IN ('pending', 'retrying') AND next_attempt_at < now() - interval '2 seconds'
       ORDER BY next_attempt_at LIMIT $1`,
      [limit],
    )) as { id: string; attempts: number }[];
    for (const row of due) this.enqueue(row.id, row.attempts + 1, 0);
    return due.length;
  }

  /**
   * One attempt, under a lock per order and target so two workers (or two instances) never send
   * changes of one order concurrently, and so a change is never sent after a newer one.
   */
  async deliver(deliveryId: string): Promise<DeliverOutcome> {
    let retryIn: number | undefined;
    let attemptNo = 0;
    const outcome = await this.dataSource.transaction(async (manager): Promise<DeliverOutcome> => {
      const [delivery] = (await manager.query(`SELECT * FROM deliveries WHERE id = $1 FOR UPDATE`, [deliveryId])) as Record<string, any>[];
      if (!delivery || !['pending', 'retrying'].includes(delivery.state)) return 'skipped';
      if (new Date(delivery.next_attempt_at).getTime() > Date.now() + 1000) return 'skipped'; // an early duplicate job
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${delivery.order_id}:${delivery.target}`]);
      const newer = await manager.query(
        `SELECT 1 FROM deliveries WHERE order_id = $1 AND target = $2 AND change_seq > $3 AND state IN ('pending', 'retrying', 'sent') LIMIT 1`,
        [delivery.order_id, delivery.target, delivery.change_seq],
      );
      if (newer.length) {
        await this.setState(manager, deliveryId, 'superseded', { last_error: 'a newer status of this order is being or has been delivered' });
        return 'superseded';
      }
      const sender = this.senders.get(delivery.target);
      attemptNo = delivery.attempts + 1;
      const startedAt = new Date();
      const result: SendResult = sender
        ? await sender(delivery.payload)
        : { outcome: 'retry', statusCode: 0, latencyMs: 0, error: `target ${delivery.target} is not configured` };
      await manager.insert(DeliveryAttempt, {
        deliveryId,
        attempt: attemptNo,
        startedAt,
        latencyMs: result.latencyMs,
        statusCode: result.statusCode,
        outcome: result.outcome,
        error: result.error?.slice(0, 1000) ?? null,
        response: (result.response ?? null) as object,
      });
      if (result.outcome === 'sent') {
        await this.setState(manager, deliveryId, 'sent', { attempts: attemptNo, response: JSON.stringify(result.response ?? null), sent_at: new Date(), last_error: null });
        return 'sent';
      }
      if (result.outcome === 'retry' && attemptNo < this.config.delivery.maxAttempts) {
        retryIn = retryDelayMs(attemptNo, { baseMs: this.config.delivery.backoffMs, maxMs: this.config.delivery.backoffMaxMs }, result.retryAfterSeconds);
        await this.setState(manager, deliveryId, 'retrying', { attempts: attemptNo, next_attempt_at: new Date(Date.now() + retryIn), last_error: result.error ?? null });
        return 'retrying';
      }
      const reason = result.outcome === 'retry' ? `gave up after ${attemptNo} attempts: ${result.error ?? ''}` : (result.error ?? 'refused');
      await this.setState(manager, deliveryId, 'dead', { attempts: attemptNo, last_error: reason });
      this.logger.warn(`delivery ${deliveryId} to ${delivery.target} is dead: ${reason}`);
      return 'dead';
    });
    if (outcome === 'retrying') this.enqueue(deliveryId, attemptNo + 1, retryIn!);
    return outcome;
  }

  async list(query: ListDeliveriesQuery) {
    const page = query.page ?? 1;
    const limit = query.limit ?? 50;
    const qb = this.dataSource.getRepository(Delivery).createQueryBuilder('d').orderBy('d.id', 'DESC');
    if (query.state) qb.andWhere('d.state = :state', { state: query.state });
    if (query.target) qb.andWhere('d.target = :target', { target: query.target });
    if (query.orderId) qb.andWhere('d.order_id = :orderId', { orderId: query.orderId });
    const [items, total] = await qb.skip((page - 1) * limit).take(limit).getManyAndCount();
    return { items, total, page, limit };
  }

  async get(id: string): Promise<Delivery & { attemptLog: DeliveryAttempt[] }> {
    const delivery = await this.dataSource.getRepository(Delivery).findOneBy({ id });
    if (!delivery) throw new NotFoundException(`delivery ${id} does not exist`);
    const attemptLog = await this.dataSource.getRepository(DeliveryAttempt).find({ where: { deliveryId: id }, order: { id: 'ASC' } });
    return Object.assign(delivery, { attemptLog });
  }

  /** Gives a dead (or superseded) delivery a fresh set of attempts. */
  async retry(id: string): Promise<Delivery> {
    const delivery = await this.dataSource.getRepository(Delivery).findOneBy({ id });
    if (!delivery) throw new NotFoundException(`delivery ${id} does not exist`);
    if (delivery.state === 'sent') throw new ConflictException(`delivery ${id} was already sent`);
    if (delivery.state === 'pending' || delivery.state === 'retrying') throw new ConflictException(`delivery ${id} is already waiting for its next attempt`);
    await this.dataSource.query(`UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = now(), updated_at = now() WHERE id = $1`, [id]);
    this.enqueue(id, 1, 0);
    return (await this.dataSource.getRepository(Delivery).findOneBy({ id }))!;
  }

  private async setState(manager: EntityManager, id: string, state: DeliveryState, fields: Record<string, unknown>): Promise<void> {
    const entries = Object.entries(fields);
    const sets = entries.map(([column], i) => `${column} = $${i + 3}`);
    await manager.query(`UPDATE deliveries SET state = $2, updated_at = now()${sets.length ? ', ' + sets.join(', ') : ''} WHERE id = $1`, [
      id,
      state,
      ...entries.map(([, value]) => value),
    ]);
  }
}
