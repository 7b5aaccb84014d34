import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { DatabaseProbe } from '../database/database-probe';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { TargetHealthService } from '../outbox/target-health.service';
import { DELIVERY_QUEUE } from '../queue/queue.module';
import { queueBackendName } from '../queue/queue-connection';

const CHECK_TIMEOUT_MS = 2000;

interface Check {
  status: 'up' | 'down';
  latencyMs: number;
  [detail: string]: unknown;
}

export interface HealthReport {
  /** error: the database is down (503); degraded: the queue is down or a target is paused (still 200). */
  status: 'ok' | 'degraded' | 'error';
  checks: { database: Check; queue: Check; targets: { status: 'up' | 'paused' | 'unknown'; paused: unknown[] } };
}

async function timed(probe: () => Promise<unknown>): Promise<Check & { error?: string }> {
  const started = Date.now();
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS).unref()),
    ]);
    return { status: 'up', latencyMs: Date.now() - started };
  } catch (error) {
    return { status: 'down', latencyMs: Date.now() - started, error: (error as Error).message };
  }
}

/** The service's dependencies, each asked through its owner: the database, the queue, the outbound targets. */
@Injectable()
export class HealthService {
  private readonly logger = new Logger('Health');

  constructor(
    private readonly database: DatabaseProbe,
    @InjectQueue(DELIVERY_QUEUE) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly targets: TargetHealthService,
  ) {}

  async check(): Promise<HealthReport> {
    const [databaseCheck, queueCheck] = await Promise.all([timed(() => this.database.ping()), timed(() => this.queue.getJobCounts('waiting'))]);
    const database = this.withoutError('database', databaseCheck);
    const queue = this.withoutError('queue', queueCheck);
    queue.backend = queueBackendName(this.config);
    const targets = await this.pausedTargets(database.status === 'up');
    // Webhooks are still stored while the queue is down (the outbox sweeper catches up later); a paused
    // target's deliveries wait (the probe resumes it): both degrade the service without stopping it.
    const status = database.status === 'down' ? 'error' : queue.status === 'down' || targets.status === 'paused' ? 'degraded' : 'ok';
    return { status, checks: { database, queue, targets } };
  }

  /**
   * /health answers anyone: a raw error text (a database host and user, a peer's answer) goes to the
   * log, and the answer says only up or down.
   */
  private withoutError(name: string, check: Check & { error?: string }): Check {
    const { error, ...state } = check;
    if (error !== undefined) this.logger.warn(`health check ${name} is down: ${error}`);
    return state;
  }

  /** Outbound targets whose deliveries are paused (endpoint health; their last errors are in GET /admin/targets). */
  private async pausedTargets(databaseUp: boolean): Promise<{ status: 'up' | 'paused' | 'unknown'; paused: unknown[] }> {
    if (!databaseUp) return { status: 'unknown', paused: [] };
    try {
      const paused = await this.targets.paused();
      return { status: paused.length ? 'paused' : 'up', paused };
    } catch (error) {
      this.logger.warn(`health check targets failed: ${(error as Error).message}`);
      return { status: 'unknown', paused: [] };
    }
  }
}
