import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task';
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
  private readonly task: PeriodicTask;

  constructor(
    retention: RetentionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.task = new PeriodicTask('retention', new Logger('Retention'), () => retention.run());
  }

  onApplicationBootstrap(): void {
    const every = this.config.operations.retentionIntervalMs;
    this.task.start(every, Math.min(every, FIRST_RUN_DELAY_MS));
  }

  onModuleDestroy(): void {
    this.task.stop();
  }
}
