import { affectedRows } from '../database/affected-rows';
import { deleteOldestBefore } from '../database/delete-oldest';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { hydrate } from '../database/hydrate';
import { SandboxMarketOrder } from './sandbox-market-order.entity';
import { SandboxRequest } from './sandbox-request.entity';
import { SandboxTicket } from './sandbox-ticket.entity';

export interface RecordedRequestValues {
  peer: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  responseStatus: number | null;
  responseBody: unknown;
  fault: string | null;
  receivedAt: Date;
  durationMs: number;
}

/** A change the sandbox Market learns of; a field left undefined keeps what it knew. */
export interface MarketOrderChange {
  campaignId: string;
  orderId: string;
  status?: string;
  substatus?: string;
  items?: { offerId: string; count: number }[];
  cancelRequested?: boolean;
  /** When it happened: an older change than the one known does not overwrite the status. */
  at: Date;
}

export interface MarketOrderSearch {
  orderIds?: string[];
  campaignIds?: string[];
  updatedFrom?: Date;
  updatedTo?: Date;
  offset: number;
  limit: number;
}

/** The sandbox's SQL: its recorded requests, its Market's orders, its IMSHOP's tickets. */
@Injectable()
export class SandboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(values: RecordedRequestValues): Promise<string> {
    const rows = (await this.dataSource.query(
      `INSERT INTO sandbox_requests (peer, method, path, headers, body, response_status, response_body, fault, received_at, duration_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [
        values.peer,
        values.method,
        values.path.slice(0, 2000),
        JSON.stringify(values.headers),
        values.body === undefined ? null : JSON.stringify(values.body),
        values.responseStatus,
        values.responseBody === undefined ? null : JSON.stringify(values.responseBody),
        values.fault?.slice(0, 200) ?? null,
        values.receivedAt,
        values.durationMs,
      ],
    )) as { id: string }[];
    return String(rows[0].id);
  }

  /** Keeps the newest `keep` recorded requests at most: what a burst of requests between two retention runs leaves. */
  async keepNewestRequests(newestId: string, keep: number): Promise<void> {
    await this.dataSource.query('DELETE FROM sandbox_requests WHERE id <= $1::bigint - $2::bigint', [newestId, keep]);
  }

  /** Retention's statement: at most `limit` requests received before `before`, oldest first; how many went. */
  deleteRequestsReceivedBefore(before: Date, limit: number): Promise<number> {
    return deleteOldestBefore(this.dataSource, 'sandbox_requests', 'received_at', before, limit);
  }

  /** Newest first. */
  async listRequests(filter: { peer?: string; limit: number; offset: number }): Promise<{ items: SandboxRequest[]; total: number }> {
    const qb = this.dataSource.getRepository(SandboxRequest).createQueryBuilder('r').orderBy('r.id', 'DESC').take(filter.limit).skip(filter.offset);
    if (filter.peer) qb.where('r.peer = :peer', { peer: filter.peer });
    const [items, total] = await qb.getManyAndCount();
    return { items, total };
  }

  /**
   * Inserts the order or changes what is known of it. Status and substatus change only for a change at least as new
   * as the one known (Market's "the later event time is the truth"); items and the cancellation flag always.
   */
  async learnMarketOrder(change: MarketOrderChange, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(
      `INSERT INTO sandbox_market_orders AS o (campaign_id, order_id, status, substatus, items, cancel_requested, created_at, updated_at)
       VALUES ($1, $2, COALESCE($3, 'PENDING'), COALESCE($4, 'AWAIT_CONFIRMATION'), COALESCE($5::jsonb, '[]'), COALESCE($6, false), $7, $7)
       ON CONFLICT (campaign_id, order_id) DO UPDATE SET
         status = CASE WHEN $3::varchar IS NOT NULL AND EXCLUDED.updated_at >= o.updated_at THEN EXCLUDED.status ELSE o.status END,
         substatus = CASE WHEN $4::varchar IS NOT NULL AND EXCLUDED.updated_at >= o.updated_at THEN EXCLUDED.substatus ELSE o.substatus END,
         items = CASE WHEN $5::jsonb IS NOT NULL THEN EXCLUDED.items ELSE o.items END,
         cancel_requested = COALESCE($6, o.cancel_requested),
         created_at = LEAST(o.created_at, EXCLUDED.created_at),
         updated_at = GREATEST(o.updated_at, EXCLUDED.updated_at)`,
      [
        change.campaignId,
        change.orderId,
        change.status ?? null,
        change.substatus ?? null,
        change.items === undefined ? null : JSON.stringify(change.items),
        change.cancelRequested ?? null,
        change.at,
      ],
    );
  }

  findMarketOrder(campaignId: string, orderId: string): Promise<SandboxMarketOrder | null> {
    return this.dataSource.getRepository(SandboxMarketOrder).findOneBy({ campaignId, orderId });
  }

  async searchMarketOrders(search: MarketOrderSearch): Promise<{ orders: SandboxMarketOrder[]; more: boolean }> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM sandbox_market_orders
       WHERE ($1::bigint[] IS NULL OR order_id = ANY($1::bigint[]))
         AND ($2::bigint[] IS NULL OR campaign_id = ANY($2::bigint[]))
         AND ($3::timestamptz IS NULL OR updated_at >= $3)
         AND ($4::timestamptz IS NULL OR updated_at <= $4)
       ORDER BY updated_at, campaign_id, order_id
       OFFSET $5 LIMIT $6`,
      [search.orderIds ?? null, search.campaignIds ?? null, search.updatedFrom ?? null, search.updatedTo ?? null, search.offset, search.limit + 1],
    )) as Record<string, unknown>[];
    const orders = rows.slice(0, search.limit).map((row) => hydrate(this.dataSource.manager, SandboxMarketOrder, row));
    return { orders, more: rows.length > search.limit };
  }

  /** A new ticket id: `rsp-sbx-<n>`, unique across restarts. */
  async nextTicketId(): Promise<string> {
    const rows = (await this.dataSource.query("SELECT nextval('sandbox_imshop_ticket_seq') AS n")) as { n: string }[];
    return `rsp-sbx-${rows[0].n}`;
  }

  async saveTicket(ticket: Omit<SandboxTicket, 'createdAt'>): Promise<void> {
    await this.dataSource.query(
      'INSERT INTO sandbox_imshop_tickets (ticket_id, type, order_id, store_id, status, cancels_ticket_id) VALUES ($1, $2, $3, $4, $5, $6)',
      [ticket.ticketId, ticket.type, ticket.orderId, ticket.storeId, ticket.status, ticket.cancelsTicketId],
    );
  }

  /** Marks a ticket withdrawn; false when no such ticket exists. */
  async cancelTicket(ticketId: string): Promise<boolean> {
    const rows = (await this.dataSource.query("UPDATE sandbox_imshop_tickets SET status = 'cancelled' WHERE ticket_id = $1 RETURNING ticket_id", [
      ticketId,
    ])) as unknown[];
    return affectedRows(rows) > 0;
  }
}
