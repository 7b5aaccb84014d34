import { Module } from '@nestjs/common';
import { OrdersModule } from '../orders/orders.module';
import { OutboxModule } from '../outbox/outbox.module';
import { StatusMappingModule } from '../status-mapping/status-mapping.module';
import { ImshopClient } from './imshop.client';
import { ImshopSyncService } from './imshop-sync.service';
import { OmsStatusController } from './oms-status.controller';

@Module({
  imports: [OrdersModule, OutboxModule, StatusMappingModule],
  controllers: [OmsStatusController],
  providers: [ImshopClient, ImshopSyncService],
  exports: [ImshopSyncService, ImshopClient],
})
export class ImshopSyncModule {}
