import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { GroupCommit } from '../common/group-commit';
import { clipText } from '../common/peer-http';
import { Semaphore } from '../common/semaphore';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { uniqueViolationOf } from '../database/unique-violation';
import { Channels } from '../events/channels';
import { MetricsService } from '../metrics/metrics.service';
import { attemptRecordOf, ERROR_COLUMN, errorNote } from './attempt-record';
import { scheduledDelayMs, type BackoffPolicy } from './backoff';
import { DELIVERY_SEND, type SendResult } from './delivery-targets';
import { HeldLease } from './held-lease';
import { HeldLeases } from './held-leases';
import { OutboxRepository, type AttemptRecord, type Claim, type ClaimRequest, type Recorded } from './outbox.repository';
import { OutboxService } from './outbox.service';
import { TargetHealthService } from './target-health.service';

/** What the worker did with one delivery; also what tests and the bench observe. */
export type DeliverOutcome =
  | 'sent'
  | 'retrying'
  | 'dead'
  | 'superseded'
  /** Not due, already in flight or finished: a duplicate job. */
  | 'skipped'
  | 'paused'
  /** Another delivery of its order and target is in flight (or, in order, an earlier step waits): it is queued again when that one is recorded. */
  | 'waiting'
  /** Claimed, but its lease could lapse before a request would end (the database was unreachable): given back unsent, no attempt spent. */
  | 'unsent'
  /** The request was made but its outcome could not be written (database down): it is attempted again after its backoff step, the attempt counted. */
  | 'unrecorded';

export interface DeliverOptions {
  /** The probe of a paused target: ignores the pause and the schedule, spends no attempt, and never makes the delivery dead by a failure. */
  probe?: boolean;
}

/** How long past the request timeout a claimed delivery stays its worker's without a renewal. */
const leaseMarginMs = (timeoutMs: number) => Math.max(1_000, Math.round(timeoutMs / 2));
/** Claims and records per statement, and statements of each kind in flight (the delivery pool holds both). */
const GROUP = { maxBatch: 200, maxInFlight: 2 };
/** Pause between tries to record an outcome the database did not take. */
const RECORD_RETRY_MS = 500;

/**
 * Attempts of deliveries: a request slot, then claim (a short statement: in flight under a lease token, attempt
 * counted, leased), send (no transaction open), record (a second short statement). Claims and records are batched
 * across the worker's concurrent jobs and run on the worker's own connections (DeliveryPool).
 *
 * Why a delivery is never sent twice at once, nor after a newer one (see docs/imshop.md): a worker claims only
 * when it can send at once; it starts a request only while its lease, as this process measures it, outlasts a
 * whole request (HeldLease); and only the claim's own token renews or records the delivery. So when a lease
 * lapses (the database was gone longer than the lease) no request of its worker is still out, and the sweeper may
 * give the delivery to another worker.
 */
@Injectable()
export class DeliveryAttemptsService implements OnModuleDestroy {
  private readonly logger = new Logger('Outbox');
  private readonly claims: GroupCommit<ClaimRequest, Claim>;
  private readonly records: GroupCommit<AttemptRecord, Recorded>;
  /** Requests out to peers at once (DELIVERY_CONCURRENCY), each with its claim: jobs waiting for a slot hold no claim. */
  private readonly requests: Semaphore;
  private readonly leases: HeldLeases;
  private readonly leaseMs: number;
  /** See unrecordedDelays (made once the senders are known). */
  private unrecorded?: Record<string, number[]>;

  constructor(
    private readonly repository: OutboxRepository,
    private readonly outbox: OutboxService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly health: TargetHealthService,
    private readonly channels: Channels,
  ) {
    const { timeoutMs } = config.delivery;
    const marginMs = leaseMarginMs(timeoutMs);
    this.leaseMs = timeoutMs + marginMs;
    this.requests = new Semaphore(config.delivery.concurrency);
    this.claims = new GroupCommit((requests) => this.claimBatch(requests, false), GROUP);
    this.records = new GroupCommit((rows) => this.recordBatch(rows), GROUP);
    // Renewed well inside the margin: a renewal that comes through keeps every held lease open for requests.
    this.leases = new HeldLeases(repository, this.leaseMs, Math.max(200, Math.floor(marginMs / 3)), this.logger);
  }

  onModuleDestroy(): void {
    this.leases.stop();
  }

