import {
  BadGatewayException,
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { boundEventTime, withNote } from '../common/event-time';
import { GroupCommit } from '../common/group-commit';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { hydrate } from '../database/hydrate';
import { uniqueViolationOf } from '../database/unique-violation';
import { currentRequestId, withRequestId } from '../logging/request-context';
import { ImshopClient, type ImshopCallResult } from '../imshop-client/imshop.client';
import { Handles } from '../events/channels';
import { ORDER_DETAILS } from '../orders/order-events';
import { OrdersService, type ApplyResult, type StatusEvent } from '../orders/orders.service';
import type { Order } from '../orders/order.entity';
import type { TicketType } from '../status-mapping/mapping-systems';
import { CreateTicketDto } from './dto/create-ticket.dto';
import type { ListTicketsQuery } from './dto/list-tickets.query';
import { TicketStatusWebhookDto } from './dto/ticket-status-webhook.dto';
import { isPlainObject, validateDto } from '../common/validate-dto';
import { ImshopTicketEvent } from './ticket-event.entity';
import {
  inferTicketType,
  isFinalTicketStatus,
  isStatusValidForType,
  isTicketType,
  ticketDedupeKey,
  ticketEventTime,
  TICKET_STATUSES_BY_TYPE,
} from './ticket-rules';
import { ImshopTicket } from './ticket.entity';
import { ImshopTicketRequest } from './ticket-request.entity';
import { pageOf } from '../common/page';

/** Dedupe keys are indexed; a longer one (long ticket id and step) is stored as its hash. */
const MAX_KEY_LENGTH = 400;
const KEY_PREFIX = 'imshop_ticket:';
const MAX_COMMENT = 4000;

/**
 * Locks the batch's tickets that exist, in ticket id order (the lock is taken above the sort), and reads them
 * as they are once locked; one row with only `__now` (the transaction's time) when none exists. A ticket
 * another transaction is inserting is not seen: the batch then meets it at the unique index when it inserts
 * the ticket itself, and runs again (see storeBatch).
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
/** How often a batch runs again after such a race: each time, the ticket it met is there to lock. */
const MAX_TICKET_RACES = 3;

const RECORDED_NOTE = 'ticket type unknown (not created by us, status fits several types or none): order left as it is';

/** IMSHOP's answer to ticket creation ("Создание заявки"). */
interface ImshopTicketAnswer {
  success?: unknown;
  ticketId?: unknown;
  status?: unknown;
  errorCode?: unknown;
  errorMessage?: unknown;
}

export interface TicketReceipt {
  duplicate: boolean;
  /** The order history outcome, `recorded` (type unknown, order untouched) or `duplicate`. */
  outcome: string;
  ticket: ImshopTicket;
}

/** A validated webhook waiting for its batch. */
interface IncomingStatus {
  dto: TicketStatusWebhookDto;
  /** The body as stored (without the key). */
  payload: Record<string, unknown>;
  eventAt: Date;
  /** Why eventAt is not IMSHOP's timestamp (its clock ran ahead), for the order history. */
  eventTimeNote: string | undefined;
  dedupeKey: string;
  requestId: string | undefined;
}

/** A status event as the rules see it. */
interface TicketEvent {
  dto: TicketStatusWebhookDto;
  ticket: ImshopTicket;
  type: TicketType | null;
  withdrawn: boolean;
  eventAt: Date;
  /** Why eventAt is not IMSHOP's timestamp, for the order history. */
  eventTimeNote?: string;
  dedupeKey: string;
  payload: unknown;
  /** Applied again: a replay, or its ticket's statuses once the type is known. */
  replay?: boolean;
}

/** A webhook of a batch once its event is stored (or found a duplicate), waiting for its order change. */
/** A webhook's event, stored once its outcome is known. */
interface NewEvent {
  staged: Staged;
  outcome: string;
  note: string | null;
}

interface Staged {
  item: IncomingStatus;
  /** Its place in the batch as submitted. */
  index: number;
  /** The locked ticket, changed by every webhook of it in the batch. */
  ticket: ImshopTicket;
  /** The ticket as this webhook left it, for its answer (its order id is filled in with the others). */
  copy: ImshopTicket;
  /** False: a duplicate, nothing stored. */
  isNew: boolean;
  /** Null: the ticket type is unknown, the order is not changed. */
  change: (StatusEvent & { note: string }) | null;
  result?: ApplyResult;
  /** For an unknown type, the order of the webhook's number before the batch changed any order. */
  orderBefore: string | null;
}

export interface CreatedTicket {
  ticket: ImshopTicket;
  /** IMSHOP's answer as it came. */
  imshop: unknown;
}

@Injectable()
export class TicketsService {
  private readonly logger = new Logger('ImshopTickets');
  private readonly intake = new GroupCommit((batch: IncomingStatus[]) => this.storeBatch(batch), { maxBatch: 64, maxInFlight: 2 });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly orders: OrdersService,
    private readonly client: ImshopClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}


  // ---------------------------------------------------------------- IMSHOP → us: status webhook

  /**
   * Validates the webhook, then in one transaction: registers an unknown ticket, stores the event (its
   * dedupe key makes a re-delivery a no-op), applies the status to the order through the mapping table when
   * the ticket type is known, and updates the ticket. Only then may the controller answer 200.
   * Concurrent webhooks share that transaction (group commit: see storeBatch).
   */
  async receiveStatus(body: unknown): Promise<TicketReceipt> {
    const checked = validateDto(TicketStatusWebhookDto, body);
    if (!checked.ok) throw new BadRequestException(checked.messages);
    const dto = checked.value;
    const receivedAt = new Date();
    const claimed = ticketEventTime(dto);
    // IMSHOP's clock running ahead must not freeze the order (or the ticket's status): see boundEventTime.
    const eventTime = claimed ? boundEventTime(claimed, receivedAt, this.config.eventTimeMaxSkewMs) : { at: receivedAt };
    const result = await this.intake.submit({
      dto,
      payload: withoutKey(body as Record<string, unknown>),
      eventAt: eventTime.at,
      eventTimeNote: eventTime.note,
      dedupeKey: boundedKey(`${KEY_PREFIX}${ticketDedupeKey(dto)}`),
      requestId: currentRequestId(),
    });
    if (result instanceof BadRequestException) throw result;
    return result;
  }

  /**
   * One transaction for a batch of webhooks, with the outcome of handling them one after the other, each
   * in a transaction of its own: a second status of a ticket sees the first's writes and a repeated dedupe
   * key is a duplicate. The tickets are locked first, all in one statement in ticket id order. Then, webhook
   * by webhook in order number order, what depends only on the ticket: the refusal of a status invalid for
   * its type, the event (the dedupe gate), a withdrawn ticket closed, the ticket's new state kept in memory.
   * Then the order changes of them all in one applyStatusBatch (two statements a round; orders locked in the
   * webhooks' order), and last the tickets and the events' outcomes in one statement. Nothing a webhook reads
   * is written by a later step of an earlier one (order changes do not read tickets or events; a ticket's
   * order id is filled in last, from the order changes before it), so the outcome is that of one at a time,
   * in one statement per webhook and a few per batch instead of about seven per webhook.
   *
   * Two batches lock tickets, then orders, in the same order, so they do not wait on each other in a cycle
   * (a ticket withdrawn by a cancel ticket is locked out of turn; a deadlock there fails the batch). A
   * status invalid for its ticket's type is refused before anything of its webhook is written, so the batch
   * goes on without it; any other error rolls the whole batch back, and GroupCommit retries it one webhook
   * per transaction, so the error reaches only its own caller and the others are stored without it.
   * A new ticket is inserted last, with its state after the batch; when another transaction inserted it
   * first (two first webhooks of one ticket in two batches at once), the batch waits for that one to commit
   * at a unique index (of the ticket, its event or the event's order history row), and runs again, now
   * finding the ticket to lock.
   */
  private async storeBatch(batch: IncomingStatus[]): Promise<(TicketReceipt | BadRequestException)[]> {
    for (let race = 1; ; race++) {
      try {
        return await this.storeBatchOnce(batch);
      } catch (error) {
        if (race >= MAX_TICKET_RACES || !isNewTicketRace(error)) throw error;
      }
    }
  }

  private storeBatchOnce(batch: IncomingStatus[]): Promise<(TicketReceipt | BadRequestException)[]> {
    const order = batch.map((item, index) => ({ item, index }));
    order.sort((a, b) => compare(a.item.dto.orderId, b.item.dto.orderId) || compare(a.item.dto.ticketId, b.item.dto.ticketId) || a.index - b.index);
    return this.dataSource.transaction(async (manager) => {
      const { tickets, created, now } = await this.lockTickets(manager, order.map(({ item }) => item.dto));
      // A dedupe key names its ticket, which this transaction holds locked: the keys stored now, with those
      // the batch stores as it goes, tell every repeat, so the new events can be inserted at the end, in one
      // statement and with their outcomes (not inserted, then updated: half the dead rows for vacuum). A
      // ticket not stored yet has no events.
      const storedKeysOf = order.filter(({ item }) => !created.has(tickets.get(item.dto.ticketId)!)).map(({ item }) => item.dedupeKey);
      const seenKeys = new Set(
        storedKeysOf.length === 0
          ? []
          : ((await manager.query(STORED_KEYS_SQL, [storedKeysOf])) as { dedupe_key: string }[]).map((row) => row.dedupe_key),
      );
      const answers: (TicketReceipt | BadRequestException)[] = new Array(batch.length);
      const staged: Staged[] = [];
      for (const { item, index } of order) {
        const step = await withRequestId(item.requestId, () => this.stage(manager, item, tickets, now, seenKeys));
        if (step instanceof BadRequestException) answers[index] = step;
        else staged.push({ ...step, index });
      }

      const changes = staged.filter((s) => s.change !== null);
      const applied = await this.orders.applyStatusBatch(changes.map((s) => s.change!), manager);
      changes.forEach((s, i) => (s.result = applied[i]));

      // A webhook whose ticket type is unknown links the ticket to the order of its number as it was at its
      // turn: one an earlier webhook of the batch found or created, else the one there before the batch.
      const orderOfNumber = new Map<string, string>();
      const events: NewEvent[] = [];
      for (const s of staged) {
        const { dto } = s.item;
        let outcome = 'duplicate';
        if (s.isNew) {
          if (s.result) orderOfNumber.set(dto.orderId, s.result.order.id);
          s.ticket.orderId = s.result?.order.id ?? s.ticket.orderId ?? orderOfNumber.get(dto.orderId) ?? s.orderBefore;
          outcome = s.result?.outcome ?? 'recorded';
          events.push({ staged: s, outcome, note: truncate(s.result ? (s.result.reason ?? null) : RECORDED_NOTE) });
          if (s.result?.attention) withRequestId(s.item.requestId, () => this.logger.warn(`${s.change!.note}: needs attention (order ${dto.orderId})`));
        }
        s.copy.orderId = s.ticket.orderId;
        answers[s.index] = { duplicate: !s.isNew, outcome, ticket: s.copy };
      }
      await this.writeTickets(manager, [...new Set(staged.filter((s) => s.isNew).map((s) => s.ticket))], created, events);
      return answers;
    });
  }

  /**
   * A webhook's part of a batch that depends on its ticket only (see storeBatch); `tickets` holds the
   * batch's locked tickets as the webhooks before this one left them. Answers the refusal of a status invalid
   * for the ticket's type, which a transaction of its own would have thrown (and rolled back with nothing
   * written): thrown here, it would roll back the whole batch.
   */
  private async stage(
    manager: EntityManager,
    item: IncomingStatus,
    tickets: Map<string, ImshopTicket>,
    now: Date,
    seenKeys: Set<string>,
  ): Promise<Omit<Staged, 'index'> | BadRequestException> {
    const { dto, payload, eventAt, dedupeKey } = item;
    const metadata = dto.metadata ?? undefined;
    const ticket = tickets.get(dto.ticketId)!;
    let type: TicketType | null;
    /** IMSHOP reports the withdrawal of a ticket we asked to cancel under the ticket's own id. */
    let withdrawn = false;
    if (ticket.type) {
      type = ticket.type as TicketType;
      if (!isStatusValidForType(type, dto.status)) {
        if (dto.status === 'cancelled' && ticket.cancelRequestedAt) withdrawn = true;
        else return new BadRequestException([invalidStatusMessage(dto.status, type, ticket.imshopTicketId)]);
      }
    } else {
      // A ticket we did not create (or one whose type is still open): the status names the type only when
      // exactly one type has it; `failed`, `not-accepted`, `timeout`, `advance` and unknown codes do not.
      type = inferTicketType(dto.status);
    }

    // A copy for the answer: the batch's later webhooks of the ticket go on changing the locked one.
    if (seenKeys.has(dedupeKey)) return { item, ticket, copy: copyOf(ticket), isNew: false, change: null, orderBefore: null };
    seenKeys.add(dedupeKey);

    const e = { dto, ticket, type, withdrawn, eventAt, eventTimeNote: item.eventTimeNote, dedupeKey, payload };
    await this.closeWithdrawnBy(manager, e, tickets);
    const change = this.orderChange(e);
    const orderBefore = change === null && ticket.orderId === null ? ((await this.orders.findByIdentity({ omsOrderNumber: dto.orderId }, manager))?.id ?? null) : null;

    // The ticket keeps its latest status by event time; a final status closes it whenever it arrives.
    const mappingType: TicketType | null = withdrawn ? 'cancel' : type;
    if (ticket.type === null && type !== null) ticket.type = type;
    const latest = ticket.statusAt === null || eventAt >= ticket.statusAt;
    if (latest) {
      ticket.status = dto.status;
      ticket.statusAt = eventAt;
    }
    if (withdrawn || (mappingType !== null && isFinalTicketStatus(mappingType, dto.status))) ticket.closed = true;
    if (metadata?.unavailableItems && (latest || ticket.unavailableItems === null)) ticket.unavailableItems = metadata.unavailableItems;
    if (metadata?.deliveryTrackingNumber && (latest || ticket.trackingNumber === null)) ticket.trackingNumber = metadata.deliveryTrackingNumber;
    if (metadata?.deliveryOrderId && (latest || ticket.deliveryOrderId === null)) ticket.deliveryOrderId = metadata.deliveryOrderId;
    ticket.updatedAt = now;
    return { item, ticket, copy: copyOf(ticket), isNew: true, change: change && { ...change, requestId: item.requestId }, orderBefore };
  }

  /**
   * The event's effect on the order (replayed; live webhooks take the same steps in storeBatch): through the
   * mapping table by ticket type, or `recorded` when the type is unknown.
   */
  private async applyToOrder(manager: EntityManager, e: TicketEvent): Promise<{ outcome: string; eventNote: string | null; orderId: string | null }> {
    const { dto, ticket } = e;
    await this.closeWithdrawnBy(manager, e);
    const change = this.orderChange(e);
    if (!change) {
      const orderId = ticket.orderId ?? (await this.orders.findByIdentity({ omsOrderNumber: dto.orderId }, manager))?.id ?? null;
      return { outcome: 'recorded', eventNote: RECORDED_NOTE, orderId };
    }
    const result = await this.orders.applyStatus(change, manager);
    if (result.attention) this.logger.warn(`${change.note}: needs attention (order ${dto.orderId})`);
    return { outcome: result.outcome, eventNote: result.reason ?? null, orderId: result.order.id };
  }

  /** The event as a status change of its order, through the mapping table; null when the ticket type is unknown. */
  private orderChange(e: TicketEvent): (StatusEvent & { note: string }) | null {
    const { dto, ticket, type, withdrawn, eventAt, eventTimeNote, dedupeKey, payload, replay } = e;
    const mappingType: TicketType | null = withdrawn ? 'cancel' : type;
    if (!mappingType) return null;
    return {
      source: 'imshop_ticket',
      identity: { omsOrderNumber: dto.orderId },
      ticketType: mappingType,
      externalCode: dto.status,
      eventAt,
      dedupeKey,
      trackingNumber: dto.metadata?.deliveryTrackingNumber ?? undefined,
      payload,
      note: withNote(describeEvent(dto, type ?? (ticket.type as TicketType | null), withdrawn), eventTimeNote)!,
      replay,
    };
  }

  /**
   * A cancel ticket succeeded: the ticket it withdrew is closed. Done before the order is locked, so two
   * webhooks never take the ticket and order locks in opposite orders.
   */
  private async closeWithdrawnBy(manager: EntityManager, e: TicketEvent, locked?: Map<string, ImshopTicket>): Promise<void> {
    const { dto, ticket, type, withdrawn, eventAt } = e;
    const mappingType: TicketType | null = withdrawn ? 'cancel' : type;
    if (mappingType === 'cancel' && dto.status === 'cancelled' && ticket.cancelsTicketId) {
      await this.closeWithdrawn(manager, ticket.cancelsTicketId, ticket.imshopTicketId, eventAt, locked);
    }
  }

  /**
   * Replay (POST /admin/events/replay): a stored status event's effect on the order once more, by the same
   * rules as live traffic (applyToOrder), in a transaction of its own. `historyKeyPrefix` makes the history
   * dedupe key differ from the original's, so the replay applies once per prefix; latest-event-time-wins
   * and the state machine hold. The ticket's own status is not touched (it never depended on the mapping).
   */
  async reprocess(eventId: string, historyKeyPrefix: string): Promise<string> {
    return this.dataSource.transaction(async (manager) => {
      const [event] = (await manager.query(
        `SELECT e.dedupe_key, e.event_at, e.received_at, e.payload, e.outcome, t.imshop_ticket_id FROM imshop_ticket_events e JOIN imshop_tickets t ON t.id = e.ticket_id WHERE e.id = $1`,
        [eventId],
      )) as { dedupe_key: string; event_at: Date; received_at: Date; payload: unknown; outcome: string; imshop_ticket_id: string }[];
      if (!event) throw new Error(`IMSHOP ticket event ${eventId} does not exist`);
      if (event.payload === null || event.outcome === 'closed') return 'recorded'; // our own bookkeeping row (a withdrawn ticket)
      const checked = validateDto(TicketStatusWebhookDto, event.payload);
      if (!checked.ok) throw new Error(`stored IMSHOP ticket event ${eventId} no longer validates: ${checked.messages.join('; ')}`);
      const dto = checked.value;
      const ticket = (await this.lockTicket(manager, event.imshop_ticket_id))!;
      const type: TicketType | null = (ticket.type as TicketType | null) ?? inferTicketType(dto.status);
      let withdrawn = false;
      if (type && !isStatusValidForType(type, dto.status)) {
        if (dto.status === 'cancelled' && ticket.cancelRequestedAt) withdrawn = true;
        else throw new Error(invalidStatusMessage(dto.status, type, ticket.imshopTicketId));
      }
      // Events stored before times were bounded at intake may be dated far ahead: bounded by their receipt here.
      const eventTime = boundEventTime(new Date(event.event_at), new Date(event.received_at), this.config.eventTimeMaxSkewMs);
      const result = await this.applyToOrder(manager, {
        dto,
        ticket,
        type,
        withdrawn,
        eventAt: eventTime.at,
        eventTimeNote: eventTime.note,
        dedupeKey: `${historyKeyPrefix}${event.dedupe_key}`,
        payload: event.payload,
        replay: true,
      });
      return result.outcome;
    });
  }

  // ---------------------------------------------------------------- us → IMSHOP: ticket creation

  /**
   * `POST /tickets`: validates, asks IMSHOP to create the ticket, and registers it once IMSHOP accepted it.
   * With a `requestKey` the ticket is created at most once under that key (see ImshopTicketRequest): a repeat
   * after success gets the registered ticket and IMSHOP's first answer; a repeat after IMSHOP refused sends
   * again; a repeat while IMSHOP's answer is unknown is refused with TicketOutcomeUnknownError, unless IMSHOP
   * has meanwhile reported a ticket of the order, which is then taken as the one created.
   */
  async create(body: unknown, options: { requestKey?: string } = {}): Promise<CreatedTicket> {
    const checked = validateDto(CreateTicketDto, body);
    if (!checked.ok) throw new BadRequestException(checked.messages);
    return this.send(checked.value, body as Record<string, unknown>, options.requestKey);
  }

  /**
   * Withdraws, through IMSHOP's ticket API, every open ticket we created for the order (a `cancel` ticket per
   * ticket). A ticket already asked to be withdrawn is skipped, so a repeat does not ask twice; a failed
   * request leaves the ticket to be tried again next time.
   */
  async cancelOpenTicketsForOrder(omsOrderNumber: string, reason?: string): Promise<{ cancelled: string[]; failed: string[] }> {
    const open = await this.dataSource
      .getRepository(ImshopTicket)
      .createQueryBuilder('t')
      .where('t.oms_order_number = :omsOrderNumber', { omsOrderNumber })
      .andWhere("NOT t.closed AND t.created_by_us AND t.type IS NOT NULL AND t.type <> 'cancel' AND t.cancel_requested_at IS NULL")
      .orderBy('t.created_at', 'ASC')
      .getMany();
    const cancelled: string[] = [];
    const failed: string[] = [];
    for (const ticket of open) {
      // Claim the ticket first, so two concurrent cancellations of the order send one cancel ticket.
      const claimed: unknown[] = await this.dataSource.query(
        'UPDATE imshop_tickets SET cancel_requested_at = now() WHERE id = $1 AND cancel_requested_at IS NULL AND NOT closed RETURNING id',
        [ticket.id],
      );
      if (claimedCount(claimed) === 0) continue;
      const body: Record<string, unknown> = { type: 'cancel', orderId: ticket.omsOrderNumber, storeId: ticket.storeId, ticketId: ticket.imshopTicketId };
      if (reason) body.comment = reason.slice(0, MAX_COMMENT);
      try {
        const checked = validateDto(CreateTicketDto, body);
        if (!checked.ok) throw new Error(checked.messages.join('; '));
        await this.send(checked.value, body);
        cancelled.push(ticket.imshopTicketId);
      } catch (error) {
        await this.dataSource.query('UPDATE imshop_tickets SET cancel_requested_at = NULL WHERE id = $1', [ticket.id]);
        failed.push(ticket.imshopTicketId);
        this.logger.warn(`could not withdraw ticket ${ticket.imshopTicketId} of order ${omsOrderNumber}: ${errorText(error)}`);
      }
    }
    return { cancelled, failed };
  }

  private async send(dto: CreateTicketDto, requestBody: Record<string, unknown>, requestKey?: string): Promise<CreatedTicket> {
    if (!this.client.ticketsConfigured) {
      throw new ServiceUnavailableException('the IMSHOP ticket API is not configured (IMSHOP_API_KEY and IMSHOP_TICKETS_URL)');
    }
    let claim: ImshopTicketRequest | undefined;
    if (requestKey !== undefined) {
      const claimed = await this.claimRequest(requestKey, dto, requestBody);
      if (!(claimed instanceof ImshopTicketRequest)) return claimed;
      claim = claimed;
    }
    const call = await this.client.createTicket(requestBody);
    const answer = (isPlainObject(call.body) ? call.body : {}) as ImshopTicketAnswer;
    const accepted = call.status >= 200 && call.status < 300 && answer.success === true && isIdLike(answer.ticketId);
    if (!accepted) {
      const unknown = outcomeUnknown(call);
      let message = describeRefusal(call, answer);
      if (claim) {
        await this.settleRefusal(claim, unknown, message);
        if (unknown) message += `; IMSHOP may have created the ticket, so request ${claim.requestKey} is not sent again until IMSHOP reports a ticket of order ${dto.orderId}`;
      }
      this.logger.warn(`IMSHOP did not create the ${dto.type} ticket for order ${dto.orderId}: ${message}`);
      throw new BadGatewayException({ statusCode: 502, error: 'Bad Gateway', message, imshop: { status: call.status, body: call.body ?? null } });
    }
    const imshopTicketId = String(answer.ticketId);
    const answerStatus = typeof answer.status === 'string' && answer.status ? answer.status.slice(0, 128) : 'created';
    const withdrawnAtOnce = dto.type === 'cancel' && answerStatus === 'cancelled';

    // If this transaction fails (the database went down after IMSHOP answered), a keyed request stays `sending`:
    // its retry does not send again (claimRequest), so IMSHOP's ticket is never created twice.
    const ticket = await this.dataSource.transaction(async (manager) => {
      const order = await this.orders.findByIdentity({ omsOrderNumber: dto.orderId }, manager);
      if (claim) {
        await manager.query(
          `UPDATE imshop_ticket_requests SET state = 'created', imshop_ticket_id = $2, answer = $3, last_error = NULL, updated_at = now() WHERE id = $1`,
          [claim.id, imshopTicketId, JSON.stringify({ success: true, status: answerStatus, ticketId: imshopTicketId })],
        );
      }
      if (dto.type === 'cancel') {
        await manager.query('UPDATE imshop_tickets SET cancel_requested_at = COALESCE(cancel_requested_at, now()) WHERE imshop_ticket_id = $1', [dto.ticketId]);
      }
      if (dto.type === 'cancel' && imshopTicketId === dto.ticketId) {
        // IMSHOP answered with the id of the withdrawn ticket ("идентификатор созданной / отменённой заявки"):
        // there is no separate cancel ticket to register.
        const target = (await this.lockTicket(manager, imshopTicketId)) ?? (await this.registerUnknownTicket(manager, imshopTicketId, dto.orderId, dto.storeId));
        if (withdrawnAtOnce) await this.closeWithdrawn(manager, imshopTicketId, imshopTicketId, new Date());
        return (await this.lockTicket(manager, target.imshopTicketId))!;
      }
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
          imshopTicketId,
          dto.type,
          dto.orderId,
          order?.id ?? null,
          dto.storeId,
          answerStatus,
          JSON.stringify(requestBody),
          dto.type === 'cancel' ? dto.ticketId : null,
          withdrawnAtOnce,
        ],
      );
      if (withdrawnAtOnce) await this.closeWithdrawn(manager, dto.ticketId!, imshopTicketId, new Date());
      return manager.getRepository(ImshopTicket).findOneByOrFail({ id: rows[0].id });
    });
    this.logger.log(`IMSHOP ${dto.type} ticket ${imshopTicketId} for order ${dto.orderId}: ${answerStatus}`);
    return { ticket, imshop: call.body };
  }

  /**
   * Claims a keyed request for sending, in a short transaction committed before the request goes out: a new key,
   * or one IMSHOP refused before. Otherwise says what the key already got: the ticket created under it, or the
   * ticket IMSHOP has since reported for the order (taken as the one created), or TicketOutcomeUnknownError.
   */
  private async claimRequest(requestKey: string, dto: CreateTicketDto, body: Record<string, unknown>): Promise<ImshopTicketRequest | CreatedTicket> {
    const [claimed] = (await this.dataSource.query(
      `INSERT INTO imshop_ticket_requests (request_key, type, oms_order_number, store_id, request, state, attempts, sent_at)
       VALUES ($1, $2, $3, $4, $5, 'sending', 1, now())
       ON CONFLICT (request_key) DO UPDATE SET state = 'sending', attempts = imshop_ticket_requests.attempts + 1, type = EXCLUDED.type,
         oms_order_number = EXCLUDED.oms_order_number, store_id = EXCLUDED.store_id, request = EXCLUDED.request, sent_at = now(),
         last_error = NULL, updated_at = now()
       WHERE imshop_ticket_requests.state = 'refused'
       RETURNING *`,
      [requestKey, dto.type, dto.orderId, dto.storeId, JSON.stringify(body)],
    )) as Record<string, unknown>[];
    if (claimed) return hydrate(this.dataSource.manager, ImshopTicketRequest, claimed);

    const existing = await this.dataSource.getRepository(ImshopTicketRequest).findOneByOrFail({ requestKey });
    if (existing.state === 'created') {
      const ticket = await this.dataSource.getRepository(ImshopTicket).findOneBy({ imshopTicketId: existing.imshopTicketId! });
      if (ticket) return { ticket, imshop: existing.answer };
    }
    const adopted = await this.adoptReportedTicket(existing);
    if (adopted) return adopted;
    throw new TicketOutcomeUnknownError(existing);
  }

  /** IMSHOP answered without creating the ticket: the key may be sent again. No answer at all: it stays `sending`. */
  private async settleRefusal(claim: ImshopTicketRequest, unknown: boolean, message: string): Promise<void> {
    try {
      await this.dataSource.query(`UPDATE imshop_ticket_requests SET state = $2, last_error = $3, updated_at = now() WHERE id = $1 AND state = 'sending'`, [
        claim.id,
        unknown ? 'sending' : 'refused',
        message.slice(0, 1000),
      ]);
    } catch (error) {
      // Not recorded: the request stays `sending`, so it is not sent again (at worst a refused ticket waits for an admin).
      this.logger.warn(`IMSHOP's refusal of ticket request ${claim.requestKey} was not recorded: ${(error as Error).message}`);
    }
  }

  /**
   * A request whose answer is unknown, and IMSHOP has since reported a ticket of the order in that store that
   * we did not create (its webhook registered it), first heard of after the request was sent, of the request's
   * type or of no known type: that is the ticket IMSHOP created, when it is the only one. It becomes ours (its
   * type, so `failed` means something again) and its statuses recorded without a type are applied now.
   */
  private async adoptReportedTicket(request: ImshopTicketRequest): Promise<CreatedTicket | null> {
    const candidates = await this.dataSource
      .getRepository(ImshopTicket)
      .createQueryBuilder('t')
      .where('t.oms_order_number = :number AND t.store_id = :store AND NOT t.created_by_us', { number: request.omsOrderNumber, store: request.storeId })
      .andWhere('(t.type IS NULL OR t.type = :type) AND t.created_at >= :sentAt', { type: request.type, sentAt: request.sentAt })
      .limit(2)
      .getMany();
    if (candidates.length !== 1) return null;
    const [candidate] = candidates;
    const adopted = await this.dataSource.transaction(async (manager) => {
      const ticket = await this.lockTicket(manager, candidate.imshopTicketId);
      if (!ticket || ticket.createdByUs) return null;
      const [taken] = (await manager.query(
        `UPDATE imshop_ticket_requests SET state = 'created', imshop_ticket_id = $2::text, last_error = NULL, updated_at = now(),
           answer = jsonb_build_object('success', true, 'ticketId', $2::text, 'note', 'IMSHOP''s answer was lost; the ticket is the one IMSHOP reported since')
         WHERE id = $1 AND state = 'sending' RETURNING id`,
        [request.id, ticket.imshopTicketId],
      )) as unknown[][];
      if (!taken?.length) return null;
      const type = (ticket.type ?? request.type) as TicketType;
      const order = ticket.orderId ? null : await this.orders.findByIdentity({ omsOrderNumber: request.omsOrderNumber }, manager);
      await manager.query(
        `UPDATE imshop_tickets SET created_by_us = true, type = $2, request = $3, order_id = COALESCE(order_id, $4), closed = closed OR $5, updated_at = now() WHERE id = $1`,
        [ticket.id, type, JSON.stringify(request.request), order?.id ?? null, ticket.status !== null && isFinalTicketStatus(type, ticket.status)],
      );
      return manager.getRepository(ImshopTicket).findOneByOrFail({ id: ticket.id });
    });
    if (!adopted) return null;
    this.logger.warn(`ticket request ${request.requestKey}: IMSHOP's answer was lost; ticket ${adopted.imshopTicketId}, which IMSHOP reported since, is the one it created`);
    const untyped = (await this.dataSource.query(`SELECT id FROM imshop_ticket_events WHERE ticket_id = $1 AND outcome = 'recorded' ORDER BY id`, [adopted.id])) as { id: string }[];
    for (const { id } of untyped) {
      try {
        await this.reprocess(id, 'adopted:');
      } catch (error) {
        this.logger.warn(`status ${id} of adopted ticket ${adopted.imshopTicketId} not applied: ${(error as Error).message}`);
      }
    }
    return { ticket: adopted, imshop: { success: true, ticketId: adopted.imshopTicketId, note: "IMSHOP's answer was lost; the ticket is the one IMSHOP reported since" } };
  }

  // ---------------------------------------------------------------- admin

  async list(query: ListTicketsQuery): Promise<{ items: ImshopTicket[]; total: number; page: number; limit: number }> {
    const qb = this.dataSource.getRepository(ImshopTicket).createQueryBuilder('t').orderBy('t.created_at', 'DESC').addOrderBy('t.id', 'ASC');
    if (query.orderId) qb.andWhere('(t.oms_order_number = :orderId OR t.order_id::text = :orderId)', { orderId: query.orderId });
    if (query.status) qb.andWhere('t.status = :status', { status: query.status });
    if (query.type === 'unknown') qb.andWhere('t.type IS NULL');
    else if (query.type) qb.andWhere('t.type = :type', { type: query.type });
    if (query.closed !== undefined) qb.andWhere('t.closed = :closed', { closed: query.closed });
    return pageOf(qb, query);
  }

  /** One ticket by our id or IMSHOP's, with every event IMSHOP reported for it. */
  async get(id: string): Promise<ImshopTicket & { events: ImshopTicketEvent[] }> {
    const ticket = await this.dataSource
      .getRepository(ImshopTicket)
      .createQueryBuilder('t')
      .where('t.imshop_ticket_id = :id OR t.id::text = :id', { id })
      .orderBy('t.created_at', 'ASC')
      .getOne();
    if (!ticket) throw new NotFoundException(`ticket ${id} does not exist`);
    const events = await this.dataSource.getRepository(ImshopTicketEvent).find({ where: { ticketId: ticket.id }, order: { id: 'ASC' } });
    return Object.assign(ticket, { events });
  }

  /** The admin view of an order lists its tickets (with unavailable items, tracking and waybill numbers). */
  @Handles(ORDER_DETAILS, 'imshopTickets')
  async ticketsOfOrder(order: Order): Promise<unknown> {
    const qb = this.dataSource.getRepository(ImshopTicket).createQueryBuilder('t').where('t.order_id = :id', { id: order.id });
    if (order.omsOrderNumber) qb.orWhere('t.oms_order_number = :number', { number: order.omsOrderNumber });
    return qb.orderBy('t.created_at', 'ASC').getMany();
  }

  // ---------------------------------------------------------------- helpers

  private lockTicket(manager: EntityManager, imshopTicketId: string): Promise<ImshopTicket | null> {
    return manager
      .getRepository(ImshopTicket)
      .createQueryBuilder('t')
      .setLock('pessimistic_write')
      .where('t.imshop_ticket_id = :imshopTicketId', { imshopTicketId })
      .getOne();
  }

  /**
   * Locks the tickets a batch of webhooks names and reads them, in one statement; a ticket we never heard
   * of is made in memory (the first webhook of it gives its order and store) and inserted by writeTickets
   * with its state after the batch, not inserted here and updated there.
   */
  private async lockTickets(
    manager: EntityManager,
    webhooks: TicketStatusWebhookDto[],
  ): Promise<{ tickets: Map<string, ImshopTicket>; created: Set<ImshopTicket>; now: Date }> {
    const first = new Map<string, TicketStatusWebhookDto>();
    for (const dto of webhooks) if (!first.has(dto.ticketId)) first.set(dto.ticketId, dto);
    const rows = (await manager.query(LOCK_TICKETS_SQL, [[...first.keys()]])) as Record<string, unknown>[];
    // now(): the transaction's time, which every updated_at it writes gets.
    const now = rows[0].__now as Date;
    const tickets = new Map<string, ImshopTicket>();
    for (const row of rows) {
      if (row.id === null) continue;
      const ticket = hydrate(manager, ImshopTicket, row);
      tickets.set(ticket.imshopTicketId, ticket);
    }
    const created = new Set<ImshopTicket>();
    for (const [imshopTicketId, dto] of first) {
      if (tickets.has(imshopTicketId)) continue;
      const ticket = Object.assign(new ImshopTicket(), {
        id: randomUUID(),
        imshopTicketId,
        type: null,
        omsOrderNumber: dto.orderId,
        orderId: null,
        storeId: dto.storeId,
        status: null,
        statusAt: null,
        createdByUs: false,
        request: null,
        unavailableItems: null,
        trackingNumber: null,
        deliveryOrderId: null,
        cancelsTicketId: null,
        cancelRequestedAt: null,
        closed: false,
        createdAt: now,
        updatedAt: now,
      });
      tickets.set(imshopTicketId, ticket);
      created.add(ticket);
    }
    return { tickets, created, now };
  }

  /**
   * One statement for the tickets (new ones inserted, known ones updated: no read-before-write, as save()
   * would do) and the batch's new events with their outcomes.
   */
  private async writeTickets(manager: EntityManager, tickets: ImshopTicket[], created: Set<ImshopTicket>, events: NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    const fresh = tickets.filter((ticket) => created.has(ticket)).sort((a, b) => compare(a.imshopTicketId, b.imshopTicketId));
    await manager.query(WRITE_TICKETS_SQL, [
      events.map(({ staged }) => staged.ticket.id),
      events.map(({ staged }) => staged.item.dto.status),
      events.map(({ staged }) => staged.item.dto.step ?? null),
      events.map(({ staged }) => staged.item.eventAt),
      events.map(({ staged }) => staged.item.dedupeKey),
      events.map((event) => event.outcome),
      events.map((event) => event.note),
      events.map(({ staged }) => JSON.stringify(staged.item.payload)),
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

  /** A ticket we did not create; concurrent first events of it meet at the unique index. */
  private async registerUnknownTicket(manager: EntityManager, imshopTicketId: string, omsOrderNumber: string, storeId: string): Promise<ImshopTicket> {
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
   * A cancel ticket succeeded: the ticket it withdrew gets no further statuses. Recorded on that ticket.
   * `locked`: a batch's locked tickets, which are written from memory, so the one closed here must say so.
   */
  private async closeWithdrawn(manager: EntityManager, targetImshopId: string, byImshopId: string, at: Date, locked?: Map<string, ImshopTicket>): Promise<void> {
    const target = await this.lockTicket(manager, targetImshopId);
    if (!target) return;
    await manager.query('UPDATE imshop_tickets SET closed = true, updated_at = now() WHERE id = $1', [target.id]);
    const kept = locked?.get(targetImshopId);
    if (kept) kept.closed = true;
    await manager.query(
      `INSERT INTO imshop_ticket_events (ticket_id, status, event_at, dedupe_key, outcome, note)
       VALUES ($1, 'cancelled', $2, $3, 'closed', $4) ON CONFLICT (dedupe_key) DO NOTHING`,
      [
        target.id,
        at,
        boundedKey(`${KEY_PREFIX}withdrawn|${targetImshopId}|${byImshopId}`),
        byImshopId === targetImshopId ? 'withdrawn at our request' : `withdrawn by cancel ticket ${byImshopId}`,
      ],
    );
  }
}

function invalidStatusMessage(status: string, type: TicketType, ticketId: string): string {
  const valid = isTicketType(type) ? TICKET_STATUSES_BY_TYPE[type].join(', ') : '';
  return `status "${status}" is not valid for ticket ${ticketId} of type ${type} (valid for ${type}: ${valid})`;
}

function describeEvent(dto: TicketStatusWebhookDto, type: TicketType | null, withdrawn: boolean): string {
  const parts = [`IMSHOP ${type ?? 'unknown-type'} ticket ${dto.ticketId}: ${dto.status}`];
  if (withdrawn) parts.push('(withdrawn at our request)');
  if (dto.step) parts.push(`(step ${dto.step})`);
  if (dto.staffId) parts.push(`by staff ${dto.staffId}`);
  let text = parts.join(' ');
  if (dto.comment) text += `; comment: ${dto.comment}`;
  return text;
}

function describeRefusal(call: ImshopCallResult, answer: ImshopTicketAnswer): string {
  if (call.status === 0) return `IMSHOP did not answer: ${call.error ?? 'no response'}`;
  const code = typeof answer.errorCode === 'string' || typeof answer.errorCode === 'number' ? String(answer.errorCode) : undefined;
  const text = typeof answer.errorMessage === 'string' ? answer.errorMessage : undefined;
  const detail = [code, text].filter(Boolean).join(': ');
  if (call.status < 200 || call.status >= 300) return `IMSHOP refused the ticket with HTTP ${call.status}${detail ? ` (${detail})` : ''}`;
  if (answer.success !== true) return `IMSHOP refused the ticket${detail ? `: ${detail}` : ' (success is not true)'}`;
  return 'IMSHOP answered success without a ticketId';
}

/**
 * A keyed ticket request was sent but IMSHOP's answer is unknown (no answer, a gateway's 502/504, or our own
 * database failed before recording it): IMSHOP may have created the ticket and offers no way to look it up, so
 * the request is not sent again. A 409 to an admin; the Market loop retries the delivery, which takes the ticket
 * once IMSHOP reports it.
 */
export class TicketOutcomeUnknownError extends ConflictException {
  constructor(readonly request: ImshopTicketRequest) {
    super(
      `ticket request ${request.requestKey} was sent to IMSHOP at ${new Date(request.sentAt).toISOString()} and its answer is unknown` +
        ` (${request.lastError ?? 'the answer was not recorded'}): IMSHOP may have created the ticket and offers no lookup, so it is not sent again.` +
        ` It is taken as created once IMSHOP reports a ticket of order ${request.omsOrderNumber} in store ${request.storeId};` +
        ' if IMSHOP has no such ticket, create it with POST /tickets.',
    );
  }
}

/** Nothing left us: IMSHOP cannot have created a ticket (no connection was made, or IMSHOP is not configured). */
function neverSent(call: ImshopCallResult): boolean {
  return call.status === 0 && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|not configured/.test(call.error ?? '');
}

/**
 * IMSHOP may have created the ticket although we have no acceptance: no answer (a timeout, a reset connection),
 * or a gateway's 502/504, which can come after IMSHOP acted. IMSHOP's own refusals (400, 403, 500 "other
 * error", `success: false`) and a 503 mean it did not.
 */
function outcomeUnknown(call: ImshopCallResult): boolean {
  return (call.status === 0 && !neverSent(call)) || call.status === 502 || call.status === 504;
}

function isIdLike(value: unknown): value is string | number {
  return (typeof value === 'string' && value.trim() !== '' && value.length <= 255) || Number.isSafeInteger(value);
}

/** The webhook body as stored: never with the auth key. */
function withoutKey(body: Record<string, unknown>): Record<string, unknown> {
  const { key: _key, ...rest } = body;
  return rest;
}

/**
 * Another transaction stored a ticket event this batch took for new. (Only a new ticket's can: the batch
 * holds a known ticket locked while it checks its events' keys, and every other transaction that stores an
 * event of it locks it first.)
 */
function isNewTicketRace(error: unknown): boolean {
  return NEW_TICKET_RACE_INDEXES.has(uniqueViolationOf(error) ?? '');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function copyOf(ticket: ImshopTicket): ImshopTicket {
  return Object.assign(new ImshopTicket(), ticket);
}

function boundedKey(key: string): string {
  if (key.length <= MAX_KEY_LENGTH) return key;
  return `${KEY_PREFIX}sha256:${createHash('sha256').update(key).digest('hex')}`;
}

function truncate(text: string | null): string | null {
  return text ? text.slice(0, 512) : null;
}

/** `UPDATE ... RETURNING` through the pg driver gives `[rows, count]`. */
function claimedCount(result: unknown): number {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[1];
  return Array.isArray(result) ? result.length : 0;
}

function errorText(error: unknown): string {
  if (error instanceof BadGatewayException || error instanceof ServiceUnavailableException) {
    const body = error.getResponse() as { message?: unknown };
    return typeof body === 'object' && typeof body.message === 'string' ? body.message : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
