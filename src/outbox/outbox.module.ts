import { Module } from '@nestjs/common';
import { DeliveriesController } from './deliveries.controller';
import { DeliveryProcessor } from './delivery.processor';
import { OutboxService } from './outbox.service';

@Module({
  controllers: [DeliveriesController],
  providers: [OutboxService, DeliveryProcessor],
  exports: [OutboxService],
})
export class OutboxModule {}
