import { InjectQueue } from '@nestjs/bullmq';
import { BadRequestException, ConflictException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource, EntityManager, type EntitySubscriberInterface, type QueryRunner, type TransactionCommitEvent, type TransactionRollbackEvent } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { currentRequestId } from '../logging/request-context';
import { MetricsService } from '../metrics/metrics.service';
import { DELIVERY_QUEUE } from '../queue/queue.module';
import { retryDelayMs } from './backoff';
import { DeliveryAttempt } from './delivery-attempt.entity';
import { Delivery, type DeliveryState } from './delivery.entity';
import type { DeliveryTarget } from './delivery-target.entity';
import type { ListDeliveriesQuery } from './dto/list-deliveries.query';
import type { RecoverDeliveriesDto } from './dto/recover-deliveries.dto';
import { TargetHealthService } from './target-health.service';
import { pageOf } from '../common/page';

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
  /** The request that caused the change, so the worker's log lines can be joined to it. */
  requestId?: string;
}

/** What the worker did with one job; also what tests and the bench observe. */
export type DeliverOutcome = 'sent' | 'retrying' | 'dead' | 'superseded' | 'skipped' | 'paused';

export interface DeliverOptions {
  /** The probe of a paused target: ignores the pause and the schedule, and never makes the delivery dead by a failure. */
  probe?: boolean;
}

/** A target as the admin API shows it: its health row (if any) and its waiting and dead deliveries. */
export interface TargetView {
  target: string;
  configured: boolean;
  paused: boolean;
  pauseReason: string | null;
  pausedAt: Date | null;
  pausedBy: string | null;
  failingSince: Date | null;
  consecutiveFailures: number;
  lastFailureAt: Date | null;
  lastError: string | null;
  lastSuccessAt: Date | null;
  lastProbeAt: Date | null;
  waiting: number;
  dead: number;
}

export interface RecoverResult {
  target: string;
  /** Dead deliveries of the target created in the range. */
  matched: number;
  /** Given a fresh set of attempts and queued. */
  recovered: number;
  /** Left dead: their order has a newer delivery for the target. */
  superseded: number;
  /** The target is paused: the recovered deliveries wait until it is resumed. */
  targetPaused: boolean;
}

/** Rows per statement when recovering or re-queueing a target's deliveries. */
const BATCH = 500;

/** One row of delivery_attempts, written with the delivery's new state. */
interface AttemptRow {
  attempt: number;
  startedAt: Date;
  latencyMs: number;
  statusCode: number;
  outcome: string;
  error: string | null;
  response: unknown;
}

