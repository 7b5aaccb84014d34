import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { selectQueueBackend } from './queue-connection';

/** Queue names, one per delivery target; registered here so every module shares one definition. */
export const DELIVERY_QUEUE = 'deliveries';

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ connection: selectQueueBackend(config) }),
    }),
    BullModule.registerQueue({ name: DELIVERY_QUEUE }),
  ],
  exports: [BullModule],
})
export class QueueModule {}
