import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/domain-error';
import { MarketEventsService } from '../market/market-events.service';
import { TicketReadsService } from '../imshop-tickets/ticket-reads.service';
import { OrderReadsService } from '../orders/order-reads.service';
import type { OrderStatus } from '../orders/order-status';
import { DeliveriesService } from '../outbox/deliveries.service';
import { TargetHealthService } from '../outbox/target-health.service';
import { buildJourney, type JourneyRow } from './journey';
import type { JourneyOrder, StatusLine } from './pages/journey.page';
import type { OrderRow } from './pages/orders.page';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** At most this many orders are searched among for the stuck filter (the most recently changed). */
const STUCK_ORDERS = 2000;
/** An order's deliveries drawn on its journey, at most. */
const JOURNEY_DELIVERIES = 1000;

export interface OrderSearch {
  q?: string;
  status?: OrderStatus;
  source?: string;
  stuck?: boolean;
  page: number;
  limit: number;
}

/**
 * What the console's pages read, each from the module that owns it (orders, outbox, Market's inbox, the ticket
 * registry), through their services: the console has no table of orders or deliveries and no SQL of its own for them.
 */
@Injectable()
export class ConsoleReadsService {
  constructor(
    private readonly orders: OrderReadsService,
    private readonly deliveries: DeliveriesService,
    private readonly health: TargetHealthService,
    private readonly marketEvents: MarketEventsService,
    private readonly tickets: TicketReadsService,
  ) {}

  /**
   * Orders, newest change first. `q` is any id of an order: its Market order id, OMS number, IMSHOP uuid, an IMSHOP
   * ticket id (ours or IMSHOP's), or the internal id.
   */
  async searchOrders(search: OrderSearch): Promise<{ items: OrderRow[]; total: number; page: number; limit: number; notes: string[] }> {
    const notes: string[] = [];
    let among: string[] | undefined;
    if (search.q) among = await this.idsNamedBy(search.q);
    if (search.stuck) {
      const stuck = await this.deliveries.stuckOrderIds(STUCK_ORDERS);
      if (stuck.length === STUCK_ORDERS) notes.push(`More than ${STUCK_ORDERS} orders are stuck: the ${STUCK_ORDERS} most recently changed are searched.`);
      among = among ? among.filter((id) => stuck.includes(id)) : stuck;
    }
    const query = { status: search.status, source: search.source, page: search.page, limit: search.limit };
    const found = among && among.length === 0 ? { items: [], total: 0, page: search.page, limit: search.limit } : await this.orders.list(query, among);
    const stuckOf = new Map<string, OrderRow['stuck']>();
    for (const row of await this.deliveries.stuckDeliveriesOf(found.items.map((order) => order.id))) {
      stuckOf.set(row.orderId, [...(stuckOf.get(row.orderId) ?? []), { target: row.target, state: row.state, paused: row.paused }]);
    }
    return {
      items: found.items.map((order) => ({ ...order, stuck: dedupe(stuckOf.get(order.id) ?? []) })),
      total: found.total,
      page: found.page,
      limit: found.limit,
      notes,
    };
  }

  private async idsNamedBy(q: string): Promise<string[]> {
    const ids = new Set<string>();
    for (const order of (await this.orders.list({ externalId: q, page: 1, limit: 100 })).items) ids.add(order.id);
    if (UUID.test(q)) {
      if ((await this.orders.list({ page: 1, limit: 1 }, [q])).items.length) ids.add(q);
    }
    try {
      const ticket = await this.tickets.get(q);
      if (ticket.orderId) ids.add(ticket.orderId);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
    return [...ids];
  }

  /** The journey of one order: its facts, the rows of the picture, and its status history as text. */
  async journey(orderId: string): Promise<{ order: JourneyOrder; rows: JourneyRow[]; statusLines: StatusLine[]; limited: string | null }> {
    const [order, deliveries, targets] = await Promise.all([
      this.orders.withHistory(orderId),
      this.deliveries.ofOrder(orderId, JOURNEY_DELIVERIES),
      this.health.states(),
    ]);
    const [tickets, repeats] = await Promise.all([
      this.tickets.ofOrder(order),
      order.marketOrderId
        ? this.marketEvents.list({ campaignId: order.marketCampaignId ?? undefined, orderId: order.marketOrderId, page: 1, limit: 500 })
        : null,
    ]);
    const marketRepeats = new Map<string, { count: number; lastAt: Date | null }>();
    for (const event of repeats?.items ?? []) {
      if (event.duplicateCount > 0) marketRepeats.set(`market:${event.dedupeKey}`, { count: event.duplicateCount, lastAt: event.lastDuplicateAt });
    }
    const rows = buildJourney({
      history: order.history,
      deliveries,
      marketRepeats,
      pausedTargets: new Set(targets.filter((target) => target.paused).map((target) => target.target)),
    });
    return {
      order: { ...order, tickets },
      rows,
      statusLines: order.history.map((row) => ({
        at: row.receivedAt,
        source: row.source,
        code: [row.externalCode, row.externalSubstatus].filter(Boolean).join('/'),
        outcome: row.outcome === 'rejected' ? 'refused' : row.outcome,
        from: row.fromStatus,
        to: row.toStatus,
        note: row.note,
      })),
      limited:
        deliveries.length === JOURNEY_DELIVERIES
          ? `This order has more than ${JOURNEY_DELIVERIES} deliveries: the first ${JOURNEY_DELIVERIES} are drawn.`
          : null,
    };
  }
}

function dedupe(stuck: OrderRow['stuck']): OrderRow['stuck'] {
  const seen = new Set<string>();
  return stuck.filter((s) => {
    const key = `${s.target}:${s.state}:${s.paused}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
