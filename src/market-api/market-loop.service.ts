import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Tx } from '../database/transaction';
import { Handles } from '../events/channels';
import { TicketReadsService } from '../imshop-tickets/ticket-reads.service';
import { MARKET_ORDER_NOTIFIED, type MarketOrderNotified } from '../market/market-order-notice';
import { ORDER_CHANGED } from '../orders/order-events';
import { alreadyKnows } from '../orders/order-source';
import { OrdersService, type OrderChanged } from '../orders/orders.service';
import type { DeliveryPayloads } from '../outbox/delivery-targets';
import { OutboxService } from '../outbox/outbox.service';
import { StatusMappingService } from '../status-mapping/status-mapping.service';
import { MarketApiClient } from './market-api.client';
import { MarketAutomationService, ticketsPossible, type AutomationSettings } from './market-automation.service';
import { MarketOrderDetailsService } from './market-order-details.service';
import {
  cancellationAnswer,
  MARKET_API_SOURCE,
  MARKET_TARGETS,
  marketStepsTo,
  type MarketStep,
  type MarketTarget,
  type OrderRef,
  withdrawalOf,
} from './market-targets';

export { cancellationAnswer, MARKET_API_SOURCE, MARKET_TARGETS } from './market-targets';

/**
 * The Market loop: what Market (or IMSHOP's store, for a Market order) must hear, decided in the transaction that
 * changed the order and written there as outbox deliveries, which MarketSendersService sends. Its steps, and where
 * each one ends:
 *
 * | Market says / the order does                  | step (delivery target)                                         | ends when |
 * | --------------------------------------------- | -------------------------------------------------------------- | --------- |
 * | ORDER_CREATED (or the pull finds a new order) | fetch its details (`market_fetch`)                             | they are stored on the order |
 * | PROCESSING/STARTED                            | prepare ticket (`imshop_prepare`): details if missing → buyer → OMS number → the store's ticket | IMSHOP created it; its `done` comes back as a ticket status |
 * | ORDER_CANCELLATION_REQUEST                    | answer it (`market_cancel`); accepted: cancel the order and withdraw its tickets | Market has the answer |
 * | the order changed, not by Market              | push the status (`market`), walking Market's path              | Market accepted each step |
 * | the order is cancelled, not by the loop       | withdraw its open tickets (`imshop_withdraw`)                  | IMSHOP took the cancel tickets |
 *
 * The steps' own writes to the order (details, the OMS number, an accepted cancellation: source `market_api`)
 * start nothing here: a step that needs a next one writes it itself (MarketSendersService.answerCancellation).
 */
@Injectable()
export class MarketLoopService implements OnModuleInit {
  private readonly logger = new Logger('MarketLoop');

  constructor(
    private readonly outbox: OutboxService,
    private readonly mappings: StatusMappingService,
    private readonly client: MarketApiClient,
    private readonly automation: MarketAutomationService,
    private readonly details: MarketOrderDetailsService,
    private readonly ticketReads: TicketReadsService,
    private readonly orders: OrdersService,
  ) {}

  onModuleInit(): void {
    if (!this.client.configured) this.logger.log('Market partner API is off (set MARKET_API_KEY): no status push, detail fetch or cancellation answers');
  }

  /** What Market said of one of its orders (a notification, or the reconciliation pull): the steps it starts. */
  @Handles(MARKET_ORDER_NOTIFIED)
  async onMarketNotice({ notified, tx }: { notified: MarketOrderNotified; tx: Tx }): Promise<void> {
    const { notice, change } = notified;
    const ref = this.refOf(change);
    if (!ref) return;
    const settings = await this.automation.forCampaign(ref.campaignId, tx);
    // A new order's details: on ORDER_CREATED, or when the pull caught an order whose ORDER_CREATED never came.
    if ((notice.kind === 'created' || (notified.via === 'pull' && change.created)) && settings.fetchDetails && settings.businessId) {
      if (!(await this.startedBefore(change, MARKET_TARGETS.details, tx)))
        this.write(tx, change, MARKET_TARGETS.details, { ...ref, businessId: settings.businessId });
    }
    switch (notice.kind) {
      case 'status':
        // Market confirmed the order and it may be assembled: PROCESSING/STARTED (or PROCESSING without a substatus).
        if (notice.status === 'PROCESSING' && (notice.substatus ?? 'STARTED') === 'STARTED' && change.statusChanged && change.order.status === 'PROCESSING') {
          await this.prepareTicket(tx, change, ref, settings);
        }
        return;
      case 'cancellation_requested':
        if (settings.answerCancellations && !(await this.startedBefore(change, MARKET_TARGETS.cancellation, tx))) {
          this.write(tx, change, MARKET_TARGETS.cancellation, {
            ...ref,
            ...cancellationAnswer(change.order.status),
            orderStatus: change.order.status,
            historyId: change.historyId,
          });
        }
        return;
      case 'created':
      case 'cancelled':
      case 'updated':
      case 'return':
        return;
    }
  }

