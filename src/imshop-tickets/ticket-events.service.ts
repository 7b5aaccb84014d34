import { Inject, Injectable, Logger } from '@nestjs/common';
import { NotFoundError } from '../common/domain-error';
import { boundEventTime } from '../common/event-time';
import type { StoredEventSelection } from '../common/stored-event-selection';
import { validateDto } from '../common/validate-dto';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Handles } from '../events/channels';
import { OrdersService } from '../orders/orders.service';
import { deleteInBatches, RETENTION_STEP, type RetentionCutoffs } from '../retention/retention-step';
import { TicketStatusWebhookDto } from './dto/ticket-status-webhook.dto';
import { TicketStatusInvalidForType } from './ticket-errors';
import { withdrawalRecord } from './ticket-rules';
import { decideTicketStatus, orderChangeOf } from './ticket-status-decision';
import { TicketsRepository } from './tickets.repository';

/**
 * The stored ticket events (imshop_ticket_events, the inbox of the status webhook) after their intake: a
 * stored event applied again by the live path's rules, the selections a replay runs through, and retention.
 */
@Injectable()
export class TicketEventsService {
  private readonly logger = new Logger('ImshopTickets');

  constructor(
    private readonly tickets: TicketsRepository,
    private readonly orders: OrdersService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Replay (POST /admin/events/replay, or a ticket's statuses once its type is known): a stored status event's
   * effect on the order once more, decided as live traffic decides it (decideTicketStatus, orderChangeOf), in a
   * transaction of its own. `historyKeyPrefix` makes the history dedupe key differ from the original's, so the
   * replay applies once per prefix; latest-event-time-wins and the state machine hold. The ticket's own status
   * is not touched (it never depended on the mapping). Answers the order history outcome, or `recorded`.
   */
  async reprocess(eventId: string, historyKeyPrefix: string): Promise<string> {
    return this.tickets.transaction(async (tx) => {
      const { manager } = tx;
      const event = await this.tickets.storedEvent(manager, eventId);
      if (!event) throw new NotFoundError(`IMSHOP ticket event ${eventId} does not exist`);
      if (event.payload === null || event.outcome === 'closed') return 'recorded'; // our own bookkeeping row (a withdrawn ticket)
      const checked = validateDto(TicketStatusWebhookDto, event.payload);
      if (!checked.ok) throw new Error(`stored IMSHOP ticket event ${eventId} no longer validates: ${checked.messages.join('; ')}`);
      const dto = checked.value;
      const ticket = (await this.tickets.lockTicket(manager, event.imshop_ticket_id))!;
      const decision = decideTicketStatus(ticket, dto.status);
      if (decision instanceof TicketStatusInvalidForType) throw decision;
      // Events stored before times were bounded at intake may be dated far ahead: bounded by their receipt here.
      const eventTime = boundEventTime(new Date(event.event_at), new Date(event.received_at), this.config.eventTimeMaxSkewMs);
      // A cancel ticket succeeded: the ticket it withdrew is closed, before the order is locked (as at intake).
      if (decision.withdraws) {
        await this.tickets.closeWithdrawn(manager, decision.withdraws, eventTime.at, withdrawalRecord(decision.withdraws, ticket.imshopTicketId));
      }
      const change = orderChangeOf({
        dto,
        decision,
        eventAt: eventTime.at,
        eventTimeNote: eventTime.note,
        dedupeKey: `${historyKeyPrefix}${event.dedupe_key}`,
        payload: event.payload,
        replay: true,
      });
      if (!change) return 'recorded';
      const result = await this.orders.applyStatus(change, tx);
      if (result.attention) this.logger.warn(`${change.note}: needs attention (order ${dto.orderId})`);
      return result.outcome;
    });
  }

  /** How many stored events a replay's selection matches. */
  countStoredEvents(selection: StoredEventSelection): Promise<number> {
    return this.tickets.countEvents(selection);
  }

  /** A replay's next batch: the ids of the selection's events after `afterId`, in id order, at most `limit`. */
  storedEventIdsAfter(selection: StoredEventSelection, afterId: string, limit: number): Promise<string[]> {
    return this.tickets.eventIdsAfter(selection, afterId, limit);
  }

  /**
   * Retention's step for this inbox: deletes at most `limit` events (with their raw payloads) received before
   * `before`, oldest first, and says how many went; the caller repeats it until fewer than `limit` go. The
   * tickets themselves are kept.
   */
  deleteEventsReceivedBefore(before: Date, limit: number): Promise<number> {
    return this.tickets.deleteEventsReceivedBefore(before, limit);
  }

  /** The retention job's step for imshop_ticket_events: statuses older than RETENTION_EVENTS_DAYS. */
  @Handles(RETENTION_STEP, 'imshop_ticket_events')
  async deleteOldEvents(cutoffs: RetentionCutoffs): Promise<number> {
    return deleteInBatches(cutoffs.batchSize, (limit) => this.deleteEventsReceivedBefore(cutoffs.eventsBefore, limit));
  }
}
