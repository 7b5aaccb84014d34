import { Inject, Injectable, Logger } from '@nestjs/common';
import { boundEventTime, withNote, type EventTime } from '../common/event-time';
import { GroupCommit } from '../common/group-commit';
import { packageVersion } from '../common/package-version';
import { boundedKey } from '../common/stored-text';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import type { Tx } from '../database/transaction';
import { Channels } from '../events/channels';
import { currentRequestId, withRequestId } from '../logging/request-context';
import { OrdersService, type ApplyResult, type StatusEvent } from '../orders/orders.service';
import type { MarketSuccessBody } from './market-answer';
import type { OrderItem } from '../orders/order-view';
import type { NotificationOrderItemDTO } from './dto';
import { MarketNotificationNotStored, MarketNotificationRefused } from './market-errors';
import {
  marketDedupeKey,
  marketEventTime,
  marketOrderRef,
  parseMarketNotification,
  type KnownMarketNotification,
  type MarketNotification,
} from './market-notification.parser';
import { MARKET_ORDER_NOTIFIED, type MarketOrderNotice } from './market-order-notice';
import { MarketRepository } from './market.repository';
import { lockOrder } from '../common/lock-order';

/** What a known notification does: a status event for its order with Market's notice of it, or nothing to apply. */
type Effect = { event: StatusEvent; notice: MarketOrderNotice } | 'stored';

/** The metric label of every notificationType this code does not know. */
const UNKNOWN_TYPE_LABEL = 'unknown';

/** Dedupe keys are indexed; a key longer than this (a long chat message id, say) is stored as its hash. */
const MAX_KEY_LENGTH = 400;

export interface MarketReceipt {
  answer: MarketSuccessBody;
  /**
   * The notificationType as a metric label: a type this code knows, or `unknown` (stored as it came, but a label
   * per made-up type would grow the metrics without bound).
   */
  type: string;
  duplicate: boolean;
  outcome: string;
}

@Injectable()
export class MarketNotificationService {
  private readonly logger = new Logger('Market');
  private readonly version = packageVersion();
  private readonly intake = new GroupCommit((batch: IncomingNotification[]) => this.storeBatch(batch), { maxBatch: 64, maxInFlight: 2 });

