import { Injectable, Logger } from '@nestjs/common';
import { TicketCreationService } from './ticket-creation.service';
import { TicketsRepository } from './tickets.repository';

const MAX_COMMENT = 4000;

/** A cancelled order's open tickets, withdrawn through IMSHOP's ticket API (a `cancel` ticket each). */
@Injectable()
export class TicketWithdrawalService {
  private readonly logger = new Logger('ImshopTickets');

  constructor(
    private readonly tickets: TicketsRepository,
    private readonly creation: TicketCreationService,
  ) {}

  /**
   * Withdraws every open ticket we created for the order. A ticket already asked to be withdrawn is skipped,
   * so a repeat does not ask twice; a failed request leaves the ticket to be tried again next time. Each cancel
   * ticket is sent under a key of its own (`withdraw:<our ticket id>`), so a retry after a lost answer does not send
   * a second one (see TicketCreationService). `signal`: a delivery attempt's lease.
   */
  async cancelOpenTicketsForOrder(omsOrderNumber: string, reason?: string, signal?: AbortSignal): Promise<{ cancelled: string[]; failed: string[] }> {
    const open = await this.tickets.openTicketsToWithdraw(omsOrderNumber);
    const cancelled: string[] = [];
    const failed: string[] = [];
    for (const ticket of open) {
      // Claim the ticket first, so two concurrent cancellations of the order send one cancel ticket.
      if (!(await this.tickets.claimWithdrawal(ticket.id))) continue;
      const body: Record<string, unknown> = { type: 'cancel', orderId: ticket.omsOrderNumber, storeId: ticket.storeId, ticketId: ticket.imshopTicketId };
      if (reason) body.comment = reason.slice(0, MAX_COMMENT);
      try {
        await this.creation.create(body, { requestKey: `withdraw:${ticket.id}`, signal });
        cancelled.push(ticket.imshopTicketId);
      } catch (error) {
        await this.tickets.releaseWithdrawal(ticket.id);
        failed.push(ticket.imshopTicketId);
        this.logger.warn(
          `could not withdraw ticket ${ticket.imshopTicketId} of order ${omsOrderNumber}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    return { cancelled, failed };
  }
}
