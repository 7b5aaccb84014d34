import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { MetricsService } from '../metrics/metrics.service';
import { StatusMappingService } from '../status-mapping/status-mapping.service';
import { ListOrdersQuery } from './dto/order.dto';
import { HistoryOutcome, OrderHistoryEntry } from './order-history.entity';
import { checkTransition, OrderStatus } from './order-status';
import { Order, OrderItem } from './order.entity';
import { pageOf, type Page } from '../common/page';

/** The external identities an event can name its order by; at least one is required. */
export interface OrderIdentity {
  /** Our own id: names an existing order only, never creates one. */
  id?: string;
  omsOrderNumber?: string;
  imshopUuid?: string;
  market?: { campaignId: string; orderId: string };
}

export interface StatusEvent {
  /** Who reports it: market, market_poll, imshop_ticket, imshop_app, oms, admin. */
  source: string;
  /** Mapping table source, when it differs from `source` (market_poll reads the market rows). */
  mappingSource?: string;
  identity: OrderIdentity;
  /** Unique per event: a repeat is recognised and changes nothing. */
  dedupeKey?: string;
  /** When the event happened at the source; defaults to now. */
  eventAt?: Date;
  externalCode?: string;
  externalSubstatus?: string;
  ticketType?: string;
  /** Set to skip the mapping table (admin, or a caller that resolved it); null = no status change. */
  internalStatus?: OrderStatus | null;
  /** Admin only: bypass the state machine. */
  override?: boolean;
  trackingNumber?: string;
  trackingUrl?: string;
  items?: OrderItem[];
  cancellationRequestedAt?: Date;
  /**
   * A message to pass on to outbound targets exactly as given, whatever the outcome (the retailer's
   * OMS reports its own codes; we relay them reliably rather than re-deriving them).
   */
  relay?: Record<string, unknown>;
  payload?: unknown;
  note?: string;
}

export interface ApplyResult {
  duplicate: boolean;
  created: boolean;
  outcome: HistoryOutcome | 'duplicate';
  statusChanged: boolean;
  order: Order;
  fromStatus: OrderStatus | null;
  historyId?: string;
  reason?: string;
  /** The mapping row said this code deserves an operator's attention. */
  attention?: boolean;
}

/** Adds a named section to the admin view of an order (another module's records about it). */
export type OrderDetailSection = (order: Order) => Promise<unknown>;

/** Called inside the transaction of every applied (non-duplicate) event; the outbox writes its rows here. */
export type StatusChangeListener = (change: ApplyResult, event: StatusEvent, manager: EntityManager) => Promise<void>;

