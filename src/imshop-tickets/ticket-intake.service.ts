import { cutToColumn } from '../common/stored-text';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Tx } from '../database/transaction';
import { boundEventTime } from '../common/event-time';
import { GroupCommit } from '../common/group-commit';
import { InvalidInputError } from '../common/domain-error';
import { validateDto } from '../common/validate-dto';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { currentRequestId, withRequestId } from '../logging/request-context';
import { OrdersService, type ApplyResult, type StatusEvent } from '../orders/orders.service';
import { TicketStatusWebhookDto } from './dto/ticket-status-webhook.dto';
import { TicketStatusInvalidForType } from './ticket-errors';
import { storedEventKey, ticketEventTime, withdrawalRecord, withoutKey } from './ticket-rules';
import { decideTicketStatus, orderChangeOf, RECORDED_NOTE } from './ticket-status-decision';
import { ImshopTicket } from './ticket.entity';
import { isNewTicketRace, TicketsRepository, type TicketEventRow } from './tickets.repository';
import { lockOrder } from '../common/lock-order';

/** imshop_ticket_events.note's length. */
const NOTE_COLUMN = 512;

/** How often a batch runs again after another transaction stored one of its new tickets first. */
const MAX_TICKET_RACES = 3;

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

/** A webhook of a batch once its ticket's part is done, waiting for its order change. */
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

/** IMSHOP → us: the ticket status webhook, stored with its effect on the order before it is answered. */
@Injectable()
export class TicketIntakeService {
  private readonly logger = new Logger('ImshopTickets');
  private readonly intake = new GroupCommit((batch: IncomingStatus[]) => this.storeBatch(batch), { maxBatch: 64, maxInFlight: 2 });

  constructor(
    private readonly tickets: TicketsRepository,
    private readonly orders: OrdersService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Validates the webhook, then in one transaction: registers an unknown ticket, stores the event (its
   * dedupe key makes a re-delivery a no-op), applies the status to the order through the mapping table when
   * the ticket type is known, and updates the ticket. Only then may the controller answer 200.
   * Concurrent webhooks share that transaction (group commit: see storeBatch).
   */
  async receiveStatus(body: unknown): Promise<TicketReceipt> {
    const checked = validateDto(TicketStatusWebhookDto, body);
    if (!checked.ok) throw new InvalidInputError(checked.messages);
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
      dedupeKey: storedEventKey(dto),
      requestId: currentRequestId(),
    });
    if (result instanceof TicketStatusInvalidForType) throw result;
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
  private async storeBatch(batch: IncomingStatus[]): Promise<(TicketReceipt | TicketStatusInvalidForType)[]> {
    for (let race = 1; ; race++) {
      try {
        return await this.storeBatchOnce(batch);
      } catch (error) {
        if (race >= MAX_TICKET_RACES || !isNewTicketRace(error)) throw error;
      }
    }
  }

