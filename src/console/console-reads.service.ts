import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/domain-error';
import { MarketEventsService } from '../market/market-events.service';
import { TicketReadsService } from '../imshop-tickets/ticket-reads.service';
import { OrderReadsService } from '../orders/order-reads.service';
import type { OrderStatus } from '../orders/order-status';
import { DeliveriesService } from '../outbox/deliveries.service';
import { TargetHealthService } from '../outbox/target-health.service';
import { buildJourney, type JourneyInput, type JourneyRow } from './journey';
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
      const isStuck = new Set(stuck);
      among = among ? among.filter((id) => isStuck.has(id)) : stuck;
    }
    const query = { status: search.status, source: search.source, page: search.page, limit: search.limit };
    const found = among && among.length === 0 ? { items: [], total: 0, page: search.page, limit: search.limit } : await this.orders.list(query, among);
    const stuckOf = new Map<string, OrderRow['stuck']>();
    for (const row of await this.deliveries.stuckDeliveriesOf(found.items.map((order) => order.id))) {
      stuckOf.set(row.orderId, [...(stuckOf.get(row.orderId) ?? []), { target: row.target, state: row.state, paused: row.paused }]);
    }
    return {
      items: found.items.map((order) => ({ ...order, stuck: stuckOf.get(order.id) ?? [] })),
      total: found.total,
      page: found.page,
      limit: found.limit,
      notes,
    };
  }

  private async idsNamedBy(q: string): Promise<string[]> {
    const ids = new Set<string>();
    for (const order of (await this.orders.list({ externalId: q, page: 1, limit: 100 })).items) ids.add(order.id);
    // The internal id: an id that names no order is dropped by the search itself (OrderReadsService.list among ids).
    if (UUID.test(q)) ids.add(q);
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
    const [order, deliveries, pausedTargets] = await Promise.all([
      this.orders.withHistory(orderId),
      this.deliveries.ofOrder(orderId, JOURNEY_DELIVERIES),
      this.pausedTargets(),
    ]);
    const [tickets, marketRepeats] = await Promise.all([this.tickets.ofOrder(order), this.marketRepeatsOf(order)]);
    const rows = buildJourney({ history: order.history, deliveries, marketRepeats, pausedTargets });
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

  /**
   * The rows of one event of an order's journey (`h<history id>` or `d<delivery id>`), read on their own: what a
   * click on an arrow shows, without reading the whole journey again. None when the order has no such event.
   */
  async journeyRowsOf(orderId: string, detailId: string): Promise<JourneyRow[]> {
    const id = detailId.slice(1);
    if (detailId.startsWith('d')) {
      const delivery = await this.deliveries.get(id).catch((error: unknown) => (error instanceof NotFoundError ? null : Promise.reject(error)));
      if (!delivery || delivery.orderId !== orderId) return [];
      return buildJourney({ history: [], deliveries: [delivery], marketRepeats: new Map(), pausedTargets: await this.pausedTargets() });
    }
    const order = await this.orders.withHistory(orderId);
    const history = order.history.filter((row) => row.id === id);
    const marketRepeats = history.some((row) => row.source === 'market') ? await this.marketRepeatsOf(order) : new Map();
    return buildJourney({ history, deliveries: [], marketRepeats, pausedTargets: new Set() });
  }

  private async pausedTargets(): Promise<Set<string>> {
    return new Set((await this.health.paused()).map((target) => target.target));
  }

  /** Market's inbox: how often Market sent each of the order's events again, by the history row's dedupe key. */
  private async marketRepeatsOf(order: { marketOrderId: string | null; marketCampaignId: string | null }): Promise<JourneyInput['marketRepeats']> {
    const repeats: JourneyInput['marketRepeats'] = new Map();
    if (!order.marketOrderId) return repeats;
    const events = await this.marketEvents.list({ campaignId: order.marketCampaignId ?? undefined, orderId: order.marketOrderId, page: 1, limit: 500 });
    for (const event of events.items) {
      if (event.duplicateCount > 0) repeats.set(`market:${event.dedupeKey}`, { count: event.duplicateCount, lastAt: event.lastDuplicateAt });
    }
    return repeats;
  }
}
