import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/domain-error';
import { DeliveryAttemptsService, type DeliverOutcome } from './delivery-attempts.service';
import type { DeliveryTarget } from './delivery-target.entity';
import { OutboxRepository } from './outbox.repository';
import { OutboxService } from './outbox.service';
import { TargetHealthService } from './target-health.service';

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

/** The outbound targets: their health and counts, pausing and resuming them, and the probe of a paused one. */
@Injectable()
export class TargetsService {
  constructor(
    private readonly repository: OutboxRepository,
    private readonly outbox: OutboxService,
    private readonly attempts: DeliveryAttemptsService,
    private readonly health: TargetHealthService,
  ) {}

  /** Every target this process can send to or that has a health row, with its waiting and dead deliveries. */
  async targets(): Promise<TargetView[]> {
    const states = new Map<string, DeliveryTarget>((await this.health.states()).map((row) => [row.target, row]));
    const byTarget = new Map((await this.repository.waitingAndDeadByTarget()).map((row) => [row.target, row]));
    const names = [...new Set([...this.outbox.registeredTargets(), ...states.keys()])].sort();
    return names.map((target) => {
      const row = states.get(target);
      return {
        target,
        configured: this.outbox.registeredTargets().includes(target),
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
    if (!view) throw new NotFoundError(`target ${target} is not known (known: ${(await this.knownTargets()).join(', ') || 'none'})`);
    return view;
  }

  /** By hand: the target's deliveries wait (no attempts) until an admin resumes it; the probe leaves it alone. */
  async pauseTarget(target: string, actor: string): Promise<TargetView> {
    await this.assertKnown(target);
    await this.health.pause(target, 'manual', actor);
    return this.target(target);
  }

  /** Resumes a paused target (by hand or automatically paused) and queues its waiting deliveries. */
  async resumeTarget(target: string, actor: string): Promise<TargetView> {
    await this.assertKnown(target);
    if (await this.health.resume(target, actor)) await this.outbox.requeueTarget(target);
    return this.target(target);
  }

  /**
   * One probe of an automatically paused target: the oldest waiting delivery that the target's ordering policy
   * lets go is attempted (a real delivery, so the probe is meaningful for any target), spending none of its
   * attempts. A success resumes the target (recordHealth). Returns the outcome, or null when nothing waits.
   */
  async probe(target: string): Promise<DeliverOutcome | null> {
    for (const id of await this.repository.probeCandidates(target, 3, this.outbox.inOrderTargets())) {
      const outcome = await this.attempts.deliver(id, { probe: true });
      if (outcome !== 'skipped' && outcome !== 'superseded' && outcome !== 'waiting' && outcome !== 'unsent') return outcome;
    }
    return null;
  }

  /** Targets this process can send to, and those with a health row. */
  async knownTargets(): Promise<string[]> {
    return [...new Set([...this.outbox.registeredTargets(), ...(await this.repository.targetNames())])].sort();
  }

  /** The target's name when it is known; else a NotFoundError listing the known ones. */
  async assertKnown(target: string): Promise<void> {
    const known = await this.knownTargets();
    if (!known.includes(target)) throw new NotFoundError(`target ${target} is not known (known: ${known.join(', ') || 'none'})`);
  }
}
