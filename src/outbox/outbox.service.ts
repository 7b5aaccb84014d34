import { InjectQueue } from '@nestjs/bullmq';
import { BadRequestException, ConflictException, Inject, Injectable, Logger, NotFoundException, OnModuleDestroy } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { type EntityManager, type EntitySubscriberInterface, type QueryRunner, type TransactionCommitEvent, type TransactionRollbackEvent, DataSource } from 'typeorm';
import { InjectDataSource } from '@nestjs/typeorm';
import { GroupCommit } from '../common/group-commit';
import { Semaphore } from '../common/semaphore';
import { clipText, sanitizeJson, sanitizeText } from '../common/peer-http';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { uniqueViolationOf } from '../database/unique-violation';
import { currentRequestId } from '../logging/request-context';
import { MetricsService } from '../metrics/metrics.service';
import { DELIVERY_QUEUE } from '../queue/queue.module';
import { retryDelayMs, scheduledDelayMs } from './backoff';
import type { DeliveryAttempt } from './delivery-attempt.entity';
import type { Delivery } from './delivery.entity';
import type { DeliveryTarget } from './delivery-target.entity';
import type { ListDeliveriesQuery } from './dto/list-deliveries.query';
import type { RecoverDeliveriesDto } from './dto/recover-deliveries.dto';
import { Channels } from '../events/channels';
import { DELIVERY_SEND, type DeliveryTargetName, type NewDelivery, type SendResult } from './delivery-targets';
import { OutboxRepository, type AttemptRecord, type Claim, type Recorded } from './outbox.repository';
import { TargetHealthService } from './target-health.service';

/** A queue job: deliveries to attempt, each with the request that caused its change (its log lines join it). */
export interface DeliveryJob {
  deliveries: { id: string; requestId?: string }[];
}

/** What the worker did with one job; also what tests and the bench observe. */
export type DeliverOutcome =
  | 'sent'
  | 'retrying'
  | 'dead'
  | 'superseded'
  /** Not due, already in flight or finished: a duplicate job. */
  | 'skipped'
  | 'paused'
  /** Another delivery of its order and target is in flight; it is queued again when that one is recorded. */
  | 'waiting'
  /** The request was made but its outcome could not be written (database down): it is attempted again after its backoff step, the attempt counted. */
  | 'unrecorded';

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
/** How long past the request timeout a claimed delivery stays its worker's without a renewal (renewed every third of it). */
const leaseMarginMs = (timeoutMs: number) => Math.max(1_000, Math.round(timeoutMs / 2));
/** Claims and records per statement, and statements of each kind in flight (the delivery pool holds both). */
const GROUP = { maxBatch: 200, maxInFlight: 2 };
/** The columns an attempt's texts go to. */
const ERROR_COLUMN = 1000;
const RESPONSE_JSON_LIMIT = 64 * 1024;

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
 * The transactional outbox. A delivery row is written in the transaction of the change and queued after it
 * commits; a worker then claims it (a short statement: in flight, attempt counted, leased), sends it with no
 * transaction open, and records the outcome (a second short statement). Claims and records are batched across
 * the worker's concurrent jobs, and run on the worker's own connections (DeliveryPool).
 */