@Injectable()
export class OutboxService implements EntitySubscriberInterface {
  private readonly logger = new Logger('Outbox');
  private readonly senders = new Map<string, DeliverySender>();
  /**
   * Deliveries written by a transaction still open on that query runner, enqueued once it commits. Each keeps
   * the request that wrote it: a transaction shared by several requests (group commit) commits in only one's.
   */
  private readonly awaitingCommit = new WeakMap<QueryRunner, { id: string; attempt: number; requestId: string | undefined }[]>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(DELIVERY_QUEUE) private readonly queue: Queue<DeliveryJob>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly health: TargetHealthService,
  ) {
    dataSource.subscribers.push(this);
  }

  /** The targets this process can send to (their senders are registered). */
  registeredTargets(): string[] {
    return [...this.senders.keys()].sort();
  }

  registerTarget(target: string, sender: DeliverySender): void {
    this.senders.set(target, sender);
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
      list.push({ id, attempt: 1, requestId: currentRequestId() });
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
    for (const { id, attempt, requestId } of list) this.enqueue(id, attempt, 0, requestId);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) this.awaitingCommit.delete(event.queryRunner);
  }

  /**
   * Never awaited on a request path: when the queue is down the row stays pending and the sweeper
   * enqueues it later. The job id is deterministic, so a re-enqueue of a waiting job is a no-op.
   */
  private enqueue(id: string, attempt: number, delayMs: number, requestId = currentRequestId()): void {
    this.queue
      .add('deliver', { deliveryId: id, requestId }, { jobId: `d${id}-a${attempt}`, delay: delayMs, removeOnComplete: true, removeOnFail: true, attempts: 1 })
      .catch((error: Error) => this.logger.warn(`delivery ${id} not enqueued (${error.message}); the sweeper will retry`));
  }

  /**
   * Re-enqueues deliveries that are due but apparently have no job (lost to a queue outage or a crash).
   * Deliveries of a paused target are left alone: they are queued when it resumes.
   */
  async sweep(limit = 500): Promise<number> {
    const due = (await this.dataSource.query(
      `SELECT id, attempts FROM deliveries WHERE state IN ('pending', 'retrying') AND next_attempt_at < now() - interval '2 seconds'
         AND target NOT IN (SELECT target FROM delivery_targets WHERE paused)
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
  async deliver(deliveryId: string, options: DeliverOptions = {}): Promise<DeliverOutcome> {
    let retryIn: number | undefined;
    let attemptNo = 0;
    let target = '';
    let attempt: SendResult | undefined;
    const outcome = await this.dataSource.transaction(async (manager): Promise<DeliverOutcome> => {
      // The order's lock (one sender per order and target at a time) is taken in the statement that locks
      // the delivery row; a row changed meanwhile (a duplicate job sent it) is read again as it is now.
      const [delivery] = (await manager.query(
        `SELECT d.*, COALESCE(t.paused, false) AS target_paused, pg_advisory_xact_lock(hashtextextended(d.order_id || ':' || d.target, 0)) AS locked
         FROM deliveries d LEFT JOIN delivery_targets t ON t.target = d.target
         WHERE d.id = $1 FOR UPDATE OF d`,
        [deliveryId],
      )) as Record<string, any>[];
      if (!delivery || !['pending', 'retrying'].includes(delivery.state)) return 'skipped';
      // A paused target: the delivery waits as it is, no attempt is spent; it is queued again on resume.
      if (delivery.target_paused && !options.probe) return 'paused';
      if (!options.probe && new Date(delivery.next_attempt_at).getTime() > Date.now() + 1000) return 'skipped'; // an early duplicate job
      target = delivery.target;
      // A separate statement, so its snapshot is taken after the lock: a newer change sent meanwhile is seen.
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
      attempt = result;
      this.metrics.deliveryAttempts.inc({ target: delivery.target, outcome: result.outcome });
      this.logger.log(
        `delivery ${deliveryId} to ${delivery.target}, attempt ${attemptNo}${options.probe ? ' (probe of the paused target)' : ''}: ${result.outcome} (HTTP ${result.statusCode}, ${result.latencyMs} ms)`,
      );
      const recorded: AttemptRow = {
        attempt: attemptNo,
        startedAt,
        latencyMs: result.latencyMs,
        statusCode: result.statusCode,
        outcome: result.outcome,
        error: result.error?.slice(0, 1000) ?? null,
        response: result.response ?? null,
      };
      if (result.outcome === 'sent') {
        await this.setState(manager, deliveryId, 'sent', { attempts: attemptNo, response: JSON.stringify(result.response ?? null), sent_at: new Date(), last_error: null }, recorded);
        return 'sent';
      }
      // A probe's failure never kills the delivery: it only tells that the target is still down.
      if (result.outcome === 'retry' && (attemptNo < this.config.delivery.maxAttempts || options.probe)) {
        retryIn = retryDelayMs(attemptNo, { baseMs: this.config.delivery.backoffMs, maxMs: this.config.delivery.backoffMaxMs }, result.retryAfterSeconds);
        await this.setState(manager, deliveryId, 'retrying', { attempts: attemptNo, next_attempt_at: new Date(Date.now() + retryIn), last_error: result.error ?? null }, recorded);
        return 'retrying';
      }
      const reason = result.outcome === 'retry' ? `gave up after ${attemptNo} attempts: ${result.error ?? ''}` : (result.error ?? 'refused');
      await this.setState(manager, deliveryId, 'dead', { attempts: attemptNo, last_error: reason }, recorded);
      this.logger.warn(`delivery ${deliveryId} to ${delivery.target} is dead: ${reason}`);
      return 'dead';
    });
    if (attempt) await this.recordHealth(target, attempt);
    if (outcome === 'retrying' && !options.probe) this.enqueue(deliveryId, attemptNo + 1, retryIn!);
    return outcome;
  }

  /**
   * Endpoint health: a success resets the target's failure clock (and resumes it when it was paused
   * automatically); a retryable failure (5xx, 408, 429, timeout, connection error) runs the clock. A
   * definitive refusal (another 4xx) is about that delivery, not the endpoint, and changes neither.
   */
  private async recordHealth(target: string, result: SendResult): Promise<void> {
    try {
      if (result.outcome === 'sent') {
        if (await this.health.recordSuccess(target)) await this.requeueTarget(target);
      } else if (result.outcome === 'retry') {
        await this.health.recordFailure(target, result.error ?? `HTTP ${result.statusCode}`);
      }
    } catch (error) {
      this.logger.warn(`health of target ${target} not recorded: ${(error as Error).message}`);
    }
  }

  /** Queues every waiting delivery of a target (after it resumed), each at its scheduled time. */
  async requeueTarget(target: string): Promise<number> {
    let after = '0';
    let queued = 0;
    for (;;) {
      const rows = (await this.dataSource.query(
        `SELECT id, attempts, GREATEST(0, extract(epoch FROM next_attempt_at - now()) * 1000)::bigint AS delay FROM deliveries
         WHERE target = $1 AND state IN ('pending', 'retrying') AND id > $2 ORDER BY id LIMIT $3`,
        [target, after, BATCH],
      )) as { id: string; attempts: number; delay: string }[];
      for (const row of rows) this.enqueue(row.id, row.attempts + 1, Number(row.delay));
      queued += rows.length;
      if (rows.length < BATCH) return queued;
      after = rows[rows.length - 1].id;
    }
  }

  // ------------------------------------------------------------------ endpoint health: admin and probe

  /** Every target this process can send to or that has a health row, with its waiting and dead deliveries. */
  async targets(): Promise<TargetView[]> {
    const states = new Map<string, DeliveryTarget>((await this.health.states()).map((row) => [row.target, row]));
    const counts = (await this.dataSource.query(
      `SELECT target, count(*) FILTER (WHERE state IN ('pending', 'retrying'))::int AS waiting, count(*) FILTER (WHERE state = 'dead')::int AS dead
       FROM deliveries WHERE state IN ('pending', 'retrying', 'dead') GROUP BY target`,
    )) as { target: string; waiting: number; dead: number }[];
    const byTarget = new Map(counts.map((row) => [row.target, row]));
    const names = [...new Set([...this.senders.keys(), ...states.keys()])].sort();
    return names.map((target) => {
      const row = states.get(target);
      return {
        target,
        configured: this.senders.has(target),
        paused: row?.paused ?? false,
        pauseReason: row?.pauseReason ?? null,
        pausedAt: row?.pausedAt ?? null,
        pausedBy: row?.pausedBy ?? null,
        failingSince: row?.failingSince ?? null,
        consecutiveFailures: row?.consecutiveFailures ?? 0,
        lastFailureAt: row?.lastFailureAt ?? null,
        lastError: row?.lastError ?? null,
        lastSuccessAt: row?.lastSuccessAt ?? null,
        lastProbeAt: row?.lastProbeAt ?? null,
        waiting: byTarget.get(target)?.waiting ?? 0,
        dead: byTarget.get(target)?.dead ?? 0,
      };
    });
  }

  async target(target: string): Promise<TargetView> {
    const view = (await this.targets()).find((row) => row.target === target);
    if (!view) throw new NotFoundException(`target ${target} is not known (known: ${(await this.knownTargets()).join(', ') || 'none'})`);
    return view;
  }

  /** By hand: the target's deliveries wait (no attempts) until an admin resumes it; the probe leaves it alone. */
  async pauseTarget(target: string, actor: string): Promise<TargetView> {
    await this.assertKnownTarget(target, NotFoundException);
    await this.health.pause(target, 'manual', actor);
    return this.target(target);
  }

  /** Resumes a paused target (by hand or automatically paused) and queues its waiting deliveries. */
  async resumeTarget(target: string, actor: string): Promise<TargetView> {
    await this.assertKnownTarget(target, NotFoundException);
    if (await this.health.resume(target, actor)) await this.requeueTarget(target);
    return this.target(target);
  }

  /**
   * One probe of an automatically paused target: the oldest waiting delivery that is its order's latest
   * for the target is attempted (a real delivery, so the probe is meaningful for any target). A success
   * resumes the target (recordHealth). Returns the outcome, or null when nothing waits.
   */
  async probe(target: string): Promise<DeliverOutcome | null> {
    const candidates = (await this.dataSource.query(
      `SELECT d.id FROM deliveries d WHERE d.target = $1 AND d.state IN ('pending', 'retrying')
         AND NOT EXISTS (SELECT 1 FROM deliveries n WHERE n.order_id = d.order_id AND n.target = d.target AND n.change_seq > d.change_seq
                         AND n.state IN ('pending', 'retrying', 'sent'))
       ORDER BY d.created_at, d.id LIMIT 3`,
      [target],
    )) as { id: string }[];
    await this.health.markProbed(target);
    for (const { id } of candidates) {
      const outcome = await this.deliver(id, { probe: true });
      if (outcome !== 'skipped' && outcome !== 'superseded') return outcome;
    }
    return null;
  }

  // ------------------------------------------------------------------ recovery

  /**
   * Svix's "recover since": dead deliveries of a target created in [since, until) get a fresh set of
   * attempts, except those whose order has a newer delivery for the target (a newer status supersedes them).
   */
  async recover(dto: RecoverDeliveriesDto): Promise<RecoverResult> {
    await this.assertKnownTarget(dto.target, BadRequestException);
    const since = new Date(dto.since);
    const until = dto.until ? new Date(dto.until) : new Date();
    if (until <= since) throw new BadRequestException(['until must be later than since']);
    const result: RecoverResult = { target: dto.target, matched: 0, recovered: 0, superseded: 0, targetPaused: await this.health.isPaused(dto.target) };
    let after = '0';
    for (;;) {
      const rows = (await this.dataSource.query(
        `SELECT d.id, EXISTS (SELECT 1 FROM deliveries n WHERE n.order_id = d.order_id AND n.target = d.target AND n.change_seq > d.change_seq) AS superseded
         FROM deliveries d WHERE d.target = $1 AND d.state = 'dead' AND d.created_at >= $2 AND d.created_at < $3 AND d.id > $4
         ORDER BY d.id LIMIT $5`,
        [dto.target, since, until, after, BATCH],
      )) as { id: string; superseded: boolean }[];
      result.matched += rows.length;
      const ids = rows.filter((row) => !row.superseded).map((row) => row.id);
      result.superseded += rows.length - ids.length;
      if (ids.length) {
        const [updated] = (await this.dataSource.query(
          `UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL, updated_at = now()
           WHERE id = ANY($1::bigint[]) AND state = 'dead' RETURNING id`,
          [ids],
        )) as [{ id: string }[], number];
        result.recovered += updated.length;
        if (!result.targetPaused) for (const row of updated) this.enqueue(row.id, 1, 0);
      }
      if (rows.length < BATCH) break;
      after = rows[rows.length - 1].id;
    }
    this.logger.log(`recovered ${result.recovered} dead deliveries to ${dto.target} (${result.matched} matched, ${result.superseded} superseded by a newer status)`);
    return result;
  }

  private async knownTargets(): Promise<string[]> {
    const rows = (await this.dataSource.query('SELECT target FROM delivery_targets')) as { target: string }[];
    return [...new Set([...this.senders.keys(), ...rows.map((row) => row.target)])].sort();
  }

  private async assertKnownTarget(target: string, error: typeof NotFoundException | typeof BadRequestException): Promise<void> {
    const known = await this.knownTargets();
    if (known.includes(target)) return;
    const message = `target ${target} is not known (known: ${known.join(', ') || 'none'})`;
    throw error === BadRequestException ? new BadRequestException([`target: ${message}`]) : new NotFoundException(message);
  }

  async list(query: ListDeliveriesQuery) {
    const qb = this.dataSource.getRepository(Delivery).createQueryBuilder('d').orderBy('d.id', 'DESC');
    if (query.state) qb.andWhere('d.state = :state', { state: query.state });
    if (query.target) qb.andWhere('d.target = :target', { target: query.target });
    if (query.orderId) qb.andWhere('d.order_id = :orderId', { orderId: query.orderId });
    return pageOf(qb, query);
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

  /** Sets the delivery's state; with `attempt`, records that attempt in the same statement (one round trip). */
  private async setState(manager: EntityManager, id: string, state: DeliveryState, fields: Record<string, unknown>, attempt?: AttemptRow): Promise<void> {
    const entries = Object.entries(fields);
    const sets = entries.map(([column], i) => `${column} = $${i + 3}`);
    const values: unknown[] = [id, state, ...entries.map(([, value]) => value)];
    let recordAttempt = '';
    if (attempt) {
      const first = values.length + 1;
      recordAttempt = `WITH attempt AS (
        INSERT INTO delivery_attempts (delivery_id, attempt, started_at, latency_ms, status_code, outcome, error, response)
        VALUES ($1, ${[0, 1, 2, 3, 4, 5, 6].map((i) => `$${first + i}`).join(', ')})
      ) `;
      values.push(attempt.attempt, attempt.startedAt, attempt.latencyMs, attempt.statusCode, attempt.outcome, attempt.error, attempt.response === null ? null : JSON.stringify(attempt.response));
    }
    await manager.query(`${recordAttempt}UPDATE deliveries SET state = $2, updated_at = now()${sets.length ? ', ' + sets.join(', ') : ''} WHERE id = $1`, values);
  }
}
