import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { MetricsService } from '../metrics/metrics.service';
import { MAPPING_REVISION_SQL, StatusMappingService } from '../status-mapping/status-mapping.service';
import { ListOrdersQuery } from './dto/order.dto';
import { HistoryOutcome, OrderHistoryEntry } from './order-history.entity';
import { checkTransition, OrderStatus } from './order-status';
import { Order, OrderItem } from './order.entity';
import { pageOf, type Page } from '../common/page';
import { hydrate } from '../database/hydrate';

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

    // Round trips are what an event costs (each is a socket write and a wake-up of a PostgreSQL backend),
    // so the order is locked and the dedupe key checked in one statement, and the order and its history
    // row are written in another. A new order is inserted with its first status: no placeholder row.
    const locked = await this.lockByIdentity(manager, event.identity, event.dedupeKey);
    if (locked.order && locked.seen) {
      return { duplicate: true, created: false, outcome: 'duplicate', statusChanged: false, order: locked.order, fromStatus: locked.order.status };
    }
    if (!locked.order && event.identity.id) throw new NotFoundException(`order ${event.identity.id} does not exist`);
    const created = !locked.order;
    const order = locked.order ? this.mergeIdentity(locked.order, event.identity) : this.newOrder(event.identity);

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
      }, manager, locked.mappingRevision);
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
    const history = [
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
    ];
    const historyId = created ? await this.insertOrder(manager, order, history) : await this.updateOrder(manager, order, history);
    // Another transaction created the same order after our lookup (its insert won the unique index and
    // ours waited for it): the order exists now, so the event is applied to it like to any other.
    if (historyId === null) return this.applyStatus(event, manager);

    const result: ApplyResult = {
      duplicate: false,
      created,
      outcome,
      statusChanged,
      order,
      fromStatus,
      historyId,
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
   * Finds the order by any identity and locks it, and says whether an event with this dedupe key was
   * already applied. The check reads the statement's snapshot: if this lock waited for a transaction
   * applying the same key, that key's unique index on order_history still stops the second application
   * (its insert fails and the caller's transaction rolls back). Callers with an inbox dedupe first anyway.
   * The same statement reads the mapping table's revision, which resolveInbound would otherwise read.
   */
  private async lockByIdentity(
    manager: EntityManager,
    identity: OrderIdentity,
    dedupeKey?: string,
  ): Promise<{ order: Order | null; seen: boolean; mappingRevision: string }> {
    const { clause, params } = identityClause(identity);
    const values = Object.values(params);
    const sql = clause.replace(/:(\w+)/g, (_, name: string) => `$${Object.keys(params).indexOf(name) + 2}`);
    const [row] = (await manager.query(
      `SELECT ${MAPPING_REVISION_SQL} AS "__mapping_revision", o.*,
         $1::varchar IS NOT NULL AND EXISTS (SELECT 1 FROM order_history h WHERE h.dedupe_key = $1) AS "__seen"
       FROM (SELECT 1) AS always LEFT JOIN LATERAL (
         SELECT * FROM orders o WHERE ${sql} ORDER BY o.created_at ASC LIMIT 1 FOR UPDATE
       ) AS o ON true`,
      [dedupeKey ?? null, ...values],
    )) as Record<string, unknown>[];
    const mappingRevision = row.__mapping_revision as string;
    return { order: row.id === null ? null : hydrate(manager, Order, row), seen: row.__seen === true, mappingRevision };
  }

  private newOrder(identity: OrderIdentity): Order {
    return Object.assign(new Order(), {
      omsOrderNumber: identity.omsOrderNumber ?? null,
      imshopUuid: identity.imshopUuid ?? null,
      marketCampaignId: identity.market?.campaignId ?? null,
      marketOrderId: identity.market?.orderId ?? null,
      status: 'UNKNOWN',
      statusSource: null,
      sourceStatus: null,
      sourceSubstatus: null,
      statusEventAt: null,
      trackingNumber: null,
      trackingUrl: null,
      items: [],
      cancellationRequestedAt: null,
    } satisfies Partial<Order>);
  }

  /**
   * Inserts a new order with its first history row, in one statement. Returns null when a concurrent
   * transaction inserted the same order first (the unique indexes let only one of them in).
   */
  private async insertOrder(manager: EntityManager, order: Order, history: unknown[]): Promise<string | null> {
    const [row] = (await manager.query(
      `WITH o AS (
         INSERT INTO orders (${ORDER_COLUMNS}, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1)
         ON CONFLICT DO NOTHING RETURNING id, version, created_at, updated_at
       ), h AS (
         INSERT INTO order_history (order_id, ${HISTORY_COLUMNS}) SELECT o.id, ${historyPlaceholders(14)} FROM o RETURNING id
       )
       SELECT o.id, o.version, o.created_at, o.updated_at, h.id AS history_id FROM o, h`,
      [...orderValues(order), ...history],
    )) as { id: string; version: number; created_at: Date; updated_at: Date; history_id: string }[];
    if (!row) return null;
    Object.assign(order, { id: row.id, version: row.version, createdAt: row.created_at, updatedAt: row.updated_at });
    return row.history_id;
  }

  /** One UPDATE of the locked row (no read-before-write, the version bumped) and its history row, in one statement. */
  private async updateOrder(manager: EntityManager, order: Order, history: unknown[]): Promise<string> {
    const [row] = (await manager.query(
      `WITH o AS (
         UPDATE orders SET (${ORDER_COLUMNS}, version, updated_at) = ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, version + 1, now())
         WHERE id = $1 RETURNING version, updated_at
       ), h AS (
         INSERT INTO order_history (order_id, ${HISTORY_COLUMNS}) VALUES ($1, ${historyPlaceholders(15)}) RETURNING id
       )
       SELECT o.version, o.updated_at, h.id AS history_id FROM o, h`,
      [order.id, ...orderValues(order), ...history],
    )) as { version: number; updated_at: Date; history_id: string }[];
    order.version = row.version;
    order.updatedAt = row.updated_at;
    return row.history_id;
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

/** The columns applyStatus writes, in the order of `orderValues`. */
const ORDER_COLUMNS = `oms_order_number, imshop_uuid, market_campaign_id, market_order_id, status, status_source, source_status,
  source_substatus, status_event_at, tracking_number, tracking_url, items, cancellation_requested_at`;

function orderValues(order: Order): unknown[] {
  return [
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
  ];
}

const HISTORY_COLUMNS = 'source, dedupe_key, outcome, from_status, to_status, external_code, external_substatus, event_at, note, payload';

/** Typed placeholders: in INSERT … SELECT, PostgreSQL cannot take the types from the target columns. */
function historyPlaceholders(first: number): string {
  const types = ['varchar', 'varchar', 'varchar', 'varchar', 'varchar', 'varchar', 'varchar', 'timestamptz', 'varchar', 'jsonb'];
  return types.map((type, i) => `$${first + i}::${type}`).join(', ');
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
