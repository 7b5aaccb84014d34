import { Module } from '@nestjs/common';
import { AppCancellationController } from '../imshop-sync/app-cancellation.controller';
import { AppCancellationService } from '../imshop-sync/app-cancellation.service';
import { ImshopClientModule } from '../imshop-client/imshop-client.module';
import { OrdersModule } from '../orders/orders.module';
import { StatusMappingModule } from '../status-mapping/status-mapping.module';
import { TicketsController, TicketStatusController } from './tickets.controller';
import { TicketsService } from './tickets.service';

/**
 * IMSHOP tickets: the status webhook, the ticket registry, ticket creation through IMSHOP, and (to keep the
 * imshop-sync module about the outbound push) the app's buyer-cancellation endpoint, which withdraws tickets.
 */
@Module({
  imports: [ImshopClientModule, OrdersModule, StatusMappingModule],
  controllers: [TicketStatusController, TicketsController, AppCancellationController],
  providers: [TicketsService, AppCancellationService],
  exports: [TicketsService],
})
export class ImshopTicketsModule {}
