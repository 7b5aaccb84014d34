import { Injectable, Logger } from '@nestjs/common';
import { Semaphore } from '../common/semaphore';
import { MARKET_FOLLOW_UP_CONNECTIONS } from '../config/app-config';
import type { Tx } from '../database/transaction';
import { TicketCreationService } from '../imshop-tickets/ticket-creation.service';
import { TicketReadsService } from '../imshop-tickets/ticket-reads.service';
import { TicketWithdrawalService } from '../imshop-tickets/ticket-withdrawal.service';
import { OrdersService } from '../orders/orders.service';
import { SendsDeliveries, type SendAttempt, type SendResult } from '../outbox/delivery-targets';
import { OutboxService } from '../outbox/outbox.service';
import { MarketApiClient, marketVerdict } from './market-api.client';
import { fromMarket, fromTicketError, local } from './market-answers';
import { MarketAutomationService, ticketsPossible, type AutomationSettings } from './market-automation.service';
import { businessOrderOf, type MarketOrderDetails } from './market-order-details.entity';
import { MarketOrderDetailsService } from './market-order-details.service';
import {
  MARKET_API_SOURCE,
  MARKET_RETRY_SCHEDULE_MS,
  MARKET_TARGETS,
  withdrawalOf,
  type CancellationPayload,
  type DetailsPayload,
  type StatusPushPayload,
  type TicketPayload,
  type WithdrawPayload,
} from './market-targets';
import { buildPrepareTicket, type MarketBuyer } from './market-ticket';

