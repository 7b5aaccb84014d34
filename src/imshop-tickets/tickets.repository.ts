import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { runInTransaction, type Tx } from '../database/transaction';
import type { Page } from '../common/page';
import { pageOf } from '../database/paging';
import type { StoredEventSelection } from '../common/stored-event-selection';
import { affectedRows } from '../database/affected-rows';
import { deleteOldestBefore } from '../database/delete-oldest';
import { hydrate } from '../database/hydrate';
import { uniqueViolationOf } from '../database/unique-violation';
import type { ListTicketsQuery } from './dto/list-tickets.query';
import { ImshopTicketEvent } from './ticket-event.entity';
import type { ImshopTicketRequest } from './ticket-request.entity';
import { ImshopTicket } from './ticket.entity';

/**
 * Locks the batch's tickets that exist, in ticket id order (the lock is taken above the sort), and reads them
 * as they are once locked; one row with only `__now` (the transaction's time) when none exists. A ticket
 * another transaction is inserting is not seen: the batch then meets it at the unique index when it inserts
 * the ticket itself, and runs again (see TicketIntakeService.storeBatch).
 */
const LOCK_TICKETS_SQL = `WITH locked AS MATERIALIZED (
    SELECT * FROM imshop_tickets WHERE imshop_ticket_id = ANY($1::varchar[]) ORDER BY imshop_ticket_id FOR UPDATE
  )
  SELECT locked.*, now() AS "__now" FROM (SELECT 1) AS one LEFT JOIN locked ON true`;

/** Which of the batch's dedupe keys are already stored. */
const STORED_KEYS_SQL = 'SELECT dedupe_key FROM imshop_ticket_events WHERE dedupe_key = ANY($1::varchar[])';

/**
 * The tickets of a batch as its webhooks left them: new ones inserted (in ticket id order, so two batches
 * inserting the same two tickets wait on each other in the same order), known ones updated; and the batch's
 * new events with their outcomes. `state` is every ticket's state after the batch; the UPDATE does not see
 * the rows the same statement inserts, so it changes the known ones only. The events' foreign key is checked
 * at the end of the statement, when the new tickets are there.
 */
const WRITE_TICKETS_SQL = `WITH event AS (
    INSERT INTO imshop_ticket_events (ticket_id, status, step, event_at, dedupe_key, outcome, note, payload)
    SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::timestamptz[], $5::varchar[], $6::varchar[], $7::varchar[], $8::jsonb[])
  ), state AS (
    SELECT * FROM unnest($9::uuid[], $10::varchar[], $11::uuid[], $12::varchar[], $13::timestamptz[], $14::boolean[], $15::jsonb[], $16::varchar[], $17::varchar[])
      AS v(id, type, order_id, status, status_at, closed, unavailable_items, tracking_number, delivery_order_id)
  ), created AS (
    INSERT INTO imshop_tickets (id, imshop_ticket_id, oms_order_number, store_id, created_by_us, type, order_id, status, status_at, closed,
      unavailable_items, tracking_number, delivery_order_id)
    SELECT c.id, c.imshop_ticket_id, c.oms_order_number, c.store_id, false, v.type, v.order_id, v.status, v.status_at, v.closed,
      v.unavailable_items, v.tracking_number, v.delivery_order_id
    FROM unnest($18::uuid[], $19::varchar[], $20::varchar[], $21::varchar[]) WITH ORDINALITY AS c(id, imshop_ticket_id, oms_order_number, store_id, n)
    JOIN state v ON v.id = c.id
    ORDER BY c.n
  )
  UPDATE imshop_tickets t SET type = v.type, order_id = v.order_id, status = v.status, status_at = v.status_at, closed = v.closed,
    unavailable_items = v.unavailable_items, tracking_number = v.tracking_number, delivery_order_id = v.delivery_order_id, updated_at = now()
  FROM state v
  WHERE t.id = v.id`;

