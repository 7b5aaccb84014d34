import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { OutboxService } from './outbox.service';

/** Periodically queues deliveries that are due but have no job (queue outage, crash after commit). */
@Injectable()
export class OutboxSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('OutboxSweeper');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly outbox: OutboxService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.outbox
        .sweep()
        .then((queued) => queued && this.logger.log(`queued ${queued} due deliveries again`))
        .catch((error: Error) => this.logger.warn(`sweep failed: ${error.message}`));
    }, this.config.delivery.sweepMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }
}
