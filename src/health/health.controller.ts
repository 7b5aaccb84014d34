import { Controller, Get, HttpStatus, Inject, Logger, Res } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Queue } from 'bullmq';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DELIVERY_QUEUE } from '../queue/queue.module';
import { queueBackendName } from '../queue/queue-connection';

const CHECK_TIMEOUT_MS = 2000;

interface Check {
  status: 'up' | 'down';
  latencyMs: number;
  [detail: string]: unknown;
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

@ApiTags('health')
@Controller('health')
export class HealthController {
  private readonly logger = new Logger('Health');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(DELIVERY_QUEUE) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Liveness and dependencies: 503 when the database is down; a queue outage only degrades',
    description: 'No key needed. `degraded` (still 200) when the queue is down or an outbound target is paused: webhooks are still stored.',
  })
  @ApiOkResponse({ schema: { example: { status: 'ok', checks: { database: { status: 'up', latencyMs: 2 }, queue: { status: 'up', latencyMs: 3, backend: 'postgres' }, targets: { status: 'up', paused: [] } } } } })
  @ApiServiceUnavailableResponse({ description: 'The database is unreachable' })
  async check(@Res({ passthrough: true }) response: Response) {
    const [database, queue] = await Promise.all([
      this.withoutError('database', await timed(() => this.dataSource.query('SELECT 1'))),
      this.withoutError('queue', await timed(() => this.queue.getJobCounts('waiting'))),
    ]);
    queue.backend = queueBackendName(this.config);
    const targets = await this.pausedTargets(database.status === 'up');
    // Webhooks are still stored while the queue is down (the outbox sweeper catches up later); a paused
    // target's deliveries wait (the probe resumes it): both degrade the service without stopping it.
    const status = database.status === 'down' ? 'error' : queue.status === 'down' || targets.status === 'paused' ? 'degraded' : 'ok';
    if (status === 'error') response.status(HttpStatus.SERVICE_UNAVAILABLE);
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
      const paused = (await this.dataSource.query(
        `SELECT target, pause_reason AS "reason", paused_at AS "pausedAt", failing_since AS "failingSince"
         FROM delivery_targets WHERE paused ORDER BY target`,
      )) as unknown[];
      return { status: paused.length ? 'paused' : 'up', paused };
    } catch (error) {
      this.logger.warn(`health check targets failed: ${(error as Error).message}`);
      return { status: 'unknown', paused: [] };
    }
  }
}
