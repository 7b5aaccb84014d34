import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/domain-error';
import type { Page } from '../common/page';
import { Handles } from '../events/channels';
import { ORDER_DETAILS } from '../orders/order-events';
import type { OrderView } from '../orders/order-view';
import type { ListTicketsQuery } from './dto/list-tickets.query';
import type { ImshopTicketEvent } from './ticket-event.entity';
import type { ImshopTicket } from './ticket.entity';
import { TicketsRepository } from './tickets.repository';

/** The ticket registry as admins (and the Market loop) read it. */
@Injectable()
export class TicketReadsService {
  constructor(private readonly tickets: TicketsRepository) {}

  /** Newest first, filtered by order (OMS number or our id), status, type (`unknown`: none) and closed. */
  list(query: ListTicketsQuery): Promise<Page<ImshopTicket>> {
    return this.tickets.list(query);
  }

  /** One ticket by our id or IMSHOP's, with every event IMSHOP reported for it. */
  async get(id: string): Promise<ImshopTicket & { events: ImshopTicketEvent[] }> {
    const ticket = await this.tickets.findWithEvents(id);
    if (!ticket) throw new NotFoundError(`ticket ${id} does not exist`);
    return ticket;
  }

  /** The admin view of an order lists its tickets (with unavailable items, tracking and waybill numbers). */
  @Handles(ORDER_DETAILS, 'imshopTickets')
  async ticketsOfOrder(order: OrderView): Promise<unknown> {
    return this.ofOrder(order);
  }

  /** The order's tickets: linked to it, or naming its OMS number. */
  ofOrder(order: Pick<OrderView, 'id' | 'omsOrderNumber'>): Promise<ImshopTicket[]> {
    return this.tickets.ofOrder(order.id, order.omsOrderNumber);
  }
}