  constructor(
    private readonly repository: MarketRepository,
    private readonly orders: OrdersService,
    private readonly channels: Channels,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  answer(): MarketSuccessBody {
    return { version: this.version, name: this.config.marketIntegrationName, time: new Date().toISOString() };
  }

  /**
   * Validates, then stores the notification and its effect on the order in one transaction, and only
   * then answers 200. A repeat of a stored event answers 200 and only counts the re-delivery.
   * Concurrent notifications share that transaction (group commit: see storeBatch).
   */
  async receive(body: unknown): Promise<MarketReceipt> {
    const parsed = parseMarketNotification(body);
    if (!parsed.ok) throw new MarketNotificationRefused(parsed.message);
    // PING checks that we are reachable within Market's 1 s deadline: it must not wait on the database.
    if (parsed.type === 'PING') return { answer: this.answer(), type: 'PING', duplicate: false, outcome: 'ping' };

    const notification: MarketNotification = parsed;
    if (!notification.known) this.logger.warn(`unknown Market notification type ${notification.type}: stored as unhandled`);
    const eventTime = this.eventTime(notification, new Date());
    try {
      return await this.intake.submit({
        notification,
        body,
        dedupeKey: boundedKeyOf(marketDedupeKey(notification)),
        orderRef: marketOrderRef(notification),
        eventAt: eventTime?.at ?? null,
        eventTimeNote: eventTime?.note,
        requestId: currentRequestId(),
      });
    } catch (error) {
      this.logger.error(`Market ${parsed.type} not stored: ${(error as Error).message}`);
      throw new MarketNotificationNotStored('the notification was not stored; please retry', { cause: error });
    }
  }

  /**
   * One transaction for a batch of notifications: one multi-row inbox insert (the dedupe gate), the
   * effect of each new one on its order, one statement for the outcomes, and one for repeats' counts.
   * Keys are inserted and orders locked in a fixed order, so two batches wait on each other in the same
   * order and never in a cycle.
   */
  private storeBatch(batch: IncomingNotification[]): Promise<MarketReceipt[]> {
    return this.repository.transaction(async (tx) => {
      const firstOfKey = new Map<string, IncomingNotification>();
      for (const item of batch) if (!firstOfKey.has(item.dedupeKey)) firstOfKey.set(item.dedupeKey, item);
      const rows = [...firstOfKey.values()].sort((a, b) => lockOrder(a.dedupeKey, b.dedupeKey));
      const newIds = await this.repository.insertNew(
        tx.manager,
        rows.map((item) => ({
          dedupeKey: item.dedupeKey,
          type: item.notification.type,
          known: item.notification.known,
          outcome: item.notification.known ? 'received' : 'unhandled',
          campaignId: item.orderRef?.campaignId ?? null,
          orderId: item.orderRef?.orderId ?? null,
          eventAt: item.eventAt,
          payload: item.body,
        })),
      );

      const outcomes = new Map<IncomingNotification, string>();
      const toApply = [...firstOfKey.values()].filter((item) => newIds.has(item.dedupeKey));
      toApply.sort((a, b) => lockOrder(orderLockKey(a), orderLockKey(b)));
      const orderEvents: { item: IncomingNotification; event: StatusEvent; notice: MarketOrderNotice }[] = [];
      for (const item of toApply) {
        const { notification } = item;
        const effect = notification.known
          ? await withRequestId(item.requestId, () => this.effect(tx, notification, item.dedupeKey, item.eventAt, item.body))
          : 'unhandled';
        if (typeof effect === 'string') outcomes.set(item, effect);
        else
          orderEvents.push({
            item,
            notice: effect.notice,
            event: { ...effect.event, note: withNote(effect.event.note, item.eventTimeNote), requestId: item.requestId },
          });
      }
      // All of the batch's order changes in one applyStatusBatch: two statements, not two per notification.
      const applied = await this.orders.applyStatusBatch(
        orderEvents.map(({ event }) => event),
        tx,
      );
      for (const [i, { item, notice }] of orderEvents.entries()) {
        outcomes.set(item, applied[i].outcome);
        await withRequestId(item.requestId, () => this.tellWhatMarketSaid(tx, notice, item.eventAt, applied[i]));
      }
      const known = toApply.filter((item) => item.notification.known);
      await this.repository.recordOutcomes(
        tx.manager,
        known.map((item) => ({ id: newIds.get(item.dedupeKey)!, outcome: outcomes.get(item)! })),
      );
      const repeats = new Map<string, number>();
      for (const item of batch) if (!outcomes.has(item)) repeats.set(item.dedupeKey, (repeats.get(item.dedupeKey) ?? 0) + 1);
      await this.repository.countRepeats(tx.manager, repeats);
      return batch.map((item) => {
        const outcome = outcomes.get(item);
        return {
          answer: this.answer(),
          type: item.notification.known ? item.notification.type : UNKNOWN_TYPE_LABEL,
          duplicate: outcome === undefined,
          outcome: outcome ?? 'duplicate',
        };
      });
    });
  }

  /** Who acts on what Market says (the Market loop) hears of a notice that changed its order, in the same transaction. */
  private async tellWhatMarketSaid(tx: Tx, notice: MarketOrderNotice, at: Date | null, applied: ApplyResult): Promise<void> {
    if (applied.change)
      await this.channels.publish(MARKET_ORDER_NOTIFIED, { notified: { notice, via: 'notification', at: at ?? new Date(), change: applied.change }, tx });
  }

  /**
   * Replay (POST /admin/events/replay): the stored event's effect once more, through the same `apply` as
   * live traffic, in a transaction of its own. `historyKeyPrefix` makes the order-history dedupe key
   * differ from the original's (which already applied), so the replay applies once per prefix; the
   * latest-event-time-wins rule and the state machine hold as for live events. The event's time is bounded
   * by the time it was received, as it was then. Returns the outcome.
   */
  async reprocess(eventId: string, historyKeyPrefix: string): Promise<string> {
    return this.repository.transaction(async (tx) => {
      const event = await this.repository.findStored(tx.manager, eventId);
      if (!event) throw new Error(`market event ${eventId} does not exist`);
      const parsed = parseMarketNotification(event.payload);
      if (!parsed.ok) throw new Error(`stored market event ${eventId} no longer parses: ${parsed.message}`);
      if (!parsed.known || !event.known) return 'unhandled';
      const notification: KnownMarketNotification = parsed;
      const eventTime = this.eventTime(notification, new Date(event.receivedAt));
      const effect = await this.effect(tx, notification, event.dedupeKey, eventTime?.at ?? null, event.payload, historyKeyPrefix);
      if (typeof effect === 'string') return effect;
      const applied = await this.orders.applyStatus({ ...effect.event, note: withNote(effect.event.note, eventTime?.note), replay: true }, tx);
      await this.tellWhatMarketSaid(tx, effect.notice, eventTime?.at ?? null, applied);
      return applied.outcome;
    });
  }

  /** The notification's own time, unless Market's clock ran ahead of its receipt by more than the allowed skew. */
  private eventTime(notification: MarketNotification, receivedAt: Date): EventTime | null {
    const claimed = marketEventTime(notification);
    return claimed ? boundEventTime(claimed, receivedAt, this.config.eventTimeMaxSkewMs) : null;
  }

  /**
   * What the notification does: the event to apply to its order with Market's notice of it, or nothing to apply
   * (chats, feedback, questions are kept in the inbox and listed by type). A return's own record is written here,
   * before its order is locked (as for every event in a batch).
   */
  private async effect(
    tx: Tx,
    notification: KnownMarketNotification,
    dedupeKey: string,
    eventAt: Date | null,
    payload: unknown,
    historyKeyPrefix = '',
  ): Promise<Effect> {
    const ref = marketOrderRef(notification);
    const base = (): StatusEvent => ({
      source: 'market',
      identity: { market: ref! },
      dedupeKey: `${historyKeyPrefix}market:${dedupeKey}`,
      eventAt: eventAt ?? undefined,
      payload,
    });
    switch (notification.type) {
      case 'ORDER_CREATED':
        return {
          event: { ...base(), internalStatus: 'NEW', items: orderItemsFromNotification(notification.dto.items), note: 'order created on Market' },
          notice: { kind: 'created' },
        };
      case 'ORDER_STATUS_UPDATED': {
        const { status, substatus } = notification.dto;
        return { event: { ...base(), externalCode: status, externalSubstatus: substatus }, notice: { kind: 'status', status, substatus } };
      }
      case 'ORDER_CANCELLED':
        return {
          event: { ...base(), internalStatus: 'CANCELLED', externalCode: 'CANCELLED', items: orderItemsFromNotification(notification.dto.items) },
          notice: { kind: 'cancelled' },
        };
      case 'ORDER_CANCELLATION_REQUEST':
        return {
          event: { ...base(), internalStatus: null, cancellationRequestedAt: eventAt ?? new Date(), note: 'buyer asked to cancel' },
          notice: { kind: 'cancellation_requested' },
        };
      case 'ORDER_UPDATED':
        return { event: { ...base(), internalStatus: null, note: `order updated on Market: ${notification.dto.updateType}` }, notice: { kind: 'updated' } };
      case 'ORDER_RETURN_CREATED':
        await this.repository.ensureReturn(tx.manager, notification.dto);
        await this.repository.setReturnCreated(tx.manager, notification.dto, {
          returnType: notification.dto.returnType,
          items: notification.dto.items,
          createdAtMarket: eventAt,
        });
        return { event: { ...base(), internalStatus: null, note: `return ${notification.dto.returnId}: ${notification.type}` }, notice: { kind: 'return' } };
      case 'ORDER_RETURN_STATUS_UPDATED': {
        // One row per return keeps its latest statuses; an older status update never overwrites a newer one.
        const { statuses } = notification.dto;
        await this.repository.ensureReturn(tx.manager, notification.dto);
        if (statuses.refundStatus !== undefined) await this.repository.setReturnStatus(tx.manager, notification.dto, 'refund', statuses.refundStatus, eventAt);
        if (statuses.shipmentStatus !== undefined)
          await this.repository.setReturnStatus(tx.manager, notification.dto, 'shipment', statuses.shipmentStatus, eventAt);
        return { event: { ...base(), internalStatus: null, note: `return ${notification.dto.returnId}: ${notification.type}` }, notice: { kind: 'return' } };
      }
      case 'PING':
      case 'GOODS_FEEDBACK_CREATED':
      case 'GOODS_FEEDBACK_COMMENT_CREATED':
      case 'CHAT_CREATED':
      case 'CHAT_MESSAGE_SENT':
      case 'CHAT_ARBITRAGE_STARTED':
      case 'CHAT_ARBITRAGE_FINISHED':
      case 'QUESTION_CREATED':
      case 'QUESTION_ANSWER_CREATED':
      case 'QUESTION_COMMENT_CREATED':
        return 'stored';
    }
  }
}

interface IncomingNotification {
  notification: MarketNotification;
  body: unknown;
  dedupeKey: string;
  orderRef: { campaignId: string; orderId: string } | null;
  eventAt: Date | null;
  /** Why eventAt is not Market's time (its clock ran ahead), for the order history. */
  eventTimeNote: string | undefined;
  requestId: string | undefined;
}

/** Orders are locked in this order within a batch (events without an order sort first and lock none). */
function orderLockKey(item: IncomingNotification): string {
  return item.orderRef ? `${item.orderRef.campaignId.padStart(20, '0')}:${item.orderRef.orderId.padStart(20, '0')}` : '';
}

/** A notification's lines as the order's items: Market tells only the SKU and the count here (prices come with the details). */
function orderItemsFromNotification(items: NotificationOrderItemDTO[]): OrderItem[] {
  return items.map((item) => ({ sku: item.offerId, name: null, count: item.count, price: null, total: null }));
}

/** A Market dedupe key that fits its column: past it, the key's type prefix and its hash. */
function boundedKeyOf(key: string): string {
  return boundedKey(key, MAX_KEY_LENGTH, `${key.slice(0, key.indexOf(':'))}:`);
}
