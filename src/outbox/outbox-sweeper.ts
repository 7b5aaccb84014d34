import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { OutboxService } from './outbox.service';

/** Periodically queues deliveries that are due but have no job (queue outage, crash after commit). */
@Injectable()
export class OutboxSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;

  constructor(
    outbox: OutboxService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    const logger = new Logger('OutboxSweeper');
    this.task = new PeriodicTask('sweep', logger, async () => {
      const queued = await outbox.sweep();
      if (queued) logger.log(`queued ${queued} due deliveries again`);
    });
  }

  onApplicationBootstrap(): void {
    this.task.start(this.config.delivery.sweepMs);
  }

  onModuleDestroy(): void {
    this.task.stop();
  }
}
