import { BullModule, InjectQueue } from '@nestjs/bullmq';
import { Global, Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { selectQueueBackend } from './queue-connection';

/** Queue names, one per delivery target; registered here so every module shares one definition. */
export const DELIVERY_QUEUE = 'deliveries';

/**
 * A queue emits 'error' when its connection drops (database restart, Redis outage). Without a
 * listener Node turns that into an uncaught exception; the outbox keeps the work, so log and go on.
 */
@Injectable()
class QueueErrorLogger implements OnModuleInit {
  private readonly logger = new Logger('Queue');

  constructor(@InjectQueue(DELIVERY_QUEUE) private readonly deliveries: Queue) {}

  onModuleInit(): void {
    this.deliveries.on('error', (error) => this.logger.warn(`queue ${DELIVERY_QUEUE}: ${error.message}`));
  }
}

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ connection: selectQueueBackend(config), prefix: config.queuePrefix }),
    }),
    BullModule.registerQueue({ name: DELIVERY_QUEUE }),
  ],
  providers: [QueueErrorLogger],
  exports: [BullModule],
})
export class QueueModule {}