/**
 * The unique indexes a batch meets when another transaction stored one of its new tickets first: the
 * ticket's, its event's, or the order history row of that event (keyed by the event's dedupe key), whichever
 * the batch reaches first. The other transaction committed, else the batch would not have been refused.
 */
const NEW_TICKET_RACE_INDEXES = new Set(['uq_imshop_tickets_imshop_ticket_id', 'uq_imshop_ticket_events_dedupe_key', 'uq_order_history_dedupe_key']);

/**
 * Another transaction stored a ticket event this batch took for new. (Only a new ticket's can: the batch
 * holds a known ticket locked while it checks its events' keys, and every other transaction that stores an
 * event of it locks it first.)
 */
export function isNewTicketRace(error: unknown): boolean {
  return NEW_TICKET_RACE_INDEXES.has(uniqueViolationOf(error) ?? '');
}

/** A status event of a batch, stored with its outcome. */
export interface TicketEventRow {
  ticketId: string;
  status: string;
  step: string | null;
  eventAt: Date;
  dedupeKey: string;
  outcome: string;
  note: string | null;
  /** The webhook body without the key. */
  payload: unknown;
}

/** A stored status event as its replay reads it. */
export interface StoredTicketEvent {
  dedupe_key: string;
  event_at: Date;
  received_at: Date;
  payload: unknown;
  outcome: string;
  imshop_ticket_id: string;
}