  private storeBatchOnce(batch: IncomingStatus[]): Promise<(TicketReceipt | TicketStatusInvalidForType)[]> {
    const order = batch.map((item, index) => ({ item, index }));
    order.sort((a, b) => lockOrder(a.item.dto.orderId, b.item.dto.orderId) || lockOrder(a.item.dto.ticketId, b.item.dto.ticketId) || a.index - b.index);
    return this.tickets.transaction(async (tx) => {
      const { tickets, created, now } = await this.lockTickets(
        tx,
        order.map(({ item }) => item.dto),
      );
      // A dedupe key names its ticket, which this transaction holds locked: the keys stored now, with those
      // the batch stores as it goes, tell every repeat, so the new events can be inserted at the end, in one
      // statement and with their outcomes (not inserted, then updated: half the dead rows for vacuum). A
      // ticket not stored yet has no events.
      const seenKeys = await this.tickets.storedKeys(
        tx.manager,
        order.filter(({ item }) => !created.has(tickets.get(item.dto.ticketId)!)).map(({ item }) => item.dedupeKey),
      );
      const answers: (TicketReceipt | TicketStatusInvalidForType)[] = new Array(batch.length);
      const staged: Staged[] = [];
      for (const { item, index } of order) {
        const step = await withRequestId(item.requestId, () => this.stage(tx, item, tickets, now, seenKeys));
        if (step instanceof TicketStatusInvalidForType) answers[index] = step;
        else staged.push({ ...step, index });
      }

      const changes = staged.filter((s) => s.change !== null);
      const applied = await this.orders.applyStatusBatch(
        changes.map((s) => s.change!),
        tx,
      );
      changes.forEach((s, i) => (s.result = applied[i]));

      // A webhook whose ticket type is unknown links the ticket to the order of its number as it was at its
      // turn: one an earlier webhook of the batch found or created, else the one there before the batch.
      const orderOfNumber = new Map<string, string>();
      const events: TicketEventRow[] = [];
      for (const s of staged) {
        const { dto } = s.item;
        let outcome = 'duplicate';
        if (s.isNew) {
          if (s.result) orderOfNumber.set(dto.orderId, s.result.order.id);
          s.ticket.orderId = s.result?.order.id ?? s.ticket.orderId ?? orderOfNumber.get(dto.orderId) ?? s.orderBefore;
          outcome = s.result?.outcome ?? 'recorded';
          events.push({
            ticketId: s.ticket.id,
            status: dto.status,
            step: dto.step ?? null,
            eventAt: s.item.eventAt,
            dedupeKey: s.item.dedupeKey,
            outcome,
            note: cutToColumn(s.result ? (s.result.reason ?? null) : RECORDED_NOTE, NOTE_COLUMN),
            payload: s.item.payload,
          });
          if (s.result?.attention) withRequestId(s.item.requestId, () => this.logger.warn(`${s.change!.note}: needs attention (order ${dto.orderId})`));
        }
        s.copy.orderId = s.ticket.orderId;
        answers[s.index] = { duplicate: !s.isNew, outcome, ticket: s.copy };
      }
      if (events.length > 0) {
        const written = [...new Set(staged.filter((s) => s.isNew).map((s) => s.ticket))];
        const fresh = written.filter((ticket) => created.has(ticket)).sort((a, b) => lockOrder(a.imshopTicketId, b.imshopTicketId));
        await this.tickets.writeBatch(tx.manager, written, fresh, events);
      }
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
    tx: Tx,
    item: IncomingStatus,
    tickets: Map<string, ImshopTicket>,
    now: Date,
    seenKeys: Set<string>,
  ): Promise<Omit<Staged, 'index'> | TicketStatusInvalidForType> {
    const { dto, payload, eventAt, dedupeKey } = item;
    const metadata = dto.metadata ?? undefined;
    const ticket = tickets.get(dto.ticketId)!;
    const decision = decideTicketStatus(ticket, dto.status);
    if (decision instanceof TicketStatusInvalidForType) return decision;

    // A copy for the answer: the batch's later webhooks of the ticket go on changing the locked one.
    if (seenKeys.has(dedupeKey)) return { item, ticket, copy: copyOf(ticket), isNew: false, change: null, orderBefore: null };
    seenKeys.add(dedupeKey);

    // A cancel ticket succeeded: the ticket it withdrew is closed. Done before the order is locked, so two
    // webhooks never take the ticket and order locks in opposite orders. The batch writes its locked tickets
    // from memory, so the one closed here must say so.
    if (
      decision.withdraws &&
      (await this.tickets.closeWithdrawn(tx.manager, decision.withdraws, eventAt, withdrawalRecord(decision.withdraws, ticket.imshopTicketId)))
    ) {
      const kept = tickets.get(decision.withdraws);
      if (kept) kept.closed = true;
    }
    const change = orderChangeOf({ dto, decision, eventAt, eventTimeNote: item.eventTimeNote, dedupeKey, payload });
    const orderBefore =
      change === null && ticket.orderId === null ? ((await this.orders.findByIdentity({ omsOrderNumber: dto.orderId }, tx))?.id ?? null) : null;

    // The ticket keeps its latest status by event time; a final status closes it whenever it arrives.
    if (ticket.type === null && decision.type !== null) ticket.type = decision.type;
    const latest = ticket.statusAt === null || eventAt >= ticket.statusAt;
    if (latest) {
      ticket.status = dto.status;
      ticket.statusAt = eventAt;
    }
    if (decision.closesTicket) ticket.closed = true;
    if (metadata?.unavailableItems && (latest || ticket.unavailableItems === null)) ticket.unavailableItems = metadata.unavailableItems;
    if (metadata?.deliveryTrackingNumber && (latest || ticket.trackingNumber === null)) ticket.trackingNumber = metadata.deliveryTrackingNumber;
    if (metadata?.deliveryOrderId && (latest || ticket.deliveryOrderId === null)) ticket.deliveryOrderId = metadata.deliveryOrderId;
    ticket.updatedAt = now;
    return { item, ticket, copy: copyOf(ticket), isNew: true, change: change && { ...change, requestId: item.requestId }, orderBefore };
  }

  /**
   * Locks the tickets a batch of webhooks names and reads them, in one statement; a ticket we never heard
   * of is made in memory (the first webhook of it gives its order and store) and inserted with its state
   * after the batch, not inserted here and updated there.
   */
  private async lockTickets(
    tx: Tx,
    webhooks: TicketStatusWebhookDto[],
  ): Promise<{ tickets: Map<string, ImshopTicket>; created: Set<ImshopTicket>; now: Date }> {
    const first = new Map<string, TicketStatusWebhookDto>();
    for (const dto of webhooks) if (!first.has(dto.ticketId)) first.set(dto.ticketId, dto);
    const locked = await this.tickets.lockBatch(tx.manager, [...first.keys()]);
    const now = locked.now;
    const tickets = new Map<string, ImshopTicket>(locked.tickets.map((ticket) => [ticket.imshopTicketId, ticket]));
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
}

function copyOf(ticket: ImshopTicket): ImshopTicket {
  return Object.assign(new ImshopTicket(), ticket);
}