/**
 * The Market loop's steps as the outbox worker sends them after commit (with its retries, backoff, dead letter and
 * admin retry): our status to Market, the answer to a buyer's cancellation request (an accepted one cancels the
 * order here), a new order's details, an IMSHOP prepare ticket in the campaign's store, and the withdrawal of a
 * cancelled order's tickets. Which step follows which, and where the loop ends: MarketLoopService.
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
    private readonly outbox: OutboxService,
  ) {}

  /** Market's status model is a sequence: each push is a step, sent in order, never skipped by a later one. */
  @SendsDeliveries(MARKET_TARGETS.status, { ordering: 'in-order', retrySchedule: MARKET_RETRY_SCHEDULE_MS })
  async pushStatus({ body: p, signal }: SendAttempt<StatusPushPayload>): Promise<SendResult> {
    return fromMarket(await this.client.updateOrderStatus(p.campaignId, p.orderId, { status: p.status, substatus: p.substatus }, signal));
  }

  /**
   * The answer to a buyer's cancellation request (the latest request's answer is the one that counts). An accepted
   * one then cancels the order here and, as the loop's next step, withdraws its store tickets: in one transaction,
   * so the order is never cancelled without its tickets' withdrawal written.
   */
  @SendsDeliveries(MARKET_TARGETS.cancellation, { ordering: 'newest-wins', retrySchedule: MARKET_RETRY_SCHEDULE_MS })
  async answerCancellation({ body: p, signal }: SendAttempt<CancellationPayload>): Promise<SendResult> {
    const call = await this.client.answerCancellation(p.campaignId, p.orderId, p.accepted, p.accepted ? undefined : p.reason, signal);
    const result = fromMarket(call);
    if (result.outcome !== 'sent' || !p.accepted) return result;
    try {
      const applied = await this.followUps.run(() => this.orders.transaction((tx) => this.cancelAccepted(tx, p)));
      return { ...result, response: { market: call.body, order: applied } };
    } catch (error) {
      // Market has the answer; the order could not be cancelled here. Retrying sends the same answer again.
      return { ...result, outcome: 'retry', error: `Market accepted; cancelling the order failed: ${(error as Error).message}` };
    }
  }

  /** Market accepted the buyer's cancellation: the order is cancelled here, and its open store tickets withdrawn. */
  private async cancelAccepted(tx: Tx, p: CancellationPayload): Promise<string> {
    const applied = await this.orders.applyStatus(
      {
        source: MARKET_API_SOURCE,
        identity: { id: p.order },
        internalStatus: 'CANCELLED',
        dedupeKey: `${MARKET_API_SOURCE}:cancellation-accepted:${p.historyId}`,
        note: `buyer's cancellation request accepted on Market (order was ${p.orderStatus})`,
      },
      tx,
    );
    const { order } = applied;
    if (applied.change?.statusChanged && order.omsOrderNumber) {
      this.outbox.write(tx, {
        orderId: order.id,
        target: MARKET_TARGETS.withdraw,
        changeSeq: applied.change.historyId,
        internalStatus: order.status,
        payload: withdrawalOf(order.id, order.omsOrderNumber),
      });
    }
    return applied.outcome;
  }

  @SendsDeliveries(MARKET_TARGETS.details, { ordering: 'newest-wins', retrySchedule: MARKET_RETRY_SCHEDULE_MS })
  async fetchDetails({ body: p, signal }: SendAttempt<DetailsPayload>): Promise<SendResult> {
    return this.followUps.run(async () => {
      const fetched = await this.details.fetchAndStore(p, p.businessId, signal);
      return fetched.result;
    });
  }

  /**
   * The store's prepare ticket for a Market order in assembly, in the loop's steps: the order's details (fetched now
   * if the fetch step has not stored them), its buyer, the OMS number IMSHOP knows the order by, then the ticket. Each
   * step's result is kept, so a retry goes on where the last attempt stopped; a step Market refuses for now ends
   * the attempt as a retry.
   */
  @SendsDeliveries(MARKET_TARGETS.ticket, { ordering: 'newest-wins', retrySchedule: MARKET_RETRY_SCHEDULE_MS })
  async createPrepareTicket({ body: p, signal }: SendAttempt<TicketPayload>): Promise<SendResult> {
    return this.followUps.run(async () => {
      const started = Date.now();
      const settings = await this.automation.forCampaign(p.campaignId);
      if (!ticketsPossible(settings))
        return local('dead', started, 'the prepareTicket rule was switched off (or its businessId/storeId removed) before the ticket was created');

      const details = await this.detailsOf(p, settings.businessId!, signal);
      if ('outcome' in details) return details;
      const buyer = await this.buyerOf(p, details, signal);
      if (buyer && 'outcome' in buyer) return buyer;
      const number = await this.omsNumberOf(p, settings, started);
      if (typeof number !== 'string') return number;

      const existing = await this.ticketReads.list({ orderId: number, type: 'prepare', limit: 50 });
      const mine = existing.items.find((ticket) => ticket.createdByUs && !ticket.cancelRequestedAt);
      if (mine) return { ...local('sent', started), response: { ticketId: mine.imshopTicketId, note: 'the order already had a prepare ticket' } };

      const body = buildPrepareTicket({ omsOrderNumber: number, storeId: settings.storeId!, marketOrderId: p.orderId, order: businessOrderOf(details), buyer });
      try {
        // One prepare ticket per order, whatever happens between IMSHOP's answer and our commit of it.
        const created = await this.ticketCreation.create(body, { requestKey: `market-prepare:${p.order}`, signal });
        return { ...local('sent', started), response: { ticketId: created.ticket.imshopTicketId, imshop: created.imshop } };
      } catch (error) {
        return fromTicketError(error, started);
      }
    });
  }

  /** Step 1: the order's details as stored, fetched and stored now if they are not. */
  private async detailsOf(p: TicketPayload, businessId: string, signal: AbortSignal): Promise<MarketOrderDetails | SendResult> {
    const stored = await this.details.find(p.order);
    if (stored) return stored;
    const fetched = await this.details.fetchAndStore(p, businessId, signal);
    return fetched.details ?? fetched.result;
  }

  /** Step 2: the buyer, asked once; optional for a ticket (a refusal, no scope say, leaves it out rather than blocking the store). */
  private async buyerOf(p: TicketPayload, details: MarketOrderDetails, signal: AbortSignal): Promise<MarketBuyer | null | SendResult> {
    if (details.buyerFetchedAt) return details.buyer;
    const call = await this.client.getOrderBuyer(p.campaignId, p.orderId, signal);
    const verdict = marketVerdict(call);
    if (verdict === 'retry') return fromMarket(call);
    const buyer = verdict === 'sent' ? ((call.body as { result?: MarketBuyer } | null)?.result ?? null) : null;
    if (verdict === 'dead') this.logger.warn(`Market order ${p.orderId}: no buyer details (${call.error}); the ticket goes without them`);
    await this.details.setBuyer(p.order, buyer);
    return buyer;
  }

  /** Step 3: the OMS number IMSHOP knows the order by, given now (prefix + Market's id) if the order has none. */
  private async omsNumberOf(p: TicketPayload, settings: AutomationSettings, started: number): Promise<string | SendResult> {
    const order = await this.orders.findByIdentity({ id: p.order });
    if (!order) return local('dead', started, `order ${p.order} no longer exists`);
    if (order.omsOrderNumber) return order.omsOrderNumber;
    const number = `${settings.orderNumberPrefix}${p.orderId}`;
    const holder = await this.orders.findByIdentity({ omsOrderNumber: number });
    if (holder && holder.id !== order.id) return local('dead', started, `OMS order number ${number} already belongs to order ${holder.id}`);
    await this.orders.applyStatus({
      source: MARKET_API_SOURCE,
      identity: { id: order.id, omsOrderNumber: number },
      internalStatus: null,
      note: `OMS order number ${number} given to the Market order for IMSHOP tickets`,
    });
    return number;
  }

  @SendsDeliveries(MARKET_TARGETS.withdraw, { ordering: 'newest-wins', retrySchedule: MARKET_RETRY_SCHEDULE_MS })
  async withdrawTickets({ body: p, signal }: SendAttempt<WithdrawPayload>): Promise<SendResult> {
    return this.followUps.run(async () => {
      const started = Date.now();
      const { cancelled, failed } = await this.ticketWithdrawal.cancelOpenTicketsForOrder(p.omsOrderNumber, p.reason, signal);
      if (failed.length) return { ...local('retry', started, `IMSHOP did not withdraw ${failed.join(', ')}`), response: { cancelled, failed } };
      return { ...local('sent', started), response: { cancelled } };
    });
  }
}