/** The SQL of the ticket registry (imshop_tickets) and of its inbox (imshop_ticket_events). */
@Injectable()
export class TicketsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return runInTransaction(this.dataSource, work);
  }

  // ---------------------------------------------------------------- intake (a batch of status webhooks)

  /** Locks and reads the tickets of a batch (see LOCK_TICKETS_SQL), with the transaction's time. */
  async lockBatch(manager: EntityManager, imshopTicketIds: string[]): Promise<{ tickets: ImshopTicket[]; now: Date }> {
    const rows = (await manager.query(LOCK_TICKETS_SQL, [imshopTicketIds])) as Record<string, unknown>[];
    // now(): the transaction's time, which every updated_at it writes gets.
    const now = rows[0].__now as Date;
    return { tickets: rows.filter((row) => row.id !== null).map((row) => hydrate(manager, ImshopTicket, row)), now };
  }

  async storedKeys(manager: EntityManager, dedupeKeys: string[]): Promise<Set<string>> {
    if (dedupeKeys.length === 0) return new Set();
    return new Set(((await manager.query(STORED_KEYS_SQL, [dedupeKeys])) as { dedupe_key: string }[]).map((row) => row.dedupe_key));
  }

  /**
   * One statement for the tickets (`fresh` ones inserted, the others updated: no read-before-write, as save()
   * would do) and the batch's new events with their outcomes.
   */
  async writeBatch(manager: EntityManager, tickets: ImshopTicket[], fresh: ImshopTicket[], events: TicketEventRow[]): Promise<void> {
    await manager.query(WRITE_TICKETS_SQL, [
      events.map((event) => event.ticketId),
      events.map((event) => event.status),
      events.map((event) => event.step),
      events.map((event) => event.eventAt),
      events.map((event) => event.dedupeKey),
      events.map((event) => event.outcome),
      events.map((event) => event.note),
      events.map((event) => JSON.stringify(event.payload)),
      tickets.map((ticket) => ticket.id),
      tickets.map((ticket) => ticket.type),
      tickets.map((ticket) => ticket.orderId),
      tickets.map((ticket) => ticket.status),
      tickets.map((ticket) => ticket.statusAt),
      tickets.map((ticket) => ticket.closed),
      tickets.map((ticket) => (ticket.unavailableItems === null || ticket.unavailableItems === undefined ? null : JSON.stringify(ticket.unavailableItems))),
      tickets.map((ticket) => ticket.trackingNumber),
      tickets.map((ticket) => ticket.deliveryOrderId),
      fresh.map((ticket) => ticket.id),
      fresh.map((ticket) => ticket.imshopTicketId),
      fresh.map((ticket) => ticket.omsOrderNumber),
      fresh.map((ticket) => ticket.storeId),
    ]);
  }

  // ---------------------------------------------------------------- one ticket

  lockTicket(manager: EntityManager, imshopTicketId: string): Promise<ImshopTicket | null> {
    return manager
      .getRepository(ImshopTicket)
      .createQueryBuilder('t')
      .setLock('pessimistic_write')
      .where('t.imshop_ticket_id = :imshopTicketId', { imshopTicketId })
      .getOne();
  }

  /** A ticket we did not create; concurrent first events of it meet at the unique index. */
  async registerUnknownTicket(manager: EntityManager, imshopTicketId: string, omsOrderNumber: string, storeId: string): Promise<ImshopTicket> {
    const [created] = (await manager.query(
      `INSERT INTO imshop_tickets (imshop_ticket_id, oms_order_number, store_id, created_by_us)
       VALUES ($1, $2, $3, false) ON CONFLICT (imshop_ticket_id) DO NOTHING RETURNING *`,
      [imshopTicketId, omsOrderNumber, storeId],
    )) as Record<string, unknown>[];
    // Our insert locks the new row; else another transaction inserted it first and we wait for its lock.
    if (created) return hydrate(manager, ImshopTicket, created);
    const ticket = await this.lockTicket(manager, imshopTicketId);
    if (!ticket) throw new Error(`ticket ${imshopTicketId} vanished between insert and lock`);
    return ticket;
  }

  /**
   * Closes a withdrawn ticket, with an event of ours that says so (its key makes a repeat a no-op). False when
   * we do not know the ticket.
   */
  async closeWithdrawn(manager: EntityManager, imshopTicketId: string, at: Date, record: { dedupeKey: string; note: string }): Promise<boolean> {
    const target = await this.lockTicket(manager, imshopTicketId);
    if (!target) return false;
    await manager.query('UPDATE imshop_tickets SET closed = true, updated_at = now() WHERE id = $1', [target.id]);
    await manager.query(
      `INSERT INTO imshop_ticket_events (ticket_id, status, event_at, dedupe_key, outcome, note)
       VALUES ($1, 'cancelled', $2, $3, 'closed', $4) ON CONFLICT (dedupe_key) DO NOTHING`,
      [target.id, at, record.dedupeKey, record.note],
    );
    return true;
  }

  findById(manager: EntityManager, id: string): Promise<ImshopTicket> {
    return manager.getRepository(ImshopTicket).findOneByOrFail({ id });
  }

  findByImshopId(imshopTicketId: string): Promise<ImshopTicket | null> {
    return this.dataSource.getRepository(ImshopTicket).findOneBy({ imshopTicketId });
  }

  // ---------------------------------------------------------------- tickets we create

  /** Registers a ticket IMSHOP created for us (or makes ours the one its webhook registered first). */
  async saveCreated(
    manager: EntityManager,
    ticket: {
      imshopTicketId: string;
      type: string;
      omsOrderNumber: string;
      orderId: string | null;
      storeId: string;
      status: string;
      request: unknown;
      cancelsTicketId: string | null;
      closed: boolean;
    },
  ): Promise<ImshopTicket> {
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO imshop_tickets (imshop_ticket_id, type, oms_order_number, order_id, store_id, status, created_by_us, request, cancels_ticket_id, closed)
       VALUES ($1, $2, $3, $4, $5, $6, true, $7, $8, $9)
       ON CONFLICT (imshop_ticket_id) DO UPDATE SET
         created_by_us = true,
         type = COALESCE(imshop_tickets.type, EXCLUDED.type),
         order_id = COALESCE(imshop_tickets.order_id, EXCLUDED.order_id),
         request = EXCLUDED.request,
         cancels_ticket_id = EXCLUDED.cancels_ticket_id,
         closed = imshop_tickets.closed OR EXCLUDED.closed,
         updated_at = now()
       RETURNING id`,
      [
        ticket.imshopTicketId,
        ticket.type,
        ticket.omsOrderNumber,
        ticket.orderId,
        ticket.storeId,
        ticket.status,
        JSON.stringify(ticket.request),
        ticket.cancelsTicketId,
        ticket.closed,
      ],
    );
    return this.findById(manager, rows[0].id);
  }

  /** The ticket is being withdrawn at our request (a cancel ticket for it was accepted). */
  async markCancelRequested(manager: EntityManager, imshopTicketId: string): Promise<void> {
    await manager.query('UPDATE imshop_tickets SET cancel_requested_at = COALESCE(cancel_requested_at, now()) WHERE imshop_ticket_id = $1', [imshopTicketId]);
  }

  /** The open tickets we created for an order that were not asked to be withdrawn yet. */
  openTicketsToWithdraw(omsOrderNumber: string): Promise<ImshopTicket[]> {
    return this.dataSource
      .getRepository(ImshopTicket)
      .createQueryBuilder('t')
      .where('t.oms_order_number = :omsOrderNumber', { omsOrderNumber })
      .andWhere("NOT t.closed AND t.created_by_us AND t.type IS NOT NULL AND t.type <> 'cancel' AND t.cancel_requested_at IS NULL")
      .orderBy('t.created_at', 'ASC')
      .getMany();
  }

  /** Claims a ticket's withdrawal, so two concurrent cancellations of its order send one cancel ticket. */
  async claimWithdrawal(ticketId: string): Promise<boolean> {
    const claimed: unknown = await this.dataSource.query(
      'UPDATE imshop_tickets SET cancel_requested_at = now() WHERE id = $1 AND cancel_requested_at IS NULL AND NOT closed RETURNING id',
      [ticketId],
    );
    return affectedRows(claimed) > 0;
  }

  /** The withdrawal failed: the ticket is tried again on the next cancellation. */
  async releaseWithdrawal(ticketId: string): Promise<void> {
    await this.dataSource.query('UPDATE imshop_tickets SET cancel_requested_at = NULL WHERE id = $1', [ticketId]);
  }

  /**
   * Tickets that may be the one IMSHOP created for a request whose answer was lost: of the request's order and
   * store, not created by us, of its type or of none, first heard of after it was sent. At most two (one is an answer).
   */
  adoptionCandidates(request: ImshopTicketRequest): Promise<ImshopTicket[]> {
    return this.dataSource
      .getRepository(ImshopTicket)
      .createQueryBuilder('t')
      .where('t.oms_order_number = :number AND t.store_id = :store AND NOT t.created_by_us', { number: request.omsOrderNumber, store: request.storeId })
      .andWhere('(t.type IS NULL OR t.type = :type) AND t.created_at >= :sentAt', { type: request.type, sentAt: request.sentAt })
      .limit(2)
      .getMany();
  }

  /** A ticket IMSHOP reported becomes the one it created for our request. */
  async markAdopted(
    manager: EntityManager,
    ticketId: string,
    adoption: { type: string; request: unknown; orderId: string | null; closed: boolean },
  ): Promise<ImshopTicket> {
    await manager.query(
      `UPDATE imshop_tickets SET created_by_us = true, type = $2, request = $3, order_id = COALESCE(order_id, $4), closed = closed OR $5, updated_at = now() WHERE id = $1`,
      [ticketId, adoption.type, JSON.stringify(adoption.request), adoption.orderId, adoption.closed],
    );
    return this.findById(manager, ticketId);
  }

  /** The statuses of a ticket that were recorded without a type (the order left as it was), oldest first. */
  async recordedEventIds(ticketId: string): Promise<string[]> {
    const rows = (await this.dataSource.query(`SELECT id FROM imshop_ticket_events WHERE ticket_id = $1 AND outcome = 'recorded' ORDER BY id`, [ticketId])) as {
      id: string;
    }[];
    return rows.map((row) => row.id);
  }

  // ---------------------------------------------------------------- stored events (replay, retention)

  async storedEvent(manager: EntityManager, eventId: string): Promise<StoredTicketEvent | undefined> {
    const [event] = (await manager.query(
      `SELECT e.dedupe_key, e.event_at, e.received_at, e.payload, e.outcome, t.imshop_ticket_id FROM imshop_ticket_events e JOIN imshop_tickets t ON t.id = e.ticket_id WHERE e.id = $1`,
      [eventId],
    )) as StoredTicketEvent[];
    return event;
  }

  async countEvents(selection: StoredEventSelection): Promise<number> {
    const { where, params } = selectionSql(selection);
    const [{ n }] = (await this.dataSource.query(`SELECT count(*)::int AS n FROM imshop_ticket_events e WHERE ${where}`, params)) as { n: number }[];
    return n;
  }

  async eventIdsAfter(selection: StoredEventSelection, afterId: string, limit: number): Promise<string[]> {
    const { where, params } = selectionSql(selection);
    const rows = (await this.dataSource.query(
      `SELECT e.id FROM imshop_ticket_events e WHERE ${where} AND e.id > $${params.length + 1} ORDER BY e.id LIMIT $${params.length + 2}`,
      [...params, afterId, limit],
    )) as { id: string }[];
    return rows.map((row) => row.id);
  }

  /** Deletes up to `limit` events received before `before`, oldest first; says how many went. */
  async deleteEventsReceivedBefore(before: Date, limit: number): Promise<number> {
    return deleteOldestBefore(this.dataSource, 'imshop_ticket_events', 'received_at', before, limit);
  }

  // ---------------------------------------------------------------- reads

  list(query: ListTicketsQuery): Promise<Page<ImshopTicket>> {
    const qb = this.dataSource.getRepository(ImshopTicket).createQueryBuilder('t').orderBy('t.created_at', 'DESC').addOrderBy('t.id', 'ASC');
    if (query.orderId) qb.andWhere('(t.oms_order_number = :orderId OR t.order_id::text = :orderId)', { orderId: query.orderId });
    if (query.status) qb.andWhere('t.status = :status', { status: query.status });
    if (query.type === 'unknown') qb.andWhere('t.type IS NULL');
    else if (query.type) qb.andWhere('t.type = :type', { type: query.type });
    if (query.closed !== undefined) qb.andWhere('t.closed = :closed', { closed: query.closed });
    return pageOf(qb, query);
  }

  /** One ticket by our id or IMSHOP's (the oldest, should both match), with every event of it, oldest first. */
  async findWithEvents(id: string): Promise<(ImshopTicket & { events: ImshopTicketEvent[] }) | null> {
    const ticket = await this.dataSource
      .getRepository(ImshopTicket)
      .createQueryBuilder('t')
      .where('t.imshop_ticket_id = :id OR t.id::text = :id', { id })
      .orderBy('t.created_at', 'ASC')
      .getOne();
    if (!ticket) return null;
    const events = await this.dataSource.getRepository(ImshopTicketEvent).find({ where: { ticketId: ticket.id }, order: { id: 'ASC' } });
    return Object.assign(ticket, { events });
  }

  /** The tickets of an order: linked to it, or naming its OMS number. */
  ofOrder(orderId: string, omsOrderNumber: string | null): Promise<ImshopTicket[]> {
    const qb = this.dataSource.getRepository(ImshopTicket).createQueryBuilder('t').where('t.order_id = :id', { id: orderId });
    if (omsOrderNumber) qb.orWhere('t.oms_order_number = :number', { number: omsOrderNumber });
    return qb.orderBy('t.created_at', 'ASC').getMany();
  }
}

function selectionSql(selection: StoredEventSelection): { where: string; params: unknown[] } {
  if ('ids' in selection) return { where: 'e.id = ANY($1::bigint[])', params: [selection.ids] };
  return { where: 'e.received_at >= $1 AND e.received_at < $2', params: [selection.since, selection.until] };
}
