import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { runInTransaction, type Tx } from '../database/transaction';
import type { Page } from '../common/page';
import { pageOf } from '../database/paging';
import type { StoredEventSelection } from '../common/stored-event-selection';
import { deleteOldestBefore } from '../database/delete-oldest';
import type { ListMarketEventsQuery } from './dto/list-market-events.query';
import { MarketEvent } from './market-event.entity';
import { MarketReturn } from './market-return.entity';

/** A notification as the inbox stores it on arrival. */
export interface InboxRow {
  dedupeKey: string;
  type: string;
  known: boolean;
  outcome: string;
  campaignId: string | null;
  orderId: string | null;
  eventAt: Date | null;
  payload: unknown;
}

/** A stored notification, as replay reads it back. */
export interface StoredMarketEvent {
  dedupeKey: string;
  known: boolean;
  payload: unknown;
  receivedAt: Date;
}

export type MarketReturnRef = { campaignId: unknown; orderId: unknown; returnId: unknown };

/** market_events (the inbox of POST /market) and market_returns: all of the market module's SQL. */
@Injectable()
export class MarketRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return runInTransaction(this.dataSource, work);
  }

  /**
   * The inbox's dedupe gate: one multi-row insert, in the rows' order; a key already stored is skipped (its
   * insert waits for a concurrent transaction holding the same key). Returns the new rows' ids by key.
   */
  async insertNew(manager: EntityManager, rows: InboxRow[]): Promise<Map<string, string>> {
    const inserted = (await manager.query(
      `INSERT INTO market_events (dedupe_key, notification_type, known, outcome, campaign_id, order_id, event_at, payload)
       SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::boolean[], $4::varchar[], $5::bigint[], $6::bigint[], $7::timestamptz[], $8::jsonb[])
       ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key`,
      [
        rows.map((row) => row.dedupeKey),
        rows.map((row) => row.type),
        rows.map((row) => row.known),
        rows.map((row) => row.outcome),
        rows.map((row) => row.campaignId),
        rows.map((row) => row.orderId),
        rows.map((row) => row.eventAt),
        rows.map((row) => JSON.stringify(row.payload)),
      ],
    )) as { id: string; dedupe_key: string }[];
    return new Map(inserted.map((row) => [row.dedupe_key, row.id]));
  }

  /** What each new notification did, in one statement. */
  async recordOutcomes(manager: EntityManager, outcomes: { id: string; outcome: string }[]): Promise<void> {
    if (outcomes.length === 0) return;
    await manager.query(`UPDATE market_events e SET outcome = v.outcome FROM unnest($1::bigint[], $2::varchar[]) AS v(id, outcome) WHERE e.id = v.id`, [
      outcomes.map(({ id }) => id),
      outcomes.map(({ outcome }) => outcome),
    ]);
  }

  /** Counts re-deliveries of stored notifications (how often Market sent each again), in one statement. */
  async countRepeats(manager: EntityManager, repeats: Map<string, number>): Promise<void> {
    if (repeats.size === 0) return;
    await manager.query(
      `UPDATE market_events e SET duplicate_count = e.duplicate_count + v.n, last_duplicate_at = now()
       FROM unnest($1::varchar[], $2::int[]) AS v(dedupe_key, n) WHERE e.dedupe_key = v.dedupe_key`,
      [[...repeats.keys()], [...repeats.values()]],
    );
  }

  async findStored(manager: EntityManager, id: string): Promise<StoredMarketEvent | null> {
    const [row] = (await manager.query('SELECT dedupe_key, known, payload, received_at FROM market_events WHERE id = $1', [id])) as {
      dedupe_key: string;
      known: boolean;
      payload: unknown;
      received_at: Date;
    }[];
    return row ? { dedupeKey: row.dedupe_key, known: row.known, payload: row.payload, receivedAt: row.received_at } : null;
  }

  list(query: ListMarketEventsQuery): Promise<Page<MarketEvent>> {
    const qb = this.dataSource.getRepository(MarketEvent).createQueryBuilder('e').orderBy('e.id', 'DESC');
    if (query.type) qb.andWhere('e.notification_type = :type', { type: query.type });
    if (query.orderId) qb.andWhere('e.order_id = :orderId', { orderId: query.orderId });
    if (query.campaignId) qb.andWhere('e.campaign_id = :campaignId', { campaignId: query.campaignId });
    if (query.since) qb.andWhere('e.received_at >= :since', { since: new Date(query.since) });
    if (query.until) qb.andWhere('e.received_at < :until', { until: new Date(query.until) });
    return pageOf(qb, query);
  }

  /** How many stored events the selection holds. */
  async countSelected(selection: StoredEventSelection): Promise<number> {
    const { where, params } = selectionClause(selection);
    const [{ n }] = (await this.dataSource.query(`SELECT count(*)::int AS n FROM market_events e WHERE ${where}`, params)) as { n: number }[];
    return n;
  }

  /** The next `limit` ids of the selection after `afterId`, in id order. */
  async selectedIdsAfter(selection: StoredEventSelection, afterId: string, limit: number): Promise<string[]> {
    const { where, params } = selectionClause(selection);
    const rows = (await this.dataSource.query(
      `SELECT e.id FROM market_events e WHERE ${where} AND e.id > $${params.length + 1} ORDER BY e.id LIMIT ${Number(limit)}`,
      [...params, afterId],
    )) as { id: string }[];
    return rows.map(({ id }) => id);
  }

  /** Deletes up to `limit` events received before `before`, oldest first, in one short statement; returns how many. */
  async deleteReceivedBefore(before: Date, limit: number): Promise<number> {
    return deleteOldestBefore(this.dataSource, 'market_events', 'received_at', before, limit);
  }

  returnsOf(campaignId: string, orderId: string): Promise<MarketReturn[]> {
    return this.dataSource.getRepository(MarketReturn).find({ where: { campaignId, orderId }, order: { id: 'ASC' } });
  }

  /** The return's row, created by whichever of its notifications arrives first. */
  async ensureReturn(manager: EntityManager, ref: MarketReturnRef): Promise<void> {
    await manager.query(
      `INSERT INTO market_returns (campaign_id, order_id, return_id) VALUES ($1, $2, $3)
       ON CONFLICT (campaign_id, return_id) DO NOTHING`,
      [ref.campaignId, ref.orderId, ref.returnId],
    );
  }

  async setReturnCreated(
    manager: EntityManager,
    ref: MarketReturnRef,
    fields: { returnType: unknown; items: unknown; createdAtMarket: Date | null },
  ): Promise<void> {
    await manager.query(`UPDATE market_returns SET return_type = $3, items = $4, created_at_market = $5 WHERE campaign_id = $1 AND return_id = $2`, [
      ref.campaignId,
      ref.returnId,
      fields.returnType ?? null,
      JSON.stringify(fields.items ?? null),
      fields.createdAtMarket,
    ]);
  }

  /** One of the return's statuses, unless the row already holds a newer one of that kind. */
  async setReturnStatus(manager: EntityManager, ref: MarketReturnRef, kind: 'refund' | 'shipment', status: unknown, at: Date | null): Promise<void> {
    const column = RETURN_STATUS_COLUMNS[kind];
    await manager.query(
      `UPDATE market_returns SET ${column} = $3, ${column}_at = $4
       WHERE campaign_id = $1 AND return_id = $2 AND (${column}_at IS NULL OR ${column}_at <= $4)`,
      [ref.campaignId, ref.returnId, status, at],
    );
  }
}

const RETURN_STATUS_COLUMNS = { refund: 'refund_status', shipment: 'shipment_status' } as const;

function selectionClause(selection: StoredEventSelection): { where: string; params: unknown[] } {
  if ('ids' in selection) return { where: 'e.id = ANY($1::bigint[])', params: [selection.ids] };
  return { where: 'e.received_at >= $1 AND e.received_at < $2', params: [selection.since, selection.until] };
}
