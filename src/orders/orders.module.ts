import { Module } from '@nestjs/common';
import { StatusMappingModule } from '../status-mapping/status-mapping.module';
import { OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';

@Module({
  imports: [StatusMappingModule],
  controllers: [OrdersController],
  providers: [OrdersService],
  exports: [OrdersService],
})
export class OrdersModule {}
