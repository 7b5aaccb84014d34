import { Module } from '@nestjs/common';
import { RetentionScheduler } from './retention-scheduler';
import { RetentionModule } from './retention.module';

/** The scheduled half of retention; an api-only process (APP_ROLE=api) leaves it out. */
@Module({
  imports: [RetentionModule],
  providers: [RetentionScheduler],
})
export class RetentionWorkerModule {}