  /**
   * One attempt: a request slot, the claim, the send (no connection held), the record (another short statement).
   * The database allows one delivery of an order and target in flight at a time and applies the target's ordering
   * policy, across workers and instances; no lock is held while the request is out.
   */
  async deliver(deliveryId: string, options: DeliverOptions = {}): Promise<DeliverOutcome> {
    const probe = options.probe === true;
    // The slot comes first: a claim never waits in memory for a slot while its lease runs.
    const attempt = await this.requests.run(() => this.claimAndSend(deliveryId, probe));
    if ('outcome' in attempt) return attempt.outcome;
    const { claim, lease, result, startedAt } = attempt;
    let recorded: Recorded | undefined;
    const row = attemptRecordOf(claim, lease.token, result, startedAt, probe, {
      maxAttempts: this.config.delivery.maxAttempts,
      backoff: this.backoffOf(claim.target),
    });
    try {
      recorded = await this.recordSoon(row, lease);
    } finally {
      this.leases.release(lease);
    }
    if (!recorded) {
      this.logger.error(
        `delivery ${deliveryId} to ${claim.target}, attempt ${claim.attempts}: ${result.outcome}, but not recorded (the database is unreachable); ` +
          `it is attempted again after its backoff step, the attempt counted`,
      );
      return 'unrecorded';
    }
    this.metrics.deliveryAttempts.inc({ target: claim.target, outcome: result.outcome });
    this.logger.log(
      `delivery ${deliveryId} to ${claim.target}, ${probe ? `probe of the paused target (after ${claim.attempts} attempts)` : `attempt ${claim.attempts}`}: ${result.outcome} (HTTP ${result.statusCode}, ${result.latencyMs} ms)`,
    );
    if (!recorded.recorded)
      this.logger.warn(`delivery ${deliveryId}: attempt ${claim.attempts} was logged, but its lease had ended and the delivery was left as it is`);
    if (row.state === 'dead') this.logger.warn(`delivery ${deliveryId} to ${claim.target} is dead: ${row.error}`);
    await this.recordHealth(claim.target, result);
    // A probe's failure is not retried on a schedule: the target is paused, and its resume queues the delivery.
    if (recorded.recorded && row.state === 'retrying' && !probe) this.outbox.queue(deliveryId, claim.attempts + 1, row.retryInMs!);
    // Deliveries of the same order and target that waited for this one.
    for (const next of recorded.next) this.outbox.queue(next.id, next.attempts + 1, 0, undefined, `-after${deliveryId}-${claim.attempts}`);
    return recorded.recorded ? row.state : 'skipped';
  }

  /** With a request slot held: the claim and, if it was claimed, the send. */
  private async claimAndSend(
    deliveryId: string,
    probe: boolean,
  ): Promise<{ outcome: DeliverOutcome } | { claim: Claim; lease: HeldLease; result: SendResult; startedAt: Date }> {
    const request = { id: deliveryId, token: randomUUID() };
    const claimSentAt = Date.now();
    const claim = probe ? (await this.claimBatch([request], true))[0] : await this.claims.submit(request);
    if (claim.verdict !== 'claimed') return { outcome: this.notClaimed(claim) };

    const lease = new HeldLease(deliveryId, request.token, claim.attempts, claimSentAt, this.leaseMs, this.config.delivery.timeoutMs);
    this.leases.hold(lease);
    const startedAt = new Date();
    let result: SendResult;
    try {
      const sender = this.channels.handlerOf(DELIVERY_SEND, claim.target);
      result = sender
        ? await sender({ body: claim.payload, signal: lease.signal })
        : { outcome: 'retry', statusCode: 0, latencyMs: 0, error: `target ${claim.target} is not configured` };
    } catch (error) {
      // A sender's own failure (a follow-up write that could not be made, say) is a failed attempt like any other.
      result = { outcome: 'retry', statusCode: 0, latencyMs: Date.now() - startedAt.getTime(), error: `the attempt failed here: ${(error as Error).message}` };
    }
    if (result.notSent && lease.signal.aborted) {
      // Nothing left this process, and the lease may be lapsing: the claim is given back, its attempt not spent.
      this.leases.release(lease);
      const givenBack = await this.repository.releaseUnsent(deliveryId, lease.token, claim.attempts, probe).catch(() => false);
      this.logger.warn(
        `delivery ${deliveryId} to ${claim.target}: not sent (${result.error}); ` +
          (givenBack ? 'given back unsent, due now' : 'its lease lapses and the sweeper gives it back, the attempt counted'),
      );
      if (givenBack && !probe) this.outbox.queue(deliveryId, claim.attempts, 0, undefined, `-unsent${lease.token.slice(0, 8)}`);
      return { outcome: 'unsent' };
    }
    return { claim, lease, result, startedAt };
  }

