import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { maskCredentials, maskCredentialsInText } from '../common/credentials';
import { GroupCommit } from '../common/group-commit';
import { clipText, sanitizeJson, sanitizeText } from '../common/peer-http';
import { Semaphore } from '../common/semaphore';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { uniqueViolationOf } from '../database/unique-violation';
import { Channels } from '../events/channels';
import { MetricsService } from '../metrics/metrics.service';
import { retryDelayMs, scheduledDelayMs } from './backoff';
import { DELIVERY_SEND, type SendResult } from './delivery-targets';
import { OutboxRepository, type AttemptRecord, type Claim, type Recorded } from './outbox.repository';
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
  /** Another delivery of its order and target is in flight; it is queued again when that one is recorded. */
  | 'waiting'
  /** The request was made but its outcome could not be written (database down): it is attempted again after its backoff step, the attempt counted. */
  | 'unrecorded';

export interface DeliverOptions {
  /** The probe of a paused target: ignores the pause and the schedule, and never makes the delivery dead by a failure. */
  probe?: boolean;
}

/** How long past the request timeout a claimed delivery stays its worker's without a renewal (renewed every third of it). */
const leaseMarginMs = (timeoutMs: number) => Math.max(1_000, Math.round(timeoutMs / 2));
/** Claims and records per statement, and statements of each kind in flight (the delivery pool holds both). */
const GROUP = { maxBatch: 200, maxInFlight: 2 };
/** The columns an attempt's texts go to. */
const ERROR_COLUMN = 1000;
const RESPONSE_JSON_LIMIT = 64 * 1024;

/**
 * Attempts of deliveries: claim (a short statement: in flight, attempt counted, leased), send (no transaction
 * open), record (a second short statement). Claims and records are batched across the worker's concurrent jobs
 * and run on the worker's own connections (DeliveryPool).
 */
@Injectable()
export class DeliveryAttemptsService implements OnModuleDestroy {
  private readonly logger = new Logger('Outbox');
  private readonly claims: GroupCommit<string, Claim>;
  private readonly records: GroupCommit<AttemptRecord, Recorded>;
  /** Requests out to peers at once (DELIVERY_CONCURRENCY); jobs waiting on a claim or a record do not count. */
  private readonly requests: Semaphore;
  /** Deliveries this process has in flight (id → attempt): their leases are renewed while they are out. */
  private readonly inFlight = new Map<string, number>();
  private readonly renewal: NodeJS.Timeout;
  private readonly leaseMs: number;
  private readonly unrecordedDelaysMs: number[];

  constructor(
    private readonly repository: OutboxRepository,
    private readonly outbox: OutboxService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly health: TargetHealthService,
    private readonly channels: Channels,
  ) {
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
    if (recorded.recorded && row.state === 'retrying' && !probe) this.outbox.queue(deliveryId, attemptNo + 1, row.retryInMs!);
    // Deliveries of the same order and target that waited for this one.
    for (const next of recorded.next) this.outbox.queue(next.id, next.attempts + 1, 0, undefined, `-after${deliveryId}-${attemptNo}`);
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
      // A peer may echo what it was sent: credentials in its answer are masked before it is kept (common/credentials.ts).
      responseText: result.responseText === undefined ? null : maskCredentialsInText(sanitizeText(result.responseText)),
    };
    if (result.outcome === 'sent') {
      // A note about the answer (its body cut at 64 KiB, say) stays on the attempt.
      const note = result.error ? errorNote(result.error) : null;
      return { ...base, state: 'sent', error: note, responseJson: storableJson(result.response), retryInMs: null };
    }
    const error = result.error ?? `HTTP ${result.statusCode}`;
    // A probe's failure never kills the delivery: it only tells that the target is still down.
    if (result.outcome === 'retry' && (attempt < this.config.delivery.maxAttempts || probe)) {
      const retryInMs = retryDelayMs(attempt, { baseMs: this.config.delivery.backoffMs, maxMs: this.config.delivery.backoffMaxMs }, result.retryAfterSeconds);
      return { ...base, state: 'retrying', error: errorNote(error), responseJson: null, retryInMs };
    }
    const reason = result.outcome === 'retry' ? `gave up after ${attempt} attempts: ${error}` : error;
    return { ...base, state: 'dead', error: errorNote(reason), responseJson: null, retryInMs: null };
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

/** An attempt's error as its column takes it: sanitized, credentials masked, cut to the column. */
function errorNote(text: string): string {
  return clipText(maskCredentialsInText(sanitizeText(text)), ERROR_COLUMN);
}

/** The sender's result as jsonb will take it: strings sanitized, credentials masked; a result too large to keep is replaced by a note. */
function storableJson(value: unknown): string {
  const text = JSON.stringify(sanitizeJson(maskCredentials(value ?? null))) ?? 'null';
  return text.length <= RESPONSE_JSON_LIMIT ? text : JSON.stringify({ note: `the result (${text.length} characters) was too large to keep` });
}
