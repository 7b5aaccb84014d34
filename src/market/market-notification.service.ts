import { boundedKey } from '../common/stored-text';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { packageVersion } from '../common/package-version';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { OrdersService, type StatusEvent } from '../orders/orders.service';
import type { MarketSuccessBody } from './market-answer';
import { MarketNotificationNotStored, MarketNotificationRefused } from './market-errors';
import { marketDedupeKey, marketEventTime, marketOrderRef, parseMarketNotification } from './market-notification.parser';
import { MarketRepository } from './market.repository';
import { GroupCommit } from '../common/group-commit';
import { currentRequestId, withRequestId } from '../logging/request-context';
import { boundEventTime, withNote, type EventTime } from '../common/event-time';

type Fields = Record<string, unknown>;

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

    const fields = parsed.dto as Fields;
    if (!parsed.known) this.logger.warn(`unknown Market notification type ${parsed.type}: stored as unhandled`);
    const eventTime = parsed.known ? this.eventTime(parsed.type, fields, new Date()) : null;
    try {
      return await this.intake.submit({
        type: parsed.type,
        known: parsed.known,
        fields,
        body,
        dedupeKey: boundedKeyOf(marketDedupeKey(parsed.type, fields)),
        orderRef: parsed.known ? marketOrderRef(parsed.type, fields) : null,
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
    return this.repository.transaction(async (manager) => {
      const firstOfKey = new Map<string, IncomingNotification>();
      for (const item of batch) if (!firstOfKey.has(item.dedupeKey)) firstOfKey.set(item.dedupeKey, item);
      const rows = [...firstOfKey.values()].sort((a, b) => compare(a.dedupeKey, b.dedupeKey));
      const newIds = await this.repository.insertNew(
        manager,
        rows.map((item) => ({
          dedupeKey: item.dedupeKey,
          type: item.type,
          known: item.known,
          outcome: item.known ? 'received' : 'unhandled',
          campaignId: item.orderRef?.campaignId ?? null,
          orderId: item.orderRef?.orderId ?? null,
          eventAt: item.eventAt,
          payload: item.body,
        })),
      );

      const outcomes = new Map<IncomingNotification, string>();
      const toApply = [...firstOfKey.values()].filter((item) => newIds.has(item.dedupeKey));
      toApply.sort((a, b) => compare(orderLockKey(a), orderLockKey(b)));
      const orderEvents: { item: IncomingNotification; event: StatusEvent }[] = [];
      for (const item of toApply) {
        const effect = item.known
          ? await withRequestId(item.requestId, () => this.effect(manager, item.type, item.fields, item.dedupeKey, item.eventAt, item.body))
          : 'unhandled';
        if (typeof effect === 'string') outcomes.set(item, effect);
        else orderEvents.push({ item, event: { ...effect, note: withNote(effect.note, item.eventTimeNote), requestId: item.requestId } });
      }
      // All of the batch's order changes in one applyStatusBatch: two statements, not two per notification.
      const applied = await this.orders.applyStatusBatch(orderEvents.map(({ event }) => event), manager);
      orderEvents.forEach(({ item }, i) => outcomes.set(item, applied[i].outcome));
      const known = toApply.filter((item) => item.known);
      await this.repository.recordOutcomes(
        manager,
        known.map((item) => ({ id: newIds.get(item.dedupeKey)!, outcome: outcomes.get(item)! })),
      );
      const repeats = new Map<string, number>();
      for (const item of batch) if (!outcomes.has(item)) repeats.set(item.dedupeKey, (repeats.get(item.dedupeKey) ?? 0) + 1);
      await this.repository.countRepeats(manager, repeats);
      return batch.map((item) => {
        const outcome = outcomes.get(item);
        return { answer: this.answer(), type: item.known ? item.type : UNKNOWN_TYPE_LABEL, duplicate: outcome === undefined, outcome: outcome ?? 'duplicate' };
      });
    });
  }

  /**
   * Replay (POST /admin/events/replay): the stored event's effect once more, through the same `apply` as
   * live traffic, in a transaction of its own. `historyKeyPrefix` makes the order-history dedupe key
   * differ from the original's (which already applied), so the replay applies once per prefix; the
   * latest-event-time-wins rule and the state machine hold as for live events. The event's time is bounded
   * by the time it was received, as it was then. Returns the outcome.
   */
  async reprocess(eventId: string, historyKeyPrefix: string): Promise<string> {
    return this.repository.transaction(async (manager) => {
      const event = await this.repository.findStored(manager, eventId);
      if (!event) throw new Error(`market event ${eventId} does not exist`);
      const parsed = parseMarketNotification(event.payload);
      if (!parsed.ok) throw new Error(`stored market event ${eventId} no longer parses: ${parsed.message}`);
      if (!parsed.known || !event.known) return 'unhandled';
      const fields = parsed.dto as Fields;
      const eventTime = this.eventTime(parsed.type, fields, new Date(event.receivedAt));
      const effect = await this.effect(manager, parsed.type, fields, event.dedupeKey, eventTime?.at ?? null, event.payload, historyKeyPrefix);
      if (typeof effect === 'string') return effect;
      return (await this.orders.applyStatus({ ...effect, note: withNote(effect.note, eventTime?.note), replay: true }, manager)).outcome;
    });
  }

  /** The notification's own time, unless Market's clock ran ahead of its receipt by more than the allowed skew. */
  private eventTime(type: string, fields: Fields, receivedAt: Date): EventTime | null {
    const claimed = marketEventTime(type, fields);
    return claimed ? boundEventTime(claimed, receivedAt, this.config.eventTimeMaxSkewMs) : null;
  }

  /**
   * What the notification does: the event to apply to its order, or the outcome when it touches no order.
   * A return's own record is written here, before its order is locked (as for every event in a batch).
   */
  private async effect(
    manager: EntityManager,
    type: string,
    f: Fields,
    dedupeKey: string,
    eventAt: Date | null,
    payload: unknown,
    historyKeyPrefix = '',
  ): Promise<StatusEvent | string> {
    const ref = marketOrderRef(type, f);
    if (!ref) return 'stored'; // chats, feedback, questions: kept in the inbox and listed by type
    const base: StatusEvent = {
      source: 'market',
      identity: { market: ref },
      dedupeKey: `${historyKeyPrefix}market:${dedupeKey}`,
      eventAt: eventAt ?? undefined,
      payload,
    };
    switch (type) {
      case 'ORDER_CREATED':
        return { ...base, internalStatus: 'NEW', items: f.items as never, note: 'order created on Market' };
      case 'ORDER_STATUS_UPDATED':
        return { ...base, externalCode: f.status as string, externalSubstatus: f.substatus as string };
      case 'ORDER_CANCELLED':
        return { ...base, internalStatus: 'CANCELLED', externalCode: 'CANCELLED', items: f.items as never };
      case 'ORDER_CANCELLATION_REQUEST':
        return { ...base, internalStatus: null, cancellationRequestedAt: eventAt ?? new Date(), note: 'buyer asked to cancel' };
      case 'ORDER_UPDATED':
        return { ...base, internalStatus: null, note: `order updated on Market: ${String(f.updateType)}` };
      case 'ORDER_RETURN_CREATED':
      case 'ORDER_RETURN_STATUS_UPDATED':
        await this.recordReturn(manager, type, f, eventAt);
        return { ...base, internalStatus: null, note: `return ${String(f.returnId)}: ${type}` };
      default:
        return 'stored';
    }
  }

  /** Keeps one row per return with its latest statuses; an older status update never overwrites a newer one. */
  private async recordReturn(manager: EntityManager, type: string, f: Fields, eventAt: Date | null): Promise<void> {
    const ref = { campaignId: f.campaignId, orderId: f.orderId, returnId: f.returnId };
    await this.repository.ensureReturn(manager, ref);
    if (type === 'ORDER_RETURN_CREATED') {
      await this.repository.setReturnCreated(manager, ref, { returnType: f.returnType, items: f.items, createdAtMarket: eventAt });
      return;
    }
    const statuses = (f.statuses ?? {}) as Fields;
    if (statuses.refundStatus !== undefined) await this.repository.setReturnStatus(manager, ref, 'refund', statuses.refundStatus, eventAt);
    if (statuses.shipmentStatus !== undefined) await this.repository.setReturnStatus(manager, ref, 'shipment', statuses.shipmentStatus, eventAt);
  }
}

interface IncomingNotification {
  type: string;
  known: boolean;
  fields: Fields;
  body: unknown;
  dedupeKey: string;
  orderRef: { campaignId: string; orderId: string } | null;
  eventAt: Date | null;
  /** Why eventAt is not Market's time (its clock ran ahead), for the order history. */
  eventTimeNote: string | undefined;
  requestId: string | undefined;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders are locked in this order within a batch (events without an order sort first and lock none). */
function orderLockKey(item: IncomingNotification): string {
  return item.orderRef ? `${item.orderRef.campaignId.padStart(20, '0')}:${item.orderRef.orderId.padStart(20, '0')}` : '';
}

/** A Market dedupe key that fits its column: past it, the key's type prefix and its hash. */
function boundedKeyOf(key: string): string {
  return boundedKey(key, MAX_KEY_LENGTH, `${key.slice(0, key.indexOf(':'))}:`);
}