@Injectable()
export class OrdersService {
  private readonly listeners: StatusChangeListener[] = [];
  private readonly detailSections = new Map<string, OrderDetailSection>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly mappings: StatusMappingService,
    private readonly metrics: MetricsService,
  ) {}

  onApplied(listener: StatusChangeListener): void {
    this.listeners.push(listener);
  }

  addDetailSection(name: string, section: OrderDetailSection): void {
    this.detailSections.set(name, section);
  }

  /**
   * The one way an order's status changes. In one transaction, with the order row locked:
   * dedupe by key, resolve the code through the mapping table, skip events older than the last
   * applied one, enforce the state machine, and write a history row whatever the outcome.
   * Pass `manager` to join a caller's transaction (e.g. an inbox insert that must commit with it).
   */
  async applyStatus(event: StatusEvent, manager?: EntityManager): Promise<ApplyResult> {
    if (!manager) return this.dataSource.transaction((tx) => this.applyStatus(event, tx));

    const { order, created } = await this.lockOrCreate(manager, event.identity);
    if (event.dedupeKey) {
      const seen = await manager.query('SELECT 1 FROM order_history WHERE dedupe_key = $1', [event.dedupeKey]);
      if (seen.length > 0) {
        return { duplicate: true, created: false, outcome: 'duplicate', statusChanged: false, order, fromStatus: order.status };
      }
    }

    const eventAt = event.eventAt ?? new Date();
    let target: OrderStatus | null;
    let outcome: HistoryOutcome;
    let reason: string | undefined;
    let attention = false;
    if (event.internalStatus !== undefined) {
      target = event.internalStatus;
      outcome = target === null ? 'info' : 'applied';
    } else if (event.externalCode !== undefined) {
      const resolved = await this.mappings.resolveInbound({
        source: event.mappingSource ?? event.source,
        code: event.externalCode,
        substatus: event.externalSubstatus,
        ticketType: event.ticketType,
      }, manager);
      target = resolved.internalStatus;
      attention = resolved.mapping?.attention ?? false;
      outcome = resolved.mapping === null ? 'unmapped' : target === null ? 'info' : 'applied';
      if (resolved.mapping === null) {
        reason = `no mapping row for ${event.mappingSource ?? event.source} code ${describeCode(event)}`;
        this.metrics.mappingMisses.inc({ source: event.mappingSource ?? event.source });
      }
    } else {
      target = null;
      outcome = 'info';
    }

    const fromStatus = created ? null : order.status;
    const stale = !created && order.statusEventAt !== null && eventAt < order.statusEventAt;
    if (target !== null) {
      if (stale && !event.override) {
        outcome = 'stale';
        reason = `event time ${eventAt.toISOString()} is older than the last applied status (${order.statusEventAt!.toISOString()})`;
      } else if (!created && target === order.status) {
        outcome = 'unchanged';
      } else if (!created) {
        const verdict = checkTransition(order.status, target);
        if (!verdict.allowed && !event.override) {
          outcome = 'rejected';
          reason = verdict.reason;
        }
      }
    }

    const statusChanged = outcome === 'applied';
    if (statusChanged) {
      order.status = target!;
      order.statusSource = event.source;
      order.sourceStatus = event.externalCode ?? null;
      order.sourceSubstatus = event.externalSubstatus ?? null;
    }
    if (statusChanged || outcome === 'unchanged') {
      if (!order.statusEventAt || eventAt > order.statusEventAt) order.statusEventAt = eventAt;
    }
    if (!stale) {
      if (event.trackingNumber !== undefined) order.trackingNumber = event.trackingNumber;
      if (event.trackingUrl !== undefined) order.trackingUrl = event.trackingUrl;
      if (event.items !== undefined) order.items = event.items;
      if (event.cancellationRequestedAt !== undefined) order.cancellationRequestedAt = event.cancellationRequestedAt;
    }
    const saved = await this.writeOrder(manager, order);
    const [history] = (await manager.query(
      `INSERT INTO order_history (order_id, source, dedupe_key, outcome, from_status, to_status, external_code, external_substatus, event_at, note, payload)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      [
        saved.id,
        event.source,
        event.dedupeKey ?? null,
        outcome,
        fromStatus,
        target,
        event.externalCode ?? null,
        event.externalSubstatus ?? null,
        eventAt,
        truncate([event.override && statusChanged ? 'admin override' : undefined, reason, event.note].filter(Boolean).join('; ')),
        event.payload === undefined || event.payload === null ? null : JSON.stringify(event.payload),
      ],
    )) as { id: string }[];

    const result: ApplyResult = {
      duplicate: false,
      created,
      outcome,
      statusChanged,
      order: saved,
      fromStatus,
      historyId: history.id,
      reason,
      attention,
    };
    for (const listener of this.listeners) await listener(result, event, manager);
    return result;
  }

  async findById(id: string): Promise<Order & { history: OrderHistoryEntry[] }> {
    const order = await this.dataSource.getRepository(Order).findOneBy({ id });
    if (!order) throw new NotFoundException(`order ${id} does not exist`);
    const history = await this.dataSource.getRepository(OrderHistoryEntry).find({ where: { orderId: id }, order: { id: 'ASC' } });
    const sections: Record<string, unknown> = {};
    for (const [name, section] of this.detailSections) sections[name] = await section(order);
    return Object.assign(order, { history }, sections);
  }

  async findByIdentity(identity: OrderIdentity, manager: EntityManager = this.dataSource.manager): Promise<Order | null> {
    const { clause, params } = identityClause(identity);
    const rows = await manager.getRepository(Order).createQueryBuilder('o').where(clause, params).orderBy('o.created_at', 'ASC').limit(1).getMany();
    return rows[0] ?? null;
  }

  async list(query: ListOrdersQuery): Promise<Page<Order>> {
    const qb = this.dataSource.getRepository(Order).createQueryBuilder('o').orderBy('o.updated_at', 'DESC').addOrderBy('o.id', 'ASC');
    if (query.status) qb.andWhere('o.status = :status', { status: query.status });
    if (query.source) {
      qb.andWhere('EXISTS (SELECT 1 FROM order_history h WHERE h.order_id = o.id AND h.source = :source)', { source: query.source });
    }
    if (query.externalId) {
      qb.andWhere(
        '(o.oms_order_number = :externalId OR o.imshop_uuid = :externalId OR o.market_order_id::text = :externalId)',
        { externalId: query.externalId },
      );
    }
    return pageOf(qb, query);
  }

  /**
   * Finds the order by any identity and locks it; creates it when missing. Concurrent creators of the
   * same order meet at the unique indexes: the loser's insert does nothing and it locks the winner's row.
   */
  private async lockOrCreate(manager: EntityManager, identity: OrderIdentity): Promise<{ order: Order; created: boolean }> {
    const existing = await this.lockByIdentity(manager, identity);
    if (existing) return { order: this.mergeIdentity(existing, identity), created: false };
    if (identity.id) throw new NotFoundException(`order ${identity.id} does not exist`);
    const inserted: { id: string }[] = await manager.query(
      `INSERT INTO orders (oms_order_number, imshop_uuid, market_campaign_id, market_order_id, status, version)
       VALUES ($1, $2, $3, $4, 'UNKNOWN', 1) ON CONFLICT DO NOTHING RETURNING id`,
      [identity.omsOrderNumber ?? null, identity.imshopUuid ?? null, identity.market?.campaignId ?? null, identity.market?.orderId ?? null],
    );
    const order = await this.lockByIdentity(manager, inserted.length ? { id: inserted[0].id } : identity);
    if (!order) throw new Error('order vanished between insert and lock');
    return { order: this.mergeIdentity(order, identity), created: inserted.length > 0 };
  }

  private async lockByIdentity(manager: EntityManager, identity: OrderIdentity): Promise<Order | null> {
    const { clause, params } = identityClause(identity);
    return manager
      .getRepository(Order)
      .createQueryBuilder('o')
      .setLock('pessimistic_write')
      .where(clause, params)
      .orderBy('o.created_at', 'ASC')
      .limit(1)
      .getOne();
  }

  /** One UPDATE of the locked row (no read-before-write), bumping the optimistic-lock version. */
  private async writeOrder(manager: EntityManager, order: Order): Promise<Order> {
    // TypeORM answers an UPDATE with [rows, affected].
    const [[updated]] = (await manager.query(
      `UPDATE orders SET oms_order_number = $2, imshop_uuid = $3, market_campaign_id = $4, market_order_id = $5, status = $6,
         status_source = $7, source_status = $8, source_substatus = $9, status_event_at = $10, tracking_number = $11,
         tracking_url = $12, items = $13, cancellation_requested_at = $14, version = version + 1, updated_at = now()
       WHERE id = $1 RETURNING version, updated_at`,
      [
        order.id,
        order.omsOrderNumber,
        order.imshopUuid,
        order.marketCampaignId,
        order.marketOrderId,
        order.status,
        order.statusSource,
        order.sourceStatus,
        order.sourceSubstatus,
        order.statusEventAt,
        order.trackingNumber,
        order.trackingUrl,
        JSON.stringify(order.items ?? []),
        order.cancellationRequestedAt,
      ],
    )) as [[{ version: number; updated_at: Date }], number];
    order.version = updated.version;
    order.updatedAt = updated.updated_at;
    return order;
  }

  /** An event may teach us another identity of a known order (Market's id of an OMS order, say). */
  private mergeIdentity(order: Order, identity: OrderIdentity): Order {
    order.omsOrderNumber ??= identity.omsOrderNumber ?? null;
    order.imshopUuid ??= identity.imshopUuid ?? null;
    if (order.marketOrderId === null && identity.market) {
      order.marketCampaignId = identity.market.campaignId;
      order.marketOrderId = identity.market.orderId;
    }
    return order;
  }
}

function identityClause(identity: OrderIdentity): { clause: string; params: Record<string, string> } {
  const parts: string[] = [];
  const params: Record<string, string> = {};
  if (identity.id) {
    parts.push('o.id = :id');
    params.id = identity.id;
  }
  if (identity.market) {
    parts.push('(o.market_campaign_id = :campaignId AND o.market_order_id = :marketOrderId)');
    params.campaignId = identity.market.campaignId;
    params.marketOrderId = identity.market.orderId;
  }
  if (identity.imshopUuid) {
    parts.push('o.imshop_uuid = :imshopUuid');
    params.imshopUuid = identity.imshopUuid;
  }
  if (identity.omsOrderNumber) {
    parts.push('o.oms_order_number = :omsOrderNumber');
    params.omsOrderNumber = identity.omsOrderNumber;
  }
  if (!parts.length) throw new Error('an order event must name the order by at least one identity');
  return { clause: parts.join(' OR '), params };
}

function describeCode(event: StatusEvent): string {
  return [event.ticketType, event.externalCode, event.externalSubstatus].filter(Boolean).join('/');
}

function truncate(text: string): string | null {
  return text ? text.slice(0, 512) : null;
}
