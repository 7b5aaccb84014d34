import { Module } from '@nestjs/common';
import { DeliveriesController } from './deliveries.controller';
import { DeliveryPool } from './delivery-pool';
import { OutboxRepository } from './outbox.repository';
import { OutboxService } from './outbox.service';
import { TargetHealthService } from './target-health.service';
import { TargetsController } from './targets.controller';

@Module({
  controllers: [DeliveriesController, TargetsController],
  providers: [DeliveryPool, OutboxRepository, OutboxService, TargetHealthService],
  exports: [OutboxService, TargetHealthService],
})
export class OutboxModule {}
