import { Module } from '@nestjs/common';
import { ImshopClientModule } from '../imshop-client/imshop-client.module';
import { OrdersModule } from '../orders/orders.module';
import { OutboxModule } from '../outbox/outbox.module';
import { StatusMappingModule } from '../status-mapping/status-mapping.module';
import { ImshopSyncService } from './imshop-sync.service';
import { OmsStatusController } from './oms-status.controller';

@Module({
  imports: [ImshopClientModule, OrdersModule, OutboxModule, StatusMappingModule],
  controllers: [OmsStatusController],
  providers: [ImshopSyncService],
  exports: [ImshopSyncService],
})
export class ImshopSyncModule {}
