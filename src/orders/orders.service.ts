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
import { GroupCommit } from '../common/group-commit';
import { Channels } from '../events/channels';
import { ORDER_CHANGED, ORDER_DETAILS } from './order-events';
import { currentRequestId, withRequestId } from '../logging/request-context';

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
  /**
   * When the event happened at the source. Without it the event happened as it arrived (OMS, app, admin, our
   * own follow-ups): after everything applied so far, so it is never stale.
   */
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
  /**
   * A stored event applied again (POST /admin/events/replay, or an IMSHOP ticket's statuses once we learn its
   * type): the status rules are the same, but the work its first application started (a cancellation answer,
   * a detail fetch, a store ticket) is not started again.
   */
  replay?: boolean;
  /** The request that carried the event, when several share a transaction: work done for it is logged under it. */
  requestId?: string;
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

@Injectable()
export class OrdersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly mappings: StatusMappingService,
    private readonly metrics: MetricsService,
    private readonly channels: Channels,
  ) {}

  /**
   * The one way an order's status changes. In one transaction, with the order row locked:
   * dedupe by key, resolve the code through the mapping table, skip events older than the last
   * applied one, enforce the state machine, and write a history row whatever the outcome.
   * Pass `manager` to join a caller's transaction (e.g. an inbox insert that must commit with it).
   */
  async applyStatus(event: StatusEvent, manager?: EntityManager): Promise<ApplyResult> {
    if (!manager) return this.grouped.submit({ ...event, requestId: event.requestId ?? currentRequestId() });
    return (await this.applyStatusBatch([event], manager))[0];
  }

  /**
   * Events applied at the same moment without a caller's transaction (OMS reports, admin changes, follow-ups of
   * deliveries) share one (group commit): under load, a transaction's round trips are shared; with no load an
   * event goes alone at once. A batch that fails is applied again one event at a time, so each gets its own answer.
   */
  private readonly grouped = new GroupCommit(
    (events: StatusEvent[]) => this.dataSource.transaction((manager) => this.applyStatusBatch(events, manager)),
    { maxBatch: 64, maxInFlight: 2 },
  );

  /**
   * applyStatus for many events in the caller's transaction, with the same outcome as applying them one
   * by one in this order, but in two statements per round instead of two per event: round trips are what
   * an event costs (each is a socket write and a wake-up of a PostgreSQL backend). A round takes at most one
   * event per order; an event naming an order already in the round waits for the next one. Orders are
   * locked in the events' order, so callers that sort events by order keep concurrent batches from
   * waiting on each other in a cycle.
   */
  async applyStatusBatch(events: StatusEvent[], manager: EntityManager): Promise<ApplyResult[]> {
    const results: ApplyResult[] = new Array(events.length);
    let pending = events.map((event, index) => ({ event, index }));
    while (pending.length > 0) {
      const round: typeof pending = [];
      const later: typeof pending = [];
      // An event waits when it shares an identity with one in the round or with one that waits (else it could overtake it).
      const taken = new Set<string>();
      for (const entry of pending) {
        const keys = identityKeys(entry.event.identity);
        (keys.some((key) => taken.has(key)) ? later : round).push(entry);
        keys.forEach((key) => taken.add(key));
      }
      const retry = await this.applyRound(round, manager, results);
      pending = [...retry, ...later].sort((a, b) => a.index - b.index);
    }
    return results;
  }

  /** One round: lock, decide in memory, write. Returns the events to apply again in a later round. */
  private async applyRound(
    round: { event: StatusEvent; index: number }[],
    manager: EntityManager,
    results: ApplyResult[],
  ): Promise<{ event: StatusEvent; index: number }[]> {
    const locked = await this.lockByIdentities(manager, round.map(({ event }) => event));
    const retry: typeof round = [];
    const decided: { entry: (typeof round)[number]; decision: Decision }[] = [];
    const ordersInRound = new Set<string>();
    for (const [i, entry] of round.entries()) {
      const { order, seen, mappingRevision } = locked[i];
      // Two identities of one order (its OMS number and its Market id, say) in one round: the second waits.
      if (order && ordersInRound.has(order.id)) {
        retry.push(entry);
        continue;
      }
      if (order) ordersInRound.add(order.id);
      if (order && seen) {
        results[entry.index] = { duplicate: true, created: false, outcome: 'duplicate', statusChanged: false, order, fromStatus: order.status };
        continue;
      }
      if (!order && entry.event.identity.id) throw new NotFoundException(`order ${entry.event.identity.id} does not exist`);
      decided.push({ entry, decision: await this.decide(entry.event, order, manager, mappingRevision) });
    }
    if (decided.length === 0) return retry;

    const written = await this.writeOrders(manager, decided.map(({ decision }) => decision));
    for (const [i, { entry, decision }] of decided.entries()) {
      const historyId = written[i];
      // Another transaction created the same order after our lookup (its insert won the unique index and
      // ours waited for it): the order exists now, so the event is applied to it like to any other.
      if (historyId === null) {
        retry.push(entry);
        continue;
      }
      const result: ApplyResult = { ...decision.result, historyId };
      results[entry.index] = result;
      await withRequestId(entry.event.requestId, async () => {
        await this.channels.publish(ORDER_CHANGED, { result, event: entry.event, manager });
      });
    }
    return retry;
  }

  /** What the event does to the locked order (or to a new one), in memory: the rules of applyStatus. */
  private async decide(event: StatusEvent, locked: Order | null, manager: EntityManager, mappingRevision: string): Promise<Decision> {
    const created = !locked;
    const order = locked ? this.mergeIdentity(locked, event.identity) : this.newOrder(event.identity);

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
      }, manager, mappingRevision);
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
    // A time of ours is never older than a peer's status dated a little ahead by its clock (within the skew
    // boundEventTime allows): the event that arrived later wins.
    const stale = !created && event.eventAt !== undefined && order.statusEventAt !== null && eventAt < order.statusEventAt;
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
    const history: HistoryValues = [
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
    return { order, history, result: { duplicate: false, created, outcome, statusChanged, order, fromStatus, reason, attention } };
  }

  async findById(id: string): Promise<Order & { history: OrderHistoryEntry[] }> {
    const order = await this.dataSource.getRepository(Order).findOneBy({ id });
    if (!order) throw new NotFoundException(`order ${id} does not exist`);
    const history = await this.dataSource.getRepository(OrderHistoryEntry).find({ where: { orderId: id }, order: { id: 'ASC' } });
    const sections: Record<string, unknown> = {};
    for (const name of this.channels.keysOf(ORDER_DETAILS)) sections[name] = await this.channels.handlerOf(ORDER_DETAILS, name)!(order);
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
   * Finds each event's order by any of its identities and locks it, in the events' order, and says
   * whether an event with that dedupe key was already applied. The check reads the statement's snapshot:
   * if a lock waited for a transaction applying the same key, that key's unique index on order_history
   * still stops the second application (its insert fails and the caller's transaction rolls back).
   * Callers with an inbox dedupe first anyway. The same statement reads the mapping table's revision,
   * which resolveInbound would otherwise read.
   */
  private async lockByIdentities(
    manager: EntityManager,
    events: StatusEvent[],
  ): Promise<{ order: Order | null; seen: boolean; mappingRevision: string }[]> {
    const identities = events.map((event) => event.identity);
    if (identities.some((identity) => identityKeys(identity).length === 0)) throw new Error('an order event must name the order by at least one identity');
    // Only the kinds of identity the events use are matched, so the plan is the index scans they need.
    const matches: string[] = [];
    if (identities.some((identity) => identity.id)) matches.push('o.id = ev.id');
    if (identities.some((identity) => identity.market)) matches.push('(o.market_campaign_id = ev.campaign_id AND o.market_order_id = ev.market_order_id)');
    if (identities.some((identity) => identity.imshopUuid)) matches.push('o.imshop_uuid = ev.imshop_uuid');
    if (identities.some((identity) => identity.omsOrderNumber)) matches.push('o.oms_order_number = ev.oms_order_number');
    const rows = (await manager.query(
      `SELECT ${MAPPING_REVISION_SQL} AS "__mapping_revision", o.*,
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
    return rows.map((row) => ({
      order: row.id === null ? null : hydrate(manager, Order, row),
      seen: row.__seen === true,
      mappingRevision: row.__mapping_revision as string,
    }));
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
   * Writes the decided orders and their history rows in one statement: new orders inserted with their
   * first status (no placeholder row), known ones updated without a read-before-write (version bumped).
   * Returns each history row's id, or null where a concurrent transaction inserted the same order first
   * (the unique indexes let only one of them in).
   */
  private async writeOrders(manager: EntityManager, decisions: Decision[]): Promise<(string | null)[]> {
    const orderRows = decisions.map(({ order }) => orderValues(order));
    const rows = (await manager.query(WRITE_ORDERS_SQL, [
      decisions.map((_, i) => i),
      decisions.map(({ order }) => order.id ?? null),
      ...ORDER_COLUMN_TYPES.map((_, k) => orderRows.map((values) => values[k])),
      ...HISTORY_COLUMN_TYPES.map((_, k) => decisions.map(({ history }) => history[k])),
    ])) as { i: number; id: string; version: number; created_at: Date; updated_at: Date; history_id: string }[];
    const historyIds: (string | null)[] = decisions.map(() => null);
    for (const row of rows) {
      Object.assign(decisions[row.i].order, { id: row.id, version: row.version, createdAt: row.created_at, updatedAt: row.updated_at });
      historyIds[row.i] = row.history_id;
    }
    return historyIds;
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

/** A history row's values, in this order and of these types. */
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
type HistoryValues = unknown[];

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


interface Decision {
  order: Order;
  history: HistoryValues;
  result: Omit<ApplyResult, 'historyId'>;
}

/** The keys an identity names its order by: two events sharing one are about the same order. */
function identityKeys(identity: OrderIdentity): string[] {
  const keys: string[] = [];
  if (identity.id) keys.push(`id:${identity.id}`);
  if (identity.market) keys.push(`market:${identity.market.campaignId}:${identity.market.orderId}`);
  if (identity.imshopUuid) keys.push(`imshop:${identity.imshopUuid}`);
  if (identity.omsOrderNumber) keys.push(`oms:${identity.omsOrderNumber}`);
  return keys;
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
