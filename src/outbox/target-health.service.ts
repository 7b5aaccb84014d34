import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import type { DeliveryTarget, PauseReason } from './delivery-target.entity';
import { OutboxRepository } from './outbox.repository';

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
  /**
   * Failures waiting to be written, per target. At most one write per target is in flight: a burst of failures
   * (a peer down while hundreds of deliveries are out) becomes a few writes, not one connection each.
   */
  private readonly failures = new Map<string, { count: number; error: string | null; writing: boolean }>();

  constructor(
    private readonly repository: OutboxRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** Returns true when this success resumed an automatically paused target. */
  async recordSuccess(target: string): Promise<boolean> {
    const last = this.lastSuccessWrite.get(target);
    if (last !== undefined && Date.now() - last < SUCCESS_WRITE_THROTTLE_MS) return false;
    const { paused, resumed } = await this.repository.recordTargetSuccess(target);
    // Only throttle while healthy and unpaused; a failure clears the throttle (recordFailure).
    if (!paused) this.lastSuccessWrite.set(target, Date.now());
    if (resumed) {
      this.logger.warn(`target ${target} answers again: resumed automatically, its waiting deliveries are queued`);
      this.metrics.targetResumes.inc({ target, reason: 'probe' });
    }
    return resumed;
  }

  /** Records a failed attempt; the target is paused once it has failed continuously for PAUSE_AFTER_MINUTES. */
  async recordFailure(target: string, error: string | null): Promise<void> {
    this.lastSuccessWrite.delete(target);
    const entry = this.failures.get(target) ?? { count: 0, error: null, writing: false };
    entry.count++;
    entry.error = error;
    this.failures.set(target, entry);
    if (entry.writing) return;
    entry.writing = true;
    try {
      while (entry.count > 0) {
        const { count, error: last } = entry;
        entry.count = 0;
        await this.writeFailures(target, count, last);
      }
    } finally {
      entry.writing = false;
      if (entry.count === 0) this.failures.delete(target);
    }
  }

  private async writeFailures(target: string, count: number, error: string | null): Promise<void> {
    const row = await this.repository.recordTargetFailures(target, count, error);
    const pauseAfterMs = this.config.operations.pauseAfterMs;
    if (row.paused || pauseAfterMs <= 0 || Date.now() - row.failingSince.getTime() < pauseAfterMs) return;
    if (!(await this.repository.pauseFailingTarget(target, pauseAfterMs))) return;
    this.logger.warn(
      `target ${target} has failed continuously since ${row.failingSince.toISOString()} (${row.consecutiveFailures} attempts, last: ${error ?? 'unknown'}): ` +
        `paused; new deliveries wait as pending and a probe retries it every ${this.config.operations.probeIntervalMs} ms`,
    );
    this.metrics.targetPauses.inc({ target, reason: 'auto' });
  }

  isPaused(target: string): Promise<boolean> {
    return this.repository.isTargetPaused(target);
  }

  /** Returns false when the target was already paused (the call changes nothing then). */
  async pause(target: string, reason: PauseReason, by: string): Promise<boolean> {
    if (!(await this.repository.pauseTarget(target, reason, by))) return false;
    this.logger.warn(`target ${target} paused by ${by} (${reason}): its deliveries wait until it is resumed`);
    this.metrics.targetPauses.inc({ target, reason });
    return true;
  }

  /** Resumes a paused target and restarts its failure clock. Returns false when it was not paused. */
  async resume(target: string, by: string): Promise<boolean> {
    this.lastSuccessWrite.delete(target);
    if (!(await this.repository.resumeTarget(target))) return false;
    this.logger.warn(`target ${target} resumed by ${by}: its waiting deliveries are queued`);
    this.metrics.targetResumes.inc({ target, reason: 'manual' });
    return true;
  }

  /** Takes the turn to probe an automatically paused target (one process per interval, no lock held meanwhile). */
  claimProbe(target: string, everyMs: number): Promise<boolean> {
    return this.repository.claimProbe(target, everyMs);
  }

  /** The paused targets, why and since when (what /health shows). */
  paused(): Promise<{ target: string; reason: string | null; pausedAt: Date | null; failingSince: Date | null }[]> {
    return this.repository.pausedTargets();
  }

  /** Targets paused automatically: the ones the probe tries. */
  autoPaused(): Promise<string[]> {
    return this.repository.autoPausedTargets();
  }

  states(): Promise<DeliveryTarget[]> {
    return this.repository.targetStates();
  }
}
