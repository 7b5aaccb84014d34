import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError, InvalidInputError } from '../common/domain-error';
import { TicketCreationService } from '../imshop-tickets/ticket-creation.service';
import { ImshopTicketRefused, TicketOutcomeUnknown } from '../imshop-tickets/ticket-errors';
import { TicketReadsService } from '../imshop-tickets/ticket-reads.service';
import { TicketWithdrawalService } from '../imshop-tickets/ticket-withdrawal.service';
import type { OrderStatus } from '../orders/order-status';
import { OrdersService, type ApplyResult, type StatusEvent } from '../orders/orders.service';
import { MARKET_FOLLOW_UP_CONNECTIONS } from '../config/app-config';
import { Handles } from '../events/channels';
import { ORDER_CHANGED, ORDER_DETAILS, type OrderChange } from '../orders/order-events';
import type { Order } from '../orders/order.entity';
import { SendsDeliveries, type DeliveryPayloads, type SendResult } from '../outbox/delivery-targets';
import { OutboxService } from '../outbox/outbox.service';
import { StatusMappingService } from '../status-mapping/status-mapping.service';
import { MarketApiClient, marketVerdict, type MarketCallResult, type MarketCancellationReason } from './market-api.client';
import { MarketAutomationService, type AutomationSettings } from './market-automation.service';
import { MarketOrderDetails } from './market-order-details.entity';
import { Semaphore } from '../common/semaphore';
import { buildPrepareTicket, orderItemsFromMarket, type MarketBusinessOrder, type MarketBuyer } from './market-ticket';

/** The source of changes we make because of Market's own answers (a cancellation we accepted, fetched details). */
export const MARKET_API_SOURCE = 'market_api';

/** Changes Market already knows about: pushing them back would only echo. */
const MARKET_SOURCES = new Set(['market', 'market_poll', MARKET_API_SOURCE]);

/**
 * Outbox targets. One per kind of work, because the outbox supersedes a delivery by a newer one of the same
 * order and target: a status push must never cancel a pending detail fetch or cancellation answer.
 */
export const MARKET_TARGETS = {
  status: 'market',
  cancellation: 'market_cancel',
  details: 'market_fetch',
  ticket: 'imshop_prepare',
  withdraw: 'imshop_withdraw',
} as const;
type MarketTarget = (typeof MARKET_TARGETS)[keyof typeof MARKET_TARGETS];

declare module '../outbox/delivery-targets' {
  interface DeliveryPayloads {
    /** Our status change to Market (updateOrderStatus). */
    market: StatusPushPayload;
    /** The answer to a buyer's cancellation request (acceptOrderCancellation). */
    market_cancel: CancellationPayload;
    /** The fetch of a new order's details (getBusinessOrders). */
    market_fetch: DetailsPayload;
    /** A prepare ticket in the campaign's IMSHOP store. */
    imshop_prepare: TicketPayload;
    /** The withdrawal of a cancelled order's open tickets. */
    imshop_withdraw: WithdrawPayload;
  }
}

interface OrderRef {
  /** Our order id. */
  order: string;
  campaignId: string;
  orderId: string;
}
export interface StatusPushPayload {
  campaignId: string;
  orderId: string;
  status: string;
  substatus: string | null;
}
export interface CancellationPayload extends OrderRef {
  accepted: boolean;
  reason?: MarketCancellationReason;
  /** Internal status when the request arrived (the reason for the answer). */
  orderStatus: OrderStatus;
  historyId: string;
}
export interface DetailsPayload extends OrderRef {
  businessId: string;
}
export type TicketPayload = OrderRef;
export interface WithdrawPayload {
  order: string;
  omsOrderNumber: string;
  reason: string;
}

/** Internal statuses at which a buyer's cancellation is refused, and the reason Market passes on to the buyer. */
const REFUSE_CANCELLATION: Partial<Record<OrderStatus, MarketCancellationReason>> = {
  SHIPPED: 'ORDER_IN_DELIVERY',
  PARTIALLY_SHIPPED: 'ORDER_IN_DELIVERY',
  READY_FOR_PICKUP: 'ORDER_IN_DELIVERY',
  DELIVERED: 'ORDER_DELIVERED',
  PARTIALLY_DELIVERED: 'ORDER_DELIVERED',
  NOT_REDEEMED: 'ORDER_DELIVERED',
  RETURNED: 'ORDER_DELIVERED',
  PARTIALLY_RETURNED: 'ORDER_DELIVERED',
};

