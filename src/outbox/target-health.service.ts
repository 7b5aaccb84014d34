import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { DeliveryTarget, type PauseReason } from './delivery-target.entity';

/** A success within this long of the last one this process recorded is not written again (hot path). */
const SUCCESS_WRITE_THROTTLE_MS = 2000;

/**
 * Endpoint health of the outbound targets, kept in `delivery_targets` so every worker sees it: a target
 * failing without a single success for PAUSE_AFTER_MINUTES is paused; any success resets the clock, and a
 * success on an automatically paused target (the probe's) resumes it.
 */
@Injectable()
export class TargetHealthService {
  private readonly logger = new Logger('TargetHealth');
  private readonly lastSuccessWrite = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** Returns true when this success resumed an automatically paused target. */
  async recordSuccess(target: string): Promise<boolean> {
    const last = this.lastSuccessWrite.get(target);
    if (last !== undefined && Date.now() - last < SUCCESS_WRITE_THROTTLE_MS) return false;
    const rows = (await this.dataSource.query(
      `INSERT INTO delivery_targets AS t (target, last_success_at) VALUES ($1, now())
       ON CONFLICT (target) DO UPDATE SET
         last_success_at = now(), failing_since = NULL, consecutive_failures = 0, last_error = NULL, updated_at = now(),
         paused = CASE WHEN t.paused AND t.pause_reason = 'auto' THEN false ELSE t.paused END,
         pause_reason = CASE WHEN t.paused AND t.pause_reason = 'auto' THEN NULL ELSE t.pause_reason END,
         paused_at = CASE WHEN t.paused AND t.pause_reason = 'auto' THEN NULL ELSE t.paused_at END
       RETURNING t.paused, (SELECT paused FROM delivery_targets WHERE target = $1) AS was_paused`,
      [target],
    )) as { paused: boolean; was_paused: boolean | null }[];
    // The subquery sees the row as it was before this statement.
    const resumed = rows[0]?.was_paused === true && rows[0].paused === false;
    // Only throttle while healthy and unpaused; a failure clears the throttle (recordFailure).
    if (!rows[0]?.paused) this.lastSuccessWrite.set(target, Date.now());
    if (resumed) {
      this.logger.warn(`target ${target} answers again: resumed automatically, its waiting deliveries are queued`);
      this.metrics.targetResumes.inc({ target, reason: 'probe' });
    }
    return resumed;
  }

  /** Records a failed attempt; pauses the target when it has failed continuously for PAUSE_AFTER_MINUTES. */
  async recordFailure(target: string, error: string | undefined): Promise<boolean> {
    this.lastSuccessWrite.delete(target);
    const [row] = (await this.dataSource.query(
      `INSERT INTO delivery_targets AS t (target, failing_since, consecutive_failures, last_failure_at, last_error)
       VALUES ($1, now(), 1, now(), $2)
       ON CONFLICT (target) DO UPDATE SET failing_since = COALESCE(t.failing_since, now()), consecutive_failures = t.consecutive_failures + 1,
         last_failure_at = now(), last_error = $2, updated_at = now()
       RETURNING paused, failing_since, consecutive_failures`,
      [target, error?.slice(0, 1000) ?? null],
    )) as { paused: boolean; failing_since: Date; consecutive_failures: number }[];
    const pauseAfterMs = this.config.operations.pauseAfterMs;
    if (row.paused || pauseAfterMs <= 0 || Date.now() - new Date(row.failing_since).getTime() < pauseAfterMs) return false;
    const paused = (await this.dataSource.query(
      `UPDATE delivery_targets SET paused = true, pause_reason = 'auto', paused_at = now(), paused_by = 'health', updated_at = now()
       WHERE target = $1 AND NOT paused AND failing_since IS NOT NULL AND failing_since <= now() - make_interval(secs => $2::float / 1000)
       RETURNING target`,
      [target, pauseAfterMs],
    )) as [unknown[], number];
    if (!affected(paused)) return false;
    this.logger.warn(
      `target ${target} has failed continuously since ${new Date(row.failing_since).toISOString()} (${row.consecutive_failures} attempts, last: ${error ?? 'unknown'}): ` +
        `paused; new deliveries wait as pending and a probe retries it every ${this.config.operations.probeIntervalMs} ms`,
    );
    this.metrics.targetPauses.inc({ target, reason: 'auto' });
    return true;
  }

  async isPaused(target: string): Promise<boolean> {
    const rows = (await this.dataSource.query('SELECT paused FROM delivery_targets WHERE target = $1', [target])) as { paused: boolean }[];
    return rows[0]?.paused === true;
  }

  /** Returns false when the target was already paused (the call changes nothing then). */
  async pause(target: string, reason: PauseReason, by: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `INSERT INTO delivery_targets AS t (target, paused, pause_reason, paused_at, paused_by) VALUES ($1, true, $2, now(), $3)
       ON CONFLICT (target) DO UPDATE SET paused = true, pause_reason = $2, paused_at = now(), paused_by = $3, updated_at = now()
       WHERE NOT t.paused
       RETURNING target`,
      [target, reason, by],
    )) as unknown[];
    if (!rows.length) return false;
    this.logger.warn(`target ${target} paused by ${by} (${reason}): its deliveries wait until it is resumed`);
    this.metrics.targetPauses.inc({ target, reason });
    return true;
  }

  /** Resumes a paused target and restarts its failure clock. Returns false when it was not paused. */
  async resume(target: string, by: string): Promise<boolean> {
    this.lastSuccessWrite.delete(target);
    const rows = (await this.dataSource.query(
      `UPDATE delivery_targets SET paused = false, pause_reason = NULL, paused_at = NULL, paused_by = NULL, failing_since = NULL,
         consecutive_failures = 0, updated_at = now()
       WHERE target = $1 AND paused RETURNING target`,
      [target],
    )) as [unknown[], number];
    if (!affected(rows)) return false;
    this.logger.warn(`target ${target} resumed by ${by}: its waiting deliveries are queued`);
    this.metrics.targetResumes.inc({ target, reason: 'manual' });
    return true;
  }

  async markProbed(target: string): Promise<void> {
    await this.dataSource.query('UPDATE delivery_targets SET last_probe_at = now() WHERE target = $1', [target]);
  }

  /** Targets paused automatically: the ones the probe tries. */
  async autoPaused(): Promise<string[]> {
    const rows = (await this.dataSource.query(`SELECT target FROM delivery_targets WHERE paused AND pause_reason = 'auto' ORDER BY target`)) as { target: string }[];
    return rows.map((row) => row.target);
  }

  async states(): Promise<DeliveryTarget[]> {
    return this.dataSource.getRepository(DeliveryTarget).find({ order: { target: 'ASC' } });
  }
}

/** `UPDATE ... RETURNING` through the pg driver gives `[rows, count]`. */
function affected(result: unknown): number {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[1];
  return Array.isArray(result) ? result.length : 0;
}