  /** Any change of a Market order: its status to Market (unless Market knows it), and a cancelled order's tickets withdrawn. */
  @Handles(ORDER_CHANGED)
  async onOrderChanged({ change, tx }: { change: OrderChanged; tx: Tx }): Promise<void> {
    // The loop's own writes start nothing (see the table above).
    if (change.source === MARKET_API_SOURCE) return;
    const ref = this.refOf(change);
    if (!ref || !change.statusChanged) return;
    const settings = await this.automation.forCampaign(ref.campaignId, tx);
    const { order } = change;
    if (order.status === 'CANCELLED' && order.omsOrderNumber && (settings.prepareTicket || settings.answerCancellations)) {
      this.write(tx, change, MARKET_TARGETS.withdraw, withdrawalOf(order.id, order.omsOrderNumber));
    }
    if (settings.pushStatuses && !alreadyKnows('market', change.source)) await this.pushStatus(tx, change, ref);
  }

  /** The order's new status to Market: the steps of Market's path it requires and has not had go first, each a delivery of its own. */
  private async pushStatus(tx: Tx, change: OrderChanged, ref: OrderRef): Promise<void> {
    const mapped = await this.mappings.resolveOutbound('market', change.order.status, tx);
    if (!mapped) return;
    const reached: MarketStep[] = [];
    for (const status of await this.orders.statusesReachedBefore(change.order.id, change.historyId, tx)) {
      const step = await this.mappings.resolveOutbound('market', status, tx);
      if (step) reached.push({ status: step.code, substatus: step.substatus ?? null });
    }
    for (const step of marketStepsTo(reached, { status: mapped.code, substatus: mapped.substatus ?? null })) {
      this.write(tx, change, MARKET_TARGETS.status, { campaignId: ref.campaignId, orderId: ref.orderId, ...step });
    }
  }

  /** One prepare ticket per order: a release ticket that sends the order back to PROCESSING does not make another. */
  private async prepareTicket(tx: Tx, change: OrderChanged, ref: OrderRef, settings: AutomationSettings): Promise<void> {
    if (!ticketsPossible(settings)) return;
    if (await this.outbox.hasDelivery(tx, change.order.id, MARKET_TARGETS.ticket, { alive: true })) return;
    if (await this.startedBefore(change, MARKET_TARGETS.ticket, tx)) return;
    this.write(tx, change, MARKET_TARGETS.ticket, ref);
  }

  /**
   * A replayed event must not start again what the order already had started for it: a second answer to a
   * cancellation request (judged by the order's status now, not when the buyer asked), a second detail fetch,
   * a second store ticket. Any delivery of the target for the order, whatever its state (a dead one is retried
   * by an admin, not by a replay), or details already stored, or a ticket we created, counts. A replay whose
   * first application started nothing (a rule switched on since, say) does start it.
   */
  private async startedBefore(change: OrderChanged, target: MarketTarget, tx: Tx): Promise<boolean> {
    if (!change.replay) return false;
    if (await this.outbox.hasDelivery(tx, change.order.id, target)) return true;
    if (target === MARKET_TARGETS.details) return this.details.exists(change.order.id, tx);
    if (target === MARKET_TARGETS.ticket)
      return (await this.ticketReads.list({ orderId: change.order.id, type: 'prepare', limit: 50 })).items.some((ticket) => ticket.createdByUs);
    return false;
  }

  /** Our reference of a Market order, when the loop runs and the order is Market's. */
  private refOf(change: OrderChanged): OrderRef | null {
    const { order } = change;
    if (!this.client.configured || !order.marketOrderId || !order.marketCampaignId) return null;
    return { order: order.id, campaignId: order.marketCampaignId, orderId: order.marketOrderId };
  }

  private write<T extends MarketTarget>(tx: Tx, change: OrderChanged, target: T, payload: DeliveryPayloads[T]): void {
    this.outbox.write(tx, { orderId: change.order.id, target, changeSeq: change.historyId, internalStatus: change.order.status, payload });
  }
}
