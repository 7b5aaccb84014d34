import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Handles } from '../events/channels';
import { TicketReadsService } from '../imshop-tickets/ticket-reads.service';
import { ORDER_CHANGED, type OrderChange } from '../orders/order-events';
import { OrdersService, type ApplyResult, type StatusEvent } from '../orders/orders.service';
import type { DeliveryPayloads } from '../outbox/delivery-targets';
import { OutboxService } from '../outbox/outbox.service';
import { StatusMappingService } from '../status-mapping/status-mapping.service';
import { MarketApiClient } from './market-api.client';
import { MarketAutomationService, ticketsPossible } from './market-automation.service';
import { MarketOrderDetailsService } from './market-order-details.service';
import {
  cancellationAnswer,
  MARKET_SOURCES,
  MARKET_TARGETS,
  marketStepsTo,
  type MarketStep,
  type CancellationPayload,
  type DetailsPayload,
  type MarketTarget,
  type OrderRef,
  type StatusPushPayload,
  type TicketPayload,
  type WithdrawPayload,
} from './market-targets';

export { cancellationAnswer, MARKET_API_SOURCE, MARKET_TARGETS } from './market-targets';

/**
 * Closes the loop with Yandex Market. Inside the transaction of every order change it decides what Market (or
 * IMSHOP, for Market orders) must hear of it and writes outbox deliveries, which MarketSendersService sends:
 *
 * - our status changes → `PUT …/status` through the outbound `market` mapping rows (never a change that came from Market);
 * - ORDER_CREATED → details fetched (`POST v1/businesses/{businessId}/orders`) onto the order;
 * - PROCESSING/STARTED → an IMSHOP prepare ticket in the campaign's store (its `done` maps to READY_TO_SHIP, pushed as above);
 * - a buyer's cancellation request → accepted before shipping (order CANCELLED, tickets withdrawn), refused after.
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
        ticketsPossible(settings) &&
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
      if (this.startsAssembly(result, event) && ticketsPossible(settings) && !(await this.hasPrepareDelivery(order.id))) {
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
        // Market's statuses are a path: a step it requires and has not had goes first, each a delivery of its own.
        const reached: MarketStep[] = [];
        for (const status of await this.orders.statusesReachedBefore(order.id, result.historyId, manager)) {
          const step = await this.mappings.resolveOutbound('market', status, manager);
          if (step) reached.push({ status: step.code, substatus: step.substatus ?? null });
        }
        for (const step of marketStepsTo(reached, { status: mapped.code, substatus: mapped.substatus ?? null })) {
          await write(MARKET_TARGETS.status, { campaignId: ref.campaignId, orderId: ref.orderId, ...step } satisfies StatusPushPayload);
        }
      }
    }
  }

  /** Market says the order was confirmed and may be assembled: PROCESSING/STARTED (or PROCESSING without a substatus). */
  private startsAssembly(result: ApplyResult, event: StatusEvent): boolean {
    return result.statusChanged && result.order.status === 'PROCESSING' && event.externalCode === 'PROCESSING' && (event.externalSubstatus ?? 'STARTED') === 'STARTED';
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
    if (target === MARKET_TARGETS.details) return this.details.exists(orderId, manager);
    if (target === MARKET_TARGETS.ticket) return (await this.ticketReads.list({ orderId, type: 'prepare', limit: 50 })).items.some((ticket) => ticket.createdByUs);
    return false;
  }

  /** One automatic prepare ticket per order: a release ticket that sends the order back to PROCESSING does not make another. */
  private async hasPrepareDelivery(orderId: string): Promise<boolean> {
    return this.outbox.hasDelivery(orderId, MARKET_TARGETS.ticket, { alive: true });
  }
}

function notificationType(event: StatusEvent): string | undefined {
  const type = (event.payload as { notificationType?: unknown } | null | undefined)?.notificationType;
  return typeof type === 'string' ? type : undefined;
}