export function cancellationAnswer(status: OrderStatus): { accepted: true } | { accepted: false; reason: MarketCancellationReason } {
  const reason = REFUSE_CANCELLATION[status];
  return reason ? { accepted: false, reason } : { accepted: true };
}

/**
 * Closes the loop with Yandex Market. Inside the transaction of every order change it decides what Market (or
 * IMSHOP, for Market orders) must hear of it and writes outbox deliveries; the outbox worker then makes the HTTP
 * calls after commit, with retries, backoff, dead letter and admin retry:
 *
 * - our status changes → `PUT …/status` through the outbound `market` mapping rows (never a change that came from Market);
 * - ORDER_CREATED → details fetched (`POST v1/businesses/{businessId}/orders`) onto the order;
 * - PROCESSING/STARTED → an IMSHOP prepare ticket in the campaign's store (its `done` maps to READY_TO_SHIP, pushed as above);
 * - a buyer's cancellation request → accepted before shipping (order CANCELLED, tickets withdrawn), refused after.
 */
@Injectable()
export class MarketLoopService implements OnModuleInit {
  private readonly logger = new Logger('MarketLoop');
  /**
   * Senders that write to the database (an accepted cancellation, fetched details, a ticket) use the request
   * path's pool: at most this many at once, however many deliveries are in flight, so webhooks keep the rest.
   * DATABASE_POOL_SIZE must leave room beside them (checked at boot: MARKET_FOLLOW_UP_CONNECTIONS).
   */
  private readonly followUps = new Semaphore(MARKET_FOLLOW_UP_CONNECTIONS);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly orders: OrdersService,
    private readonly outbox: OutboxService,
    private readonly mappings: StatusMappingService,
    private readonly client: MarketApiClient,
    private readonly automation: MarketAutomationService,
    private readonly ticketReads: TicketReadsService,
    private readonly ticketCreation: TicketCreationService,
    private readonly ticketWithdrawal: TicketWithdrawalService,
  ) {}

  onModuleInit(): void {
    if (!this.client.configured) this.logger.log('Market partner API is off (set MARKET_API_KEY): no status push, detail fetch or cancellation answers');
  }

  // ------------------------------------------------------------------ inside the transaction of a change

  /** The admin view of an order shows the details fetched from Market. */
  @Handles(ORDER_DETAILS, 'marketDetails')
  async detailsOf(order: Order): Promise<unknown> {
    return this.dataSource.getRepository(MarketOrderDetails).findOneBy({ orderId: order.id });
  }

  @Handles(ORDER_CHANGED)
  async decide({ result, event, manager }: OrderChange): Promise<void> {
    const order = result.order;
    if (!this.client.configured || !order.marketOrderId || !order.marketCampaignId || !result.historyId) return;
    const settings = await this.automation.forCampaign(order.marketCampaignId, manager);
    const ref: OrderRef = { order: order.id, campaignId: order.marketCampaignId, orderId: order.marketOrderId };
    const write = <T extends MarketTarget>(target: T, payload: DeliveryPayloads[T]) =>
      this.outbox.createDelivery(manager, { orderId: order.id, target, changeSeq: result.historyId!, internalStatus: order.status, payload });

    if (event.source === 'market') {
      const type = notificationType(event);
      if (type === 'ORDER_CREATED' && settings.fetchDetails && settings.businessId && !(await this.replayedAfter(event, order.id, MARKET_TARGETS.details, manager))) {
        await write(MARKET_TARGETS.details, { ...ref, businessId: settings.businessId } satisfies DetailsPayload);
      }
      if (
        this.startsAssembly(result, event) &&
        this.ticketsPossible(settings) &&
        !(await this.hasPrepareDelivery(order.id)) &&
        !(await this.replayedAfter(event, order.id, MARKET_TARGETS.ticket, manager))
      ) {
        await write(MARKET_TARGETS.ticket, ref satisfies TicketPayload);
      }
      if (type === 'ORDER_CANCELLATION_REQUEST' && settings.answerCancellations && !(await this.replayedAfter(event, order.id, MARKET_TARGETS.cancellation, manager))) {
        const answer = cancellationAnswer(order.status);
        await write(MARKET_TARGETS.cancellation, { ...ref, ...answer, orderStatus: order.status, historyId: result.historyId } satisfies CancellationPayload);
      }
    }

    if (event.source === 'market_poll') {
      // The reconciliation pull caught a state whose notification never came: start what that notification would have.
      if (result.created && settings.fetchDetails && settings.businessId) {
        await write(MARKET_TARGETS.details, { ...ref, businessId: settings.businessId } satisfies DetailsPayload);
      }
      if (this.startsAssembly(result, event) && this.ticketsPossible(settings) && !(await this.hasPrepareDelivery(order.id))) {
        await write(MARKET_TARGETS.ticket, ref satisfies TicketPayload);
      }
    }

    // A cancelled Market order (whoever cancelled it) no longer needs the store's work.
    if (result.statusChanged && order.status === 'CANCELLED' && order.omsOrderNumber && (settings.prepareTicket || settings.answerCancellations)) {
      await write(MARKET_TARGETS.withdraw, { order: order.id, omsOrderNumber: order.omsOrderNumber, reason: 'Заказ отменён на Яндекс Маркете' } satisfies WithdrawPayload);
    }

    if (result.statusChanged && !MARKET_SOURCES.has(event.source) && settings.pushStatuses) {
      const mapped = await this.mappings.resolveOutbound('market', order.status, manager);
      if (mapped) {
        await write(MARKET_TARGETS.status, { campaignId: ref.campaignId, orderId: ref.orderId, status: mapped.code, substatus: mapped.substatus ?? null } satisfies StatusPushPayload);
      }
    }
  }

  /** Market says the order was confirmed and may be assembled: PROCESSING/STARTED (or PROCESSING without a substatus). */
  private startsAssembly(result: ApplyResult, event: StatusEvent): boolean {
    return result.statusChanged && result.order.status === 'PROCESSING' && event.externalCode === 'PROCESSING' && (event.externalSubstatus ?? 'STARTED') === 'STARTED';
  }

  private ticketsPossible(settings: AutomationSettings): boolean {
    return settings.prepareTicket && Boolean(settings.storeId) && Boolean(settings.businessId);
  }

  /**
   * A replayed event must not start again what the order already had started for it: a second answer to a
   * cancellation request (judged by the order's status now, not when the buyer asked), a second detail fetch,
   * a second store ticket. Any delivery of the target for the order, whatever its state (a dead one is retried
   * by an admin, not by a replay), or details already stored, or a ticket we created, counts. A replay whose
   * first application started nothing (a rule switched on since, say) does start it.
   */
  private async replayedAfter(event: StatusEvent, orderId: string, target: MarketTarget, manager: EntityManager): Promise<boolean> {
    if (!event.replay) return false;
    if (await this.outbox.hasDelivery(orderId, target)) return true;
    if (target === MARKET_TARGETS.details) return manager.getRepository(MarketOrderDetails).existsBy({ orderId });
    if (target === MARKET_TARGETS.ticket) return (await this.ticketReads.list({ orderId, type: 'prepare', limit: 50 })).items.some((ticket) => ticket.createdByUs);
    return false;
  }

  /** One automatic prepare ticket per order: a release ticket that sends the order back to PROCESSING does not make another. */
  private async hasPrepareDelivery(orderId: string): Promise<boolean> {
    return this.outbox.hasDelivery(orderId, MARKET_TARGETS.ticket, { alive: true });
  }

  // ------------------------------------------------------------------ senders (outbox worker, after commit)

  @SendsDeliveries(MARKET_TARGETS.status)
  async pushStatus(p: StatusPushPayload): Promise<SendResult> {
    return fromMarket(await this.client.updateOrderStatus(p.campaignId, p.orderId, { status: p.status, substatus: p.substatus }));
  }

  @SendsDeliveries(MARKET_TARGETS.cancellation)
  async answerCancellation(p: CancellationPayload): Promise<SendResult> {
    const call = await this.client.answerCancellation(p.campaignId, p.orderId, p.accepted, p.accepted ? undefined : p.reason);
    const result = fromMarket(call);
    if (result.outcome !== 'sent' || !p.accepted) return result;
    try {
      const applied = await this.followUps.run(() =>
        this.orders.applyStatus({
          source: MARKET_API_SOURCE,
          identity: { id: p.order },
          internalStatus: 'CANCELLED',
          dedupeKey: `${MARKET_API_SOURCE}:cancellation-accepted:${p.historyId}`,
          note: `buyer's cancellation request accepted on Market (order was ${p.orderStatus})`,
        }),
      );
      return { ...result, response: { market: call.body, order: applied.outcome } };
    } catch (error) {
      // Market has the answer; the order could not be cancelled here. Retrying sends the same answer again.
      return { ...result, outcome: 'retry', error: `Market accepted; cancelling the order failed: ${(error as Error).message}` };
    }
  }

  @SendsDeliveries(MARKET_TARGETS.details)
  async fetchDetails(p: DetailsPayload): Promise<SendResult> {
    return this.followUps.run(async () => {
      const fetched = await this.fetchAndStore(p, p.businessId);
      return fetched.result;
    });
  }

  @SendsDeliveries(MARKET_TARGETS.ticket)
  async createPrepareTicket(p: TicketPayload): Promise<SendResult> {
    return this.followUps.run(async () => {
      const started = Date.now();
      const settings = await this.automation.forCampaign(p.campaignId);
      if (!this.ticketsPossible(settings)) return local('dead', started, 'the prepareTicket rule was switched off (or its businessId/storeId removed) before the ticket was created');

      let details = await this.dataSource.getRepository(MarketOrderDetails).findOneBy({ orderId: p.order });
      if (!details) {
        const fetched = await this.fetchAndStore(p, settings.businessId!);
        if (!fetched.details) return fetched.result;
        details = fetched.details;
      }
      if (!details.buyerFetchedAt) {
        const call = await this.client.getOrderBuyer(p.campaignId, p.orderId);
        const verdict = marketVerdict(call);
        if (verdict === 'retry') return fromMarket(call);
        // Buyer data is optional for a ticket: a refusal (no scope, say) leaves it out rather than blocking the store.
        const buyer = verdict === 'sent' ? (((call.body as { result?: MarketBuyer } | null)?.result ?? null) as MarketBuyer | null) : null;
        if (verdict === 'dead') this.logger.warn(`Market order ${p.orderId}: no buyer details (${call.error}); the ticket goes without them`);
        await this.dataSource.query('UPDATE market_order_details SET buyer = $2, buyer_fetched_at = now(), updated_at = now() WHERE order_id = $1', [p.order, JSON.stringify(buyer)]);
        details.buyer = buyer;
        details.buyerFetchedAt = new Date();
      }

      const order = await this.orders.findByIdentity({ id: p.order });
      if (!order) return local('dead', started, `order ${p.order} no longer exists`);
      let number = order.omsOrderNumber;
      if (!number) {
        number = `${settings.orderNumberPrefix}${p.orderId}`;
        const holder = await this.orders.findByIdentity({ omsOrderNumber: number });
        if (holder && holder.id !== order.id) return local('dead', started, `OMS order number ${number} already belongs to order ${holder.id}`);
        await this.orders.applyStatus({
          source: MARKET_API_SOURCE,
          identity: { id: order.id, omsOrderNumber: number },
          internalStatus: null,
          note: `OMS order number ${number} given to the Market order for IMSHOP tickets`,
        });
      }
      const existing = await this.ticketReads.list({ orderId: number, type: 'prepare', limit: 50 });
      const mine = existing.items.find((ticket) => ticket.createdByUs && !ticket.cancelRequestedAt);
      if (mine) return { ...local('sent', started), response: { ticketId: mine.imshopTicketId, note: 'the order already had a prepare ticket' } };

      const body = buildPrepareTicket({
        omsOrderNumber: number,
        storeId: settings.storeId!,
        marketOrderId: p.orderId,
        order: { items: details.items as never, prices: details.prices as never, delivery: details.delivery as never, paymentType: details.paymentType ?? undefined, paymentMethod: details.paymentMethod ?? undefined, notes: details.notes ?? undefined },
        buyer: (details.buyer as MarketBuyer | null) ?? null,
      });
      try {
        // One prepare ticket per order, whatever happens between IMSHOP's answer and our commit of it.
        const created = await this.ticketCreation.create(body, { requestKey: `market-prepare:${p.order}` });
        return { ...local('sent', started), response: { ticketId: created.ticket.imshopTicketId, imshop: created.imshop } };
      } catch (error) {
        return fromTicketError(error, started);
      }
    });
  }

  @SendsDeliveries(MARKET_TARGETS.withdraw)
  async withdrawTickets(p: WithdrawPayload): Promise<SendResult> {
    return this.followUps.run(async () => {
      const started = Date.now();
      const { cancelled, failed } = await this.ticketWithdrawal.cancelOpenTicketsForOrder(p.omsOrderNumber, p.reason);
      if (failed.length) return { ...local('retry', started, `IMSHOP did not withdraw ${failed.join(', ')}`), response: { cancelled, failed } };
      return { ...local('sent', started), response: { cancelled } };
    });
  }

  // ------------------------------------------------------------------ details

  /** Fetches the order from Market and stores it; `details` is set when it was stored. */
  private async fetchAndStore(p: OrderRef, businessId: string): Promise<{ result: SendResult; details?: MarketOrderDetails }> {
    const call = await this.client.getBusinessOrder(businessId, p.campaignId, p.orderId);
    const result = fromMarket(call);
    if (result.outcome !== 'sent') return { result };
    const orders = (call.body as { orders?: MarketBusinessOrder[] } | null)?.orders;
    const found = Array.isArray(orders) ? orders.find((o) => String(o?.orderId) === p.orderId) : undefined;
    if (!found) return { result: { ...result, outcome: 'dead', error: `Market returned no order ${p.orderId} of campaign ${p.campaignId} for business ${businessId}` } };
    const details = await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO market_order_details (order_id, campaign_id, market_order_id, business_id, status, substatus, payment_type, payment_method, fake, delivery, prices, items, notes, fetched_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now())
         ON CONFLICT (order_id) DO UPDATE SET business_id = EXCLUDED.business_id, status = EXCLUDED.status, substatus = EXCLUDED.substatus,
           payment_type = EXCLUDED.payment_type, payment_method = EXCLUDED.payment_method, fake = EXCLUDED.fake, delivery = EXCLUDED.delivery,
           prices = EXCLUDED.prices, items = EXCLUDED.items, notes = EXCLUDED.notes, fetched_at = now(), updated_at = now()`,
        [
          p.order,
          p.campaignId,
          p.orderId,
          businessId,
          str(found.status, 64),
          str(found.substatus, 64),
          str(found.paymentType, 32),
          str(found.paymentMethod, 64),
          typeof found.fake === 'boolean' ? found.fake : null,
          JSON.stringify(found.delivery ?? null),
          JSON.stringify(found.prices ?? null),
          JSON.stringify(found.items ?? []),
          typeof found.notes === 'string' ? found.notes : null,
        ],
      );
      await this.orders.applyStatus(
        { source: MARKET_API_SOURCE, identity: { id: p.order }, internalStatus: null, items: orderItemsFromMarket(found.items), note: 'details fetched from Market' },
        manager,
      );
      return manager.getRepository(MarketOrderDetails).findOneByOrFail({ orderId: p.order });
    });
    return { result: { ...result, response: { items: (found.items ?? []).length, status: found.status, substatus: found.substatus } }, details };
  }
}

function notificationType(event: StatusEvent): string | undefined {
  const type = (event.payload as { notificationType?: unknown } | null | undefined)?.notificationType;
  return typeof type === 'string' ? type : undefined;
}

function fromMarket(call: MarketCallResult): SendResult {
  const outcome = marketVerdict(call);
  return {
    outcome,
    statusCode: call.status,
    latencyMs: call.latencyMs,
    error: outcome === 'sent' ? call.error : (call.error ?? `Market answered ${call.status}`),
    response: call.body,
    responseText: call.text,
    retryAfterSeconds: call.retryAfterSeconds,
  };
}

function local(outcome: SendResult['outcome'], started: number, error?: string): SendResult {
  return { outcome, statusCode: outcome === 'sent' ? 200 : 0, latencyMs: Date.now() - started, error };
}

/** IMSHOP's refusal of a ticket: 5xx, 408, 429 and no answer are retried; anything else (or our own bad body) is final. */
function fromTicketError(error: unknown, started: number): SendResult {
  // Not sent again: a later attempt takes the ticket once IMSHOP reports it (or an admin makes one).
  if (error instanceof TicketOutcomeUnknown) return local('retry', started, error.message);
  if (error instanceof ImshopTicketRefused) {
    return { outcome: error.retryable ? 'retry' : 'dead', statusCode: error.status, latencyMs: Date.now() - started, error: error.message, response: error.body };
  }
  if (error instanceof InvalidInputError) return local('dead', started, `the ticket was refused by our own validation: ${JSON.stringify(error.messages)}`);
  // Any other refusal of ours (the ticket API not configured, say) does not heal by retrying.
  if (error instanceof DomainError) return local('dead', started, error.message);
  return local('retry', started, (error as Error).message);
}

function str(value: unknown, max: number): string | null {
  return typeof value === 'string' ? value.slice(0, max) : null;
}
