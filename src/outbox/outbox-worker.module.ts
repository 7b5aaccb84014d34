import { Module } from '@nestjs/common';
import { DeliveryProcessor } from './delivery.processor';
import { OutboxSweeper } from './outbox-sweeper';
import { OutboxModule } from './outbox.module';
import { TargetProbe } from './target-probe';

/** The background half of the outbox; an api-only process (APP_ROLE=api) leaves it out. */
@Module({
  imports: [OutboxModule],
  providers: [DeliveryProcessor, OutboxSweeper, TargetProbe],
})
export class OutboxWorkerModule {}
