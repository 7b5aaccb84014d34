import { Module } from '@nestjs/common';
import { ImshopTicketsModule } from '../imshop-tickets/imshop-tickets.module';
import { OrdersModule } from '../orders/orders.module';
import { StatusMappingModule } from '../status-mapping/status-mapping.module';
import { AppCancellationController } from './app-cancellation.controller';
import { AppCancellationService } from './app-cancellation.service';

/**
 * IMSHOP app → us: the buyer cancels an order in the app (seed 001, POST /imshop/orders/cancel). It cancels the
 * order and then withdraws the order's open tickets, so it stands on both the orders and the tickets modules;
 * on its own, neither IMSHOP module (imshop-sync, imshop-tickets) needs the other. It owns no table.
 */
@Module({
  imports: [OrdersModule, StatusMappingModule, ImshopTicketsModule],
  controllers: [AppCancellationController],
  providers: [AppCancellationService],
})
export class AppCancellationModule {}
