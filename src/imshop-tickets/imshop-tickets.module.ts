import { Module } from '@nestjs/common';
import { ImshopClientModule } from '../imshop-client/imshop-client.module';
import { OrdersModule } from '../orders/orders.module';
import { TicketCreationService } from './ticket-creation.service';
import { TicketEventsService } from './ticket-events.service';
import { TicketIntakeService } from './ticket-intake.service';
import { TicketReadsService } from './ticket-reads.service';
import { TicketRequestsRepository } from './ticket-requests.repository';
import { TicketWithdrawalService } from './ticket-withdrawal.service';
import { TicketsController, TicketStatusController } from './tickets.controller';
import { TicketsRepository } from './tickets.repository';

/**
 * IMSHOP tickets (заявки) and their tables (imshop_tickets, imshop_ticket_events, imshop_ticket_requests):
 * the status webhook (TicketIntakeService), the stored events' replay and retention (TicketEventsService),
 * ticket creation through IMSHOP (TicketCreationService) and the withdrawal of a cancelled order's tickets
 * (TicketWithdrawalService), and the registry's reads (TicketReadsService).
 */
@Module({
  imports: [ImshopClientModule, OrdersModule],
  controllers: [TicketStatusController, TicketsController],
  providers: [
    TicketsRepository,
    TicketRequestsRepository,
    TicketIntakeService,
    TicketEventsService,
    TicketCreationService,
    TicketWithdrawalService,
    TicketReadsService,
  ],
  exports: [TicketEventsService, TicketCreationService, TicketWithdrawalService, TicketReadsService],
})
export class ImshopTicketsModule {}
