import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { runInTransaction, type Tx } from '../database/transaction';
import type { Page } from '../common/page';
import { pageOf } from '../database/paging';
import { hydrate } from '../database/hydrate';
import type { ListOrdersQuery } from './dto/order.dto';
import type { HistoryRow } from './order-decision';
import { OrderHistoryEntry } from './order-history.entity';
import { Order } from './order.entity';
import type { OrderStatus } from './order-status';
import type { OrderIdentity } from './status-event';

/** What an order event's lock found: its order (locked), and whether its dedupe key was applied already. */
export interface LockedOrder {
  order: Order | null;
  seen: boolean;
}

/** orders and order_history: all of the orders module's SQL. */
@Injectable()
export class OrdersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return runInTransaction(this.dataSource, work);
  }

  /**
   * Finds each event's order by any of its identities and locks it, in the events' order, and says
   * whether an event with that dedupe key was already applied. The check reads the statement's snapshot:
   * if a lock waited for a transaction applying the same key, that key's unique index on order_history
   * still stops the second application (its insert fails and the caller's transaction rolls back).
   * Callers with an inbox dedupe first anyway.
   */
  async lockByIdentities(manager: EntityManager, events: { identity: OrderIdentity; dedupeKey?: string }[]): Promise<LockedOrder[]> {
    const identities = events.map((event) => event.identity);
    // Only the kinds of identity the events use are matched, so the plan is the index scans they need.
    const matches: string[] = [];
    if (identities.some((identity) => identity.id)) matches.push('o.id = ev.id');
    if (identities.some((identity) => identity.market)) matches.push('(o.market_campaign_id = ev.campaign_id AND o.market_order_id = ev.market_order_id)');
    if (identities.some((identity) => identity.imshopUuid)) matches.push('o.imshop_uuid = ev.imshop_uuid');
    if (identities.some((identity) => identity.omsOrderNumber)) matches.push('o.oms_order_number = ev.oms_order_number');
    const rows = (await manager.query(
      `SELECT o.*,
         ev.dedupe_key IS NOT NULL AND EXISTS (SELECT 1 FROM order_history h WHERE h.dedupe_key = ev.dedupe_key) AS "__seen"
       FROM unnest($1::int[], $2::varchar[], $3::uuid[], $4::bigint[], $5::bigint[], $6::varchar[], $7::varchar[])
         AS ev(i, dedupe_key, id, campaign_id, market_order_id, imshop_uuid, oms_order_number)
       LEFT JOIN LATERAL (
         SELECT * FROM orders o WHERE ${matches.join(' OR ')} ORDER BY o.created_at ASC LIMIT 1 FOR UPDATE
       ) AS o ON true
       ORDER BY ev.i`,
      [
        events.map((_, i) => i),
        events.map((event) => event.dedupeKey ?? null),
        identities.map((identity) => identity.id ?? null),
        identities.map((identity) => identity.market?.campaignId ?? null),
        identities.map((identity) => identity.market?.orderId ?? null),
        identities.map((identity) => identity.imshopUuid ?? null),
        identities.map((identity) => identity.omsOrderNumber ?? null),
      ],
    )) as Record<string, unknown>[];
    return rows.map((row) => ({ order: row.id === null ? null : hydrate(manager, Order, row), seen: row.__seen === true }));
  }

  /**
   * Writes the decided orders and their history rows in one statement: new orders inserted with their
   * first status (no placeholder row), known ones updated without a read-before-write (version bumped).
   * The written orders get their id, version and times. Returns each history row's id, or null where a
   * concurrent transaction inserted the same order first (the unique indexes let only one of them in).
   */
  async writeOrders(manager: EntityManager, writes: { order: Order; history: HistoryRow }[]): Promise<(string | null)[]> {
    const orderRows = writes.map(({ order }) => orderValues(order));
    const historyRows = writes.map(({ history }) => historyValues(history));
    const rows = (await manager.query(WRITE_ORDERS_SQL, [
      writes.map((_, i) => i),
      writes.map(({ order }) => order.id ?? null),
      ...ORDER_COLUMN_TYPES.map((_, k) => orderRows.map((values) => values[k])),
      ...HISTORY_COLUMN_TYPES.map((_, k) => historyRows.map((values) => values[k])),
    ])) as { i: number; id: string; version: number; created_at: Date; updated_at: Date; history_id: string }[];
    const historyIds: (string | null)[] = writes.map(() => null);
    for (const row of rows) {
      Object.assign(writes[row.i].order, { id: row.id, version: row.version, createdAt: row.created_at, updatedAt: row.updated_at });
      historyIds[row.i] = row.history_id;
    }
    return historyIds;
  }

  findById(id: string): Promise<Order | null> {
    return this.dataSource.getRepository(Order).findOneBy({ id });
  }

  /** The statuses the order was moved to by the history rows before `beforeId`, in the caller's transaction. */
  async statusesReachedBefore(manager: EntityManager, orderId: string, beforeId: string): Promise<OrderStatus[]> {
    const rows = (await manager.query(
      `SELECT DISTINCT to_status FROM order_history WHERE order_id = $1 AND id < $2 AND outcome = 'applied' AND to_status IS NOT NULL`,
      [orderId, beforeId],
    )) as { to_status: OrderStatus }[];
    return rows.map((row) => row.to_status);
  }

  /** Every history row of the order, oldest first. */
  async historyOf(orderId: string): Promise<OrderHistoryEntry[]> {
    const rows = (await this.dataSource.query('SELECT * FROM order_history WHERE order_id = $1 ORDER BY id', [orderId])) as Record<string, unknown>[];
    return rows.map((row) => hydrate(this.dataSource.manager, OrderHistoryEntry, row));
  }

  /** The order any of the identities names (the oldest, should two match), without locking it. */
  async findByIdentity(identity: OrderIdentity, manager: EntityManager = this.dataSource.manager): Promise<Order | null> {
    const { clause, params } = identityClause(identity);
    const rows = await manager.getRepository(Order).createQueryBuilder('o').where(clause, params).orderBy('o.created_at', 'ASC').limit(1).getMany();
    return rows[0] ?? null;
  }

  list(query: ListOrdersQuery, among?: string[]): Promise<Page<Order>> {
    const qb = this.dataSource.getRepository(Order).createQueryBuilder('o').orderBy('o.updated_at', 'DESC').addOrderBy('o.id', 'ASC');
    if (among) qb.andWhere('o.id = ANY(:among::uuid[])', { among });
    if (query.status) qb.andWhere('o.status = :status', { status: query.status });
    if (query.source) {
      qb.andWhere('EXISTS (SELECT 1 FROM order_history h WHERE h.order_id = o.id AND h.source = :source)', { source: query.source });
    }
    if (query.externalId) {
      qb.andWhere('(o.oms_order_number = :externalId OR o.imshop_uuid = :externalId OR o.market_order_id::text = :externalId)', {
        externalId: query.externalId,
      });
    }
    return pageOf(qb, query);
  }
}

