import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { packageVersion } from '../common/package-version';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Handles } from '../events/channels';
import { ORDER_DETAILS } from '../orders/order-events';
import type { Order } from '../orders/order.entity';
import { OrdersService, type StatusEvent } from '../orders/orders.service';
import { MarketProblem, type MarketSuccessBody } from './market-answer';
import { MarketEvent } from './market-event.entity';
import { marketDedupeKey, marketEventTime, marketOrderRef, parseMarketNotification } from './market-notification.parser';
import { MarketReturn } from './market-return.entity';
import type { ListMarketEventsQuery } from './dto/list-market-events.query';
import { pageOf } from '../common/page';
import { GroupCommit } from '../common/group-commit';
import { currentRequestId, withRequestId } from '../logging/request-context';
import { boundEventTime, withNote, type EventTime } from '../common/event-time';

type Fields = Record<string, unknown>;

/** Dedupe keys are indexed; a key longer than this (a long chat message id, say) is stored as its hash. */
const MAX_KEY_LENGTH = 400;

export interface MarketReceipt {
  answer: MarketSuccessBody;
  /** The notificationType, for metrics (known or not). */
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
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly orders: OrdersService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The admin view of an order lists its returns. */
  @Handles(ORDER_DETAILS, 'marketReturns')
  async returnsOf(order: Order): Promise<unknown> {
    if (!order.marketOrderId) return [];
    return this.dataSource.getRepository(MarketReturn).find({ where: { campaignId: order.marketCampaignId!, orderId: order.marketOrderId }, order: { id: 'ASC' } });
  }

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
    if (!parsed.ok) throw MarketProblem.wrongFormat(parsed.message);
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
        dedupeKey: boundedKey(marketDedupeKey(parsed.type, fields)),
        orderRef: parsed.known ? marketOrderRef(parsed.type, fields) : null,
        eventAt: eventTime?.at ?? null,
        eventTimeNote: eventTime?.note,
        requestId: currentRequestId(),
      });
    } catch (error) {
      this.logger.error(`Market ${parsed.type} not stored: ${(error as Error).message}`);
      throw new MarketProblem(500, 'UNKNOWN', 'the notification was not stored; please retry');
    }
  }

  /**
   * One transaction for a batch of notifications: one multi-row inbox insert (the dedupe gate), the
   * effect of each new one on its order, one statement for the outcomes, and one for repeats' counts.
   * Keys are inserted and orders locked in a fixed order, so two batches wait on each other in the same
   * order and never in a cycle.
   */
  private storeBatch(batch: IncomingNotification[]): Promise<MarketReceipt[]> {
    return this.dataSource.transaction(async (manager) => {
      const firstOfKey = new Map<string, IncomingNotification>();
      for (const item of batch) if (!firstOfKey.has(item.dedupeKey)) firstOfKey.set(item.dedupeKey, item);
      const rows = [...firstOfKey.values()].sort((a, b) => compare(a.dedupeKey, b.dedupeKey));
      const inserted = (await manager.query(
        `INSERT INTO market_events (dedupe_key, notification_type, known, outcome, campaign_id, order_id, event_at, payload)
         SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::boolean[], $4::varchar[], $5::bigint[], $6::bigint[], $7::timestamptz[], $8::jsonb[])
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key`,
        [
          rows.map((item) => item.dedupeKey),
          rows.map((item) => item.type),
          rows.map((item) => item.known),
          rows.map((item) => (item.known ? 'received' : 'unhandled')),
          rows.map((item) => item.orderRef?.campaignId ?? null),
          rows.map((item) => item.orderRef?.orderId ?? null),
          rows.map((item) => item.eventAt),
          rows.map((item) => JSON.stringify(item.body)),
        ],
      )) as { id: string; dedupe_key: string }[];
      const newIds = new Map(inserted.map((row) => [row.dedupe_key, row.id]));

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
      if (known.length > 0) {
        await manager.query(
          `UPDATE market_events e SET outcome = v.outcome FROM unnest($1::bigint[], $2::varchar[]) AS v(id, outcome) WHERE e.id = v.id`,
          [known.map((item) => newIds.get(item.dedupeKey)), known.map((item) => outcomes.get(item))],
        );
      }
      const repeats = new Map<string, number>();
      for (const item of batch) if (!outcomes.has(item)) repeats.set(item.dedupeKey, (repeats.get(item.dedupeKey) ?? 0) + 1);
      if (repeats.size > 0) {
        await manager.query(
          `UPDATE market_events e SET duplicate_count = e.duplicate_count + v.n, last_duplicate_at = now()
           FROM unnest($1::varchar[], $2::int[]) AS v(dedupe_key, n) WHERE e.dedupe_key = v.dedupe_key`,
          [[...repeats.keys()], [...repeats.values()]],
        );
      }
      return batch.map((item) => {
        const outcome = outcomes.get(item);
        return { answer: this.answer(), type: item.type, duplicate: outcome === undefined, outcome: outcome ?? 'duplicate' };
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
    return this.dataSource.transaction(async (manager) => {
      const [event] = (await manager.query('SELECT dedupe_key, known, payload, received_at FROM market_events WHERE id = $1', [eventId])) as {
        dedupe_key: string;
        known: boolean;
        payload: unknown;
        received_at: Date;
      }[];
      if (!event) throw new Error(`market event ${eventId} does not exist`);
      const parsed = parseMarketNotification(event.payload);
      if (!parsed.ok) throw new Error(`stored market event ${eventId} no longer parses: ${parsed.message}`);
      if (!parsed.known || !event.known) return 'unhandled';
      const fields = parsed.dto as Fields;
      const eventTime = this.eventTime(parsed.type, fields, new Date(event.received_at));
      const effect = await this.effect(manager, parsed.type, fields, event.dedupe_key, eventTime?.at ?? null, event.payload, historyKeyPrefix);
      if (typeof effect === 'string') return effect;
      return (await this.orders.applyStatus({ ...effect, note: withNote(effect.note, eventTime?.note), replay: true }, manager)).outcome;
    });
  }

  /** The notification's own time, unless Market's clock ran ahead of its receipt by more than the allowed skew. */
  private eventTime(type: string, fields: Fields, receivedAt: Date): EventTime | null {
    const claimed = marketEventTime(type, fields);
    return claimed ? boundEventTime(claimed, receivedAt, this.config.eventTimeMaxSkewMs) : null;
  }

  async listEvents(query: ListMarketEventsQuery) {
    const qb = this.dataSource.getRepository(MarketEvent).createQueryBuilder('e').orderBy('e.id', 'DESC');
    if (query.type) qb.andWhere('e.notification_type = :type', { type: query.type });
    if (query.orderId) qb.andWhere('e.order_id = :orderId', { orderId: query.orderId });
    if (query.campaignId) qb.andWhere('e.campaign_id = :campaignId', { campaignId: query.campaignId });
    if (query.since) qb.andWhere('e.received_at >= :since', { since: new Date(query.since) });
    if (query.until) qb.andWhere('e.received_at < :until', { until: new Date(query.until) });
    return pageOf(qb, query);
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
    await manager.query(
      `INSERT INTO market_returns (campaign_id, order_id, return_id) VALUES ($1, $2, $3)
       ON CONFLICT (campaign_id, return_id) DO NOTHING`,
      [f.campaignId, f.orderId, f.returnId],
    );
    if (type === 'ORDER_RETURN_CREATED') {
      await manager.query(
        `UPDATE market_returns SET return_type = $3, items = $4, created_at_market = $5 WHERE campaign_id = $1 AND return_id = $2`,
        [f.campaignId, f.returnId, f.returnType ?? null, JSON.stringify(f.items ?? null), eventAt],
      );
      return;
    }
    const statuses = (f.statuses ?? {}) as Fields;
    for (const [field, column] of [
      ['refundStatus', 'refund_status'],
      ['shipmentStatus', 'shipment_status'],
    ] as const) {
      if (statuses[field] === undefined) continue;
      await manager.query(
        `UPDATE market_returns SET ${column} = $3, ${column}_at = $4
         WHERE campaign_id = $1 AND return_id = $2 AND (${column}_at IS NULL OR ${column}_at <= $4)`,
        [f.campaignId, f.returnId, statuses[field], eventAt],
      );
    }
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

function boundedKey(key: string): string {
  if (key.length <= MAX_KEY_LENGTH) return key;
  return `${key.slice(0, key.indexOf(':'))}:sha256:${createHash('sha256').update(key).digest('hex')}`;
}
