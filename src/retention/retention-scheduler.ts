import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { RetentionService } from './retention.service';

/** First run this long after boot (not in the middle of a start), then every RETENTION_INTERVAL_MS. */
const FIRST_RUN_DELAY_MS = 60_000;

/**
 * Runs the retention job on a timer in every worker process; the job's advisory lock makes exactly one
 * of them do the work at a time (the others skip that round).
 */
@Injectable()
export class RetentionScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Retention');
  private timer?: NodeJS.Timeout;
  private first?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly retention: RetentionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.operations.retentionIntervalMs;
    if (every <= 0) return;
    this.first = setTimeout(() => void this.tick(), Math.min(every, FIRST_RUN_DELAY_MS));
    this.first.unref();
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearTimeout(this.first);
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.retention.run();
    } catch (error) {
      this.logger.warn(`retention failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
