import { Injectable, Logger } from '@nestjs/common';
import { Semaphore } from '../common/semaphore';
import { MARKET_FOLLOW_UP_CONNECTIONS } from '../config/app-config';
import { TicketCreationService } from '../imshop-tickets/ticket-creation.service';
import { TicketReadsService } from '../imshop-tickets/ticket-reads.service';
import { TicketWithdrawalService } from '../imshop-tickets/ticket-withdrawal.service';
import { OrdersService } from '../orders/orders.service';
import { SendsDeliveries, type SendAttempt, type SendResult } from '../outbox/delivery-targets';
import { MarketApiClient, marketVerdict } from './market-api.client';
import { fromMarket, fromTicketError, local } from './market-answers';
import { MarketAutomationService, ticketsPossible } from './market-automation.service';
import { MarketOrderDetailsService } from './market-order-details.service';
import { MARKET_API_SOURCE, MARKET_TARGETS, type CancellationPayload, type DetailsPayload, type StatusPushPayload, type TicketPayload, type WithdrawPayload } from './market-targets';
import { buildPrepareTicket, type MarketBuyer } from './market-ticket';

/**
 * The Market loop's deliveries, sent by the outbox worker after commit (with its retries, backoff, dead letter
 * and admin retry): our status to Market, the answer to a buyer's cancellation request (an accepted one cancels
 * the order here), a new order's details, an IMSHOP prepare ticket in the campaign's store, and the withdrawal of
 * a cancelled order's tickets.
 */
@Injectable()
export class MarketSendersService {
  private readonly logger = new Logger('MarketLoop');
  /**
   * Senders that write to the database (an accepted cancellation, fetched details, a ticket) use the request
   * path's pool: at most this many at once, however many deliveries are in flight, so webhooks keep the rest.
   * DATABASE_POOL_SIZE must leave room beside them (checked at boot: MARKET_FOLLOW_UP_CONNECTIONS).
   */
  private readonly followUps = new Semaphore(MARKET_FOLLOW_UP_CONNECTIONS);

  constructor(
    private readonly orders: OrdersService,
    private readonly client: MarketApiClient,
    private readonly automation: MarketAutomationService,
    private readonly details: MarketOrderDetailsService,
    private readonly ticketReads: TicketReadsService,
    private readonly ticketCreation: TicketCreationService,
    private readonly ticketWithdrawal: TicketWithdrawalService,
  ) {}

  /** Market's status model is a sequence: each push is a step, sent in order, never skipped by a later one. */
  @SendsDeliveries(MARKET_TARGETS.status, { ordering: 'in-order' })
  async pushStatus({ body: p, signal }: SendAttempt<StatusPushPayload>): Promise<SendResult> {
    return fromMarket(await this.client.updateOrderStatus(p.campaignId, p.orderId, { status: p.status, substatus: p.substatus }, signal));
  }

  /** The answer to the buyer's latest request is the one that counts. */
  @SendsDeliveries(MARKET_TARGETS.cancellation, { ordering: 'newest-wins' })
  async answerCancellation({ body: p, signal }: SendAttempt<CancellationPayload>): Promise<SendResult> {
    const call = await this.client.answerCancellation(p.campaignId, p.orderId, p.accepted, p.accepted ? undefined : p.reason, signal);
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

  @SendsDeliveries(MARKET_TARGETS.details, { ordering: 'newest-wins' })
  async fetchDetails({ body: p, signal }: SendAttempt<DetailsPayload>): Promise<SendResult> {
    return this.followUps.run(async () => {
      const fetched = await this.details.fetchAndStore(p, p.businessId, signal);
      return fetched.result;
    });
  }

  @SendsDeliveries(MARKET_TARGETS.ticket, { ordering: 'newest-wins' })
  async createPrepareTicket({ body: p, signal }: SendAttempt<TicketPayload>): Promise<SendResult> {
    return this.followUps.run(async () => {
      const started = Date.now();
      const settings = await this.automation.forCampaign(p.campaignId);
      if (!ticketsPossible(settings)) return local('dead', started, 'the prepareTicket rule was switched off (or its businessId/storeId removed) before the ticket was created');

      let details = await this.details.find(p.order);
      if (!details) {
        const fetched = await this.details.fetchAndStore(p, settings.businessId!, signal);
        if (!fetched.details) return fetched.result;
        details = fetched.details;
      }
      if (!details.buyerFetchedAt) {
        const call = await this.client.getOrderBuyer(p.campaignId, p.orderId, signal);
        const verdict = marketVerdict(call);
        if (verdict === 'retry') return fromMarket(call);
        // Buyer data is optional for a ticket: a refusal (no scope, say) leaves it out rather than blocking the store.
        const buyer = verdict === 'sent' ? (((call.body as { result?: MarketBuyer } | null)?.result ?? null) as MarketBuyer | null) : null;
        if (verdict === 'dead') this.logger.warn(`Market order ${p.orderId}: no buyer details (${call.error}); the ticket goes without them`);
        await this.details.setBuyer(p.order, buyer);
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
        const created = await this.ticketCreation.create(body, { requestKey: `market-prepare:${p.order}`, signal });
        return { ...local('sent', started), response: { ticketId: created.ticket.imshopTicketId, imshop: created.imshop } };
      } catch (error) {
        return fromTicketError(error, started);
      }
    });
  }

  @SendsDeliveries(MARKET_TARGETS.withdraw, { ordering: 'newest-wins' })
  async withdrawTickets({ body: p, signal }: SendAttempt<WithdrawPayload>): Promise<SendResult> {
    return this.followUps.run(async () => {
      const started = Date.now();
      const { cancelled, failed } = await this.ticketWithdrawal.cancelOpenTicketsForOrder(p.omsOrderNumber, p.reason, signal);
      if (failed.length) return { ...local('retry', started, `IMSHOP did not withdraw ${failed.join(', ')}`), response: { cancelled, failed } };
      return { ...local('sent', started), response: { cancelled } };
    });
  }
}
