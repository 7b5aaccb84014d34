import { Module } from '@nestjs/common';
import { StatusMappingModule } from '../status-mapping/status-mapping.module';
import { OrdersController } from './orders.controller';
import { OrderReadsService } from './order-reads.service';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';

@Module({
  imports: [StatusMappingModule],
  controllers: [OrdersController],
  providers: [OrdersService, OrderReadsService, OrdersRepository],
  exports: [OrdersService, OrderReadsService],
})
export class OrdersModule {}
