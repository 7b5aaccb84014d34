import { Module } from '@nestjs/common';
import { DeliveriesController } from './deliveries.controller';
import { DeliveryPool } from '../database/delivery-pool';
import { OutboxMetrics } from './outbox-metrics';
import { OutboxRetention } from './outbox-retention';
import { OutboxRepository } from './outbox.repository';
import { DeliveriesService } from './deliveries.service';
import { DeliveryAttemptsService } from './delivery-attempts.service';
import { OutboxService } from './outbox.service';
import { TargetsService } from './targets.service';
import { TargetHealthService } from './target-health.service';
import { TargetsController } from './targets.controller';

@Module({
  controllers: [DeliveriesController, TargetsController],
  providers: [
    DeliveryPool,
    OutboxRepository,
    OutboxService,
    DeliveryAttemptsService,
    TargetsService,
    DeliveriesService,
    TargetHealthService,
    OutboxMetrics,
    OutboxRetention,
  ],
  exports: [OutboxService, DeliveryAttemptsService, TargetsService, TargetHealthService, DeliveriesService],
})
export class OutboxModule {}