@Injectable()
export class OutboxService implements EntitySubscriberInterface, OnModuleDestroy {
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
  private readonly claims: GroupCommit<string, Claim>;
  private readonly records: GroupCommit<AttemptRecord, Recorded>;
  /** Requests out to peers at once (DELIVERY_CONCURRENCY); jobs waiting on a claim or a record do not count. */
  private readonly requests: Semaphore;
  /** Deliveries this process has in flight (id → attempt): their leases are renewed while they are out. */
  private readonly inFlight = new Map<string, number>();
  private readonly renewal: NodeJS.Timeout;
  private readonly leaseMs: number;
  private readonly unrecordedDelaysMs: number[];
  private toQueue: ToQueue[] = [];

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly repository: OutboxRepository,
    @InjectQueue(DELIVERY_QUEUE) private readonly queue: Queue<DeliveryJob>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly health: TargetHealthService,
    private readonly channels: Channels,
  ) {
    dataSource.subscribers.push(this);
    const { timeoutMs, maxAttempts, backoffMs, backoffMaxMs } = config.delivery;
    this.leaseMs = timeoutMs + leaseMarginMs(timeoutMs);
    this.unrecordedDelaysMs = Array.from({ length: maxAttempts }, (_, i) => Math.max(this.leaseMs, scheduledDelayMs(i + 1, { baseMs: backoffMs, maxMs: backoffMaxMs })));
    this.requests = new Semaphore(config.delivery.concurrency);
    this.claims = new GroupCommit((ids) => this.claimBatch(ids, false), GROUP);
    this.records = new GroupCommit((rows) => this.recordBatch(rows), GROUP);
    this.renewal = setInterval(() => void this.renewLeases(), Math.max(200, Math.floor(this.leaseMs / 3)));
    this.renewal.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.renewal);
  }

  /** The targets this process can send to (they have a sender: @SendsDeliveries). */
  registeredTargets(): string[] {
    return this.channels.keysOf(DELIVERY_SEND).sort();
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
    this.enqueue(id, 1, 0);
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
    for (const { id, requestId } of list) this.enqueue(id, 1, 0, requestId);
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
  private enqueue(id: string, attempt: number, delayMs: number, requestId = currentRequestId(), suffix = ''): void {
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
    this.queue
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
    const due = await this.repository.overdue(limit);
    for (const row of due) this.enqueue(row.id, row.attempts + 1, 0);
    return due.length;
  }

  /**
   * One attempt: claim (a short statement), send (no connection held), record (another short statement). The
   * database allows one delivery of an order and target in flight at a time and supersedes an older one by a
   * newer, across workers and instances; no lock is held while the request is out.
   */
  async deliver(deliveryId: string, options: DeliverOptions = {}): Promise<DeliverOutcome> {
    const probe = options.probe === true;
    const claim = probe ? (await this.claimBatch([deliveryId], true))[0] : await this.claims.submit(deliveryId);
    if (claim.verdict !== 'claimed') return this.notClaimed(claim);

    const attemptNo = claim.attempts;
    this.inFlight.set(deliveryId, attemptNo);
    const startedAt = new Date();
    let result: SendResult;
    try {
      const sender = this.channels.handlerOf(DELIVERY_SEND, claim.target);
      result = sender
        ? await this.requests.run(() => sender(claim.payload))
        : { outcome: 'retry', statusCode: 0, latencyMs: 0, error: `target ${claim.target} is not configured` };
    } catch (error) {
      // A sender's own failure (a follow-up write that could not be made, say) is a failed attempt like any other.
      result = { outcome: 'retry', statusCode: 0, latencyMs: Date.now() - startedAt.getTime(), error: `the attempt failed here: ${(error as Error).message}` };
    }
    const row = this.attemptRecord(claim, result, startedAt, probe);
    let recorded: Recorded;
    try {
      recorded = await this.records.submit(row);
    } catch (error) {
      this.logger.error(
        `delivery ${deliveryId} to ${claim.target}, attempt ${attemptNo}: ${result.outcome}, but not recorded (${(error as Error).message}); ` +
          `it is attempted again after its backoff step, the attempt counted`,
      );
      return 'unrecorded';
    } finally {
      this.inFlight.delete(deliveryId);
    }
    this.metrics.deliveryAttempts.inc({ target: claim.target, outcome: result.outcome });
    this.logger.log(
      `delivery ${deliveryId} to ${claim.target}, attempt ${attemptNo}${probe ? ' (probe of the paused target)' : ''}: ${result.outcome} (HTTP ${result.statusCode}, ${result.latencyMs} ms)`,
    );
    if (!recorded.recorded) this.logger.warn(`delivery ${deliveryId}: attempt ${attemptNo} was logged, but its lease had ended and the delivery was left as it is`);
    if (row.state === 'dead') this.logger.warn(`delivery ${deliveryId} to ${claim.target} is dead: ${row.error}`);
    await this.recordHealth(claim.target, result);
    if (recorded.recorded && row.state === 'retrying' && !probe) this.enqueue(deliveryId, attemptNo + 1, row.retryInMs!);
    // Deliveries of the same order and target that waited for this one.
    for (const next of recorded.next) this.enqueue(next.id, next.attempts + 1, 0, undefined, `-after${deliveryId}-${attemptNo}`);
    return recorded.recorded ? row.state : 'skipped';
  }

  private notClaimed(claim: Claim): DeliverOutcome {
    switch (claim.verdict) {
      case 'superseded':
        this.logger.log(`delivery ${claim.id} to ${claim.target} superseded: a newer status of its order is being or has been delivered`);
        return 'superseded';
      case 'dead':
        this.logger.warn(`delivery ${claim.id} to ${claim.target} is dead: no attempts left`);
        return 'dead';
      case 'busy':
        return 'waiting';
      default:
        return claim.verdict === 'paused' ? 'paused' : 'skipped';
    }
  }

  private async claimBatch(ids: string[], probe: boolean): Promise<Claim[]> {
    // A duplicate job in the same batch must not be told it holds the claim too.
    const unique = [...new Set(ids)];
    let claims: Claim[];
    try {
      claims = await this.repository.claim(unique, { probe, maxAttempts: this.config.delivery.maxAttempts, leaseMs: this.leaseMs, unrecordedDelaysMs: this.unrecordedDelaysMs });
    } catch (error) {
      // A sibling was claimed by another statement at the same moment (the batch is retried one by one first).
      if (unique.length === 1 && uniqueViolationOf(error) === 'ux_deliveries_in_flight') return [{ id: ids[0], verdict: 'busy', target: '', attempts: 0, payload: undefined }];
      throw error;
    }
    const byId = new Map(claims.map((claim) => [claim.id, claim]));
    const seen = new Set<string>();
    return ids.map((id) => {
      if (seen.has(id)) return { id, verdict: 'skipped', target: '', attempts: 0, payload: undefined };
      seen.add(id);
      return byId.get(id)!;
    });
  }

  private async recordBatch(rows: AttemptRecord[]): Promise<Recorded[]> {
    try {
      return await this.repository.record(rows);
    } catch (error) {
      // Texts are sanitized and cut to their columns, so this is not expected; if a peer's answer still could
      // not be stored, the attempt is recorded without it rather than not at all (which would send it again).
      if (rows.length !== 1 || !isDataError(error)) throw error;
      const [row] = rows;
      const reason = clipText(`the answer could not be stored: ${(error as Error).message}`, ERROR_COLUMN);
      return this.repository.record([{ ...row, responseText: null, responseJson: null, error: row.error ?? reason }]);
    }
  }

  /** The attempt's row and the state it leaves the delivery in. */
  private attemptRecord(claim: Claim, result: SendResult, startedAt: Date, probe: boolean): AttemptRecord {
    const attempt = claim.attempts;
    const base = {
      id: claim.id,
      attempt,
      outcome: result.outcome,
      startedAt,
      latencyMs: Math.max(0, Math.round(result.latencyMs)),
      statusCode: result.statusCode,
      responseText: result.responseText === undefined ? null : sanitizeText(result.responseText),
    };
    if (result.outcome === 'sent') {
      // A note about the answer (its body cut at 64 KiB, say) stays on the attempt.
      const note = result.error ? clipText(sanitizeText(result.error), ERROR_COLUMN) : null;
      return { ...base, state: 'sent', error: note, responseJson: storableJson(result.response), retryInMs: null };
    }
    const error = result.error ?? `HTTP ${result.statusCode}`;
    // A probe's failure never kills the delivery: it only tells that the target is still down.
    if (result.outcome === 'retry' && (attempt < this.config.delivery.maxAttempts || probe)) {
      const retryInMs = retryDelayMs(attempt, { baseMs: this.config.delivery.backoffMs, maxMs: this.config.delivery.backoffMaxMs }, result.retryAfterSeconds);
      return { ...base, state: 'retrying', error: clipText(sanitizeText(error), ERROR_COLUMN), responseJson: null, retryInMs };
    }
    const reason = result.outcome === 'retry' ? `gave up after ${attempt} attempts: ${error}` : error;
    return { ...base, state: 'dead', error: clipText(sanitizeText(reason), ERROR_COLUMN), responseJson: null, retryInMs: null };
  }

  /** Keeps the leases of this process's in-flight deliveries while their requests are out. */
  private async renewLeases(): Promise<void> {
    if (this.inFlight.size === 0) return;
    try {
      await this.repository.renewLeases([...this.inFlight].map(([id, attempt]) => ({ id, attempt })), this.leaseMs);
    } catch (error) {
      this.logger.warn(`leases of ${this.inFlight.size} deliveries in flight not renewed: ${(error as Error).message}`);
    }
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
        await this.health.recordFailure(target, clipText(sanitizeText(result.error ?? `HTTP ${result.statusCode}`), ERROR_COLUMN));
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
      const rows = await this.repository.waitingOfTarget(target, after, BATCH);
      for (const row of rows) this.enqueue(row.id, row.attempts + 1, row.delayMs);
      queued += rows.length;
      if (rows.length < BATCH) return queued;
      after = rows[rows.length - 1].id;
    }
  }

  // ------------------------------------------------------------------ endpoint health: admin and probe

  /** Every target this process can send to or that has a health row, with its waiting and dead deliveries. */
  async targets(): Promise<TargetView[]> {
    const states = new Map<string, DeliveryTarget>((await this.health.states()).map((row) => [row.target, row]));
    const byTarget = new Map((await this.repository.waitingAndDeadByTarget()).map((row) => [row.target, row]));
    const names = [...new Set([...this.registeredTargets(), ...states.keys()])].sort();
    return names.map((target) => {
      const row = states.get(target);
      return {
        target,
        configured: this.channels.handlerOf(DELIVERY_SEND, target) !== undefined,
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
    for (const id of await this.repository.probeCandidates(target, 3)) {
      const outcome = await this.deliver(id, { probe: true });
      if (outcome !== 'skipped' && outcome !== 'superseded' && outcome !== 'waiting') return outcome;
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
      const rows = await this.repository.deadInRange(dto.target, since, until, after, BATCH);
      result.matched += rows.length;
      const ids = rows.filter((row) => !row.superseded).map((row) => row.id);
      result.superseded += rows.length - ids.length;
      if (ids.length) {
        const reset = await this.repository.resetAttempts(ids, ['dead']);
        result.recovered += reset.length;
        if (!result.targetPaused) for (const id of reset) this.enqueue(id, 1, 0);
      }
      if (rows.length < BATCH) break;
      after = rows[rows.length - 1].id;
    }
    this.logger.log(`recovered ${result.recovered} dead deliveries to ${dto.target} (${result.matched} matched, ${result.superseded} superseded by a newer status)`);
    return result;
  }

  private async knownTargets(): Promise<string[]> {
    return [...new Set([...this.registeredTargets(), ...(await this.repository.targetNames())])].sort();
  }

  private async assertKnownTarget(target: string, error: typeof NotFoundException | typeof BadRequestException): Promise<void> {
    const known = await this.knownTargets();
    if (known.includes(target)) return;
    const message = `target ${target} is not known (known: ${known.join(', ') || 'none'})`;
    throw error === BadRequestException ? new BadRequestException([`target: ${message}`]) : new NotFoundException(message);
  }

  list(query: ListDeliveriesQuery) {
    return this.repository.list(query);
  }

  async get(id: string): Promise<Delivery & { attemptLog: DeliveryAttempt[] }> {
    const delivery = await this.repository.findById(id);
    if (!delivery) throw new NotFoundException(`delivery ${id} does not exist`);
    return Object.assign(delivery, { attemptLog: await this.repository.attemptsOf(id) });
  }

  /** Gives a dead (or superseded) delivery a fresh set of attempts. */
  async retry(id: string): Promise<Delivery> {
    const delivery = await this.repository.findById(id);
    if (!delivery) throw new NotFoundException(`delivery ${id} does not exist`);
    if (delivery.state === 'sent') throw new ConflictException(`delivery ${id} was already sent`);
    if (delivery.state !== 'dead' && delivery.state !== 'superseded') throw new ConflictException(`delivery ${id} is already waiting for its next attempt`);
    if ((await this.repository.resetAttempts([id], ['dead', 'superseded'])).length === 0) throw new ConflictException(`delivery ${id} changed meanwhile; read it again`);
    this.enqueue(id, 1, 0);
    return (await this.repository.findById(id))!;
  }
}

/** How deeply the query runner's transactions are nested now (1: no savepoint); TypeORM keeps it on the runner. */
function transactionDepth(runner: QueryRunner): number {
  return (runner as QueryRunner & { transactionDepth?: number }).transactionDepth ?? 1;
}

/** A value PostgreSQL refused (SQLSTATE class 22: bad text, a value too long), as opposed to a lost connection. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}

/** The sender's result as jsonb will take it: strings sanitized; a result too large to keep is replaced by a note. */
function storableJson(value: unknown): string {
  const text = JSON.stringify(sanitizeJson(value ?? null)) ?? 'null';
  return text.length <= RESPONSE_JSON_LIMIT ? text : JSON.stringify({ note: `the result (${text.length} characters) was too large to keep` });
}