/** The order columns applyStatus writes, in the order of `orderValues`, with their types. */
const ORDER_COLUMN_TYPES: [string, string][] = [
  ['oms_order_number', 'varchar'],
  ['imshop_uuid', 'varchar'],
  ['market_campaign_id', 'bigint'],
  ['market_order_id', 'bigint'],
  ['status', 'varchar'],
  ['status_source', 'varchar'],
  ['source_status', 'varchar'],
  ['source_substatus', 'varchar'],
  ['status_event_at', 'timestamptz'],
  ['tracking_number', 'varchar'],
  ['tracking_url', 'varchar'],
  ['items', 'jsonb'],
  ['cancellation_requested_at', 'timestamptz'],
];

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

/** A history row's columns, in the order of `historyValues`, with their types. */
const HISTORY_COLUMN_TYPES: [string, string][] = [
  ['source', 'varchar'],
  ['dedupe_key', 'varchar'],
  ['outcome', 'varchar'],
  ['from_status', 'varchar'],
  ['to_status', 'varchar'],
  ['external_code', 'varchar'],
  ['external_substatus', 'varchar'],
  ['event_at', 'timestamptz'],
  ['note', 'varchar'],
  ['payload', 'jsonb'],
];

function historyValues(row: HistoryRow): unknown[] {
  return [row.source, row.dedupeKey, row.outcome, row.fromStatus, row.toStatus, row.externalCode, row.externalSubstatus, row.eventAt, row.note, row.payload];
}

const ORDER_COLUMNS = ORDER_COLUMN_TYPES.map(([name]) => name);
const HISTORY_COLUMNS = HISTORY_COLUMN_TYPES.map(([name]) => name);

/**
 * writeOrders' statement: the rows come as one array per column (unnest), new orders (no id) are inserted
 * and known ones updated, and each gets its history row. An inserted order is matched back to its row by
 * the identities it was inserted with (a round never has two events naming the same identity).
 */
const WRITE_ORDERS_SQL = `WITH v AS (
    SELECT * FROM unnest($1::int[], $2::uuid[], ${[...ORDER_COLUMN_TYPES, ...HISTORY_COLUMN_TYPES].map(([, type], k) => `$${k + 3}::${type}[]`).join(', ')})
    AS v(i, id, ${ORDER_COLUMNS.join(', ')}, ${HISTORY_COLUMNS.map((name) => `h_${name}`).join(', ')})
  ), inserted AS (
    INSERT INTO orders (${ORDER_COLUMNS.join(', ')}, version) SELECT ${ORDER_COLUMNS.join(', ')}, 1 FROM v WHERE v.id IS NULL ORDER BY v.i
    ON CONFLICT DO NOTHING RETURNING id, version, created_at, updated_at, oms_order_number, imshop_uuid, market_campaign_id, market_order_id
  ), updated AS (
    UPDATE orders o SET (${ORDER_COLUMNS.join(', ')}, version, updated_at) = (${ORDER_COLUMNS.map((name) => `v.${name}`).join(', ')}, o.version + 1, now())
    FROM v WHERE v.id IS NOT NULL AND o.id = v.id
    RETURNING v.i, o.id, o.version, o.created_at, o.updated_at
  ), target AS (
    SELECT * FROM updated
    UNION ALL
    SELECT v.i, n.id, n.version, n.created_at, n.updated_at FROM v JOIN inserted n ON v.id IS NULL AND (
      n.oms_order_number = v.oms_order_number OR n.imshop_uuid = v.imshop_uuid
      OR (n.market_campaign_id = v.market_campaign_id AND n.market_order_id = v.market_order_id))
  ), history AS (
    INSERT INTO order_history (order_id, ${HISTORY_COLUMNS.join(', ')})
    SELECT t.id, ${HISTORY_COLUMNS.map((name) => `v.h_${name}`).join(', ')} FROM target t JOIN v ON v.i = t.i ORDER BY v.i
    RETURNING id, order_id
  )
  SELECT t.i, t.id, t.version, t.created_at, t.updated_at, h.id AS history_id FROM target t JOIN history h ON h.order_id = t.id`;

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