  /**
   * Records the attempt; if the database does not take it, tries again while the claim may still hold the delivery
   * (a little past its lease: a released delivery takes a late outcome until it is claimed again). Undefined when
   * it could not be recorded at all.
   */
  private async recordSoon(row: AttemptRecord, lease: HeldLease): Promise<Recorded | undefined> {
    const giveUpAt = Date.now() + 2 * this.leaseMs;
    for (;;) {
      try {
        return await this.records.submit(row);
      } catch (error) {
        if (Date.now() + RECORD_RETRY_MS > giveUpAt) {
          this.logger.warn(`delivery ${lease.id}: the outcome of attempt ${row.attempt} could not be recorded: ${(error as Error).message}`);
          return undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, RECORD_RETRY_MS));
      }
    }
  }

  private notClaimed(claim: Claim): DeliverOutcome {
    switch (claim.verdict) {
      case 'superseded':
        this.logger.log(`delivery ${claim.id} to ${claim.target} superseded: its target's ordering policy makes it pointless (a later delivery of its order)`);
        return 'superseded';
      case 'dead':
        this.logger.warn(`delivery ${claim.id} to ${claim.target} is dead: no attempts left`);
        return 'dead';
      case 'busy':
        return 'waiting';
      case 'paused':
        return 'paused';
      case 'claimed':
      case 'skipped':
        return 'skipped';
    }
  }

  private async claimBatch(requests: ClaimRequest[], probe: boolean): Promise<Claim[]> {
    // A duplicate job in the same batch must not be told it holds the claim too: the first of an id is claimed.
    const first = new Map<string, ClaimRequest>();
    for (const request of requests) if (!first.has(request.id)) first.set(request.id, request);
    let claims: Claim[];
    try {
      claims = await this.repository.claim([...first.values()], {
        probe,
        maxAttempts: this.config.delivery.maxAttempts,
        leaseMs: this.leaseMs,
        unrecordedDelaysMs: this.unrecordedDelays(),
        inOrderTargets: this.outbox.inOrderTargets(),
      });
    } catch (error) {
      // A sibling was claimed by another statement at the same moment (the batch is retried one by one first).
      if (first.size === 1 && uniqueViolationOf(error) === 'ux_deliveries_in_flight')
        return [{ id: requests[0].id, verdict: 'busy', target: '', attempts: 0, payload: undefined }];
      throw error;
    }
    const byId = new Map(claims.map((claim) => [claim.id, claim]));
    return requests.map((request) =>
      first.get(request.id) === request ? byId.get(request.id)! : { id: request.id, verdict: 'skipped', target: '', attempts: 0, payload: undefined },
    );
  }

  /** The target's retry schedule (its DeliveryPolicy), scaled and capped by the configuration. */
  private backoffOf(target: string): BackoffPolicy {
    return { baseMs: this.config.delivery.backoffMs, maxMs: this.config.delivery.backoffMaxMs, schedule: this.outbox.policyOf(target)?.retrySchedule };
  }

  /** Per target, how long an attempt whose outcome is never recorded waits: as a failure would, at least the lease. */
  private unrecordedDelays(): Record<string, number[]> {
    this.unrecorded ??= Object.fromEntries(
      this.outbox
        .registeredTargets()
        .map((target) => [
          target,
          Array.from({ length: this.config.delivery.maxAttempts }, (_, i) => Math.max(this.leaseMs, scheduledDelayMs(i + 1, this.backoffOf(target)))),
        ]),
    );
    return this.unrecorded;
  }

  private async recordBatch(rows: AttemptRecord[]): Promise<Recorded[]> {
    const inOrder = this.outbox.inOrderTargets();
    try {
      return await this.repository.record(rows, inOrder);
    } catch (error) {
      // Texts are sanitized and cut to their columns, so this is not expected; if a peer's answer still could
      // not be stored, the attempt is recorded without it rather than not at all (which would send it again).
      if (rows.length !== 1 || !isDataError(error)) throw error;
      const [row] = rows;
      const reason = clipText(`the answer could not be stored: ${(error as Error).message}`, ERROR_COLUMN);
      return this.repository.record([{ ...row, responseText: null, responseJson: null, error: row.error ?? reason }], inOrder);
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
        if (await this.health.recordSuccess(target)) await this.outbox.requeueTarget(target);
      } else if (result.outcome === 'retry') {
        await this.health.recordFailure(target, errorNote(result.error ?? `HTTP ${result.statusCode}`));
      }
    } catch (error) {
      this.logger.warn(`health of target ${target} not recorded: ${(error as Error).message}`);
    }
  }
}

/** A value PostgreSQL refused (SQLSTATE class 22: bad text, a value too long), as opposed to a lost connection. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}
