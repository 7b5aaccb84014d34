import { withNote } from '../common/event-time';
import type { StatusEvent } from '../orders/orders.service';
import type { TicketType } from '../imshop-client/imshop-ticket-types';
import type { TicketStatusWebhookDto } from './dto/ticket-status-webhook.dto';
import { TicketStatusInvalidForType } from './ticket-errors';
import { inferTicketType, isFinalTicketStatus, isStatusValidForType } from './ticket-rules';

/**
 * What a status IMSHOP reported means, decided once for both paths that apply one: the live webhook
 * (TicketIntakeService) and the replay of a stored event (TicketReplayService). Pure: no database, no clock.
 */

/** The note of a status whose ticket type is unknown, on its event. */
export const RECORDED_NOTE = 'ticket type unknown (not created by us, status fits several types or none): order left as it is';

/** What the decision reads of the ticket: its registry row as it is when the status is applied. */
export interface TicketFacts {
  imshopTicketId: string;
  /** Null: a ticket we did not create whose type no status has told yet. */
  type: string | null;
  /** Set once we asked IMSHOP to withdraw the ticket. */
  cancelRequestedAt: Date | null;
  /** For a cancel ticket: IMSHOP's id of the ticket it withdraws. */
  cancelsTicketId: string | null;
}

export interface TicketStatusDecision {
  /** The ticket's type: the registry's, or the one the status names when the registry has none (null: it names none). */
  type: TicketType | null;
  /** A `cancelled` of a ticket we asked IMSHOP to withdraw: IMSHOP reports the withdrawal under the ticket's own id. */
  withdrawn: boolean;
  /** Whose mapping rows move the order: `cancel` for a withdrawn ticket, else the type; null leaves the order alone. */
  mappingType: TicketType | null;
  /** No further status is expected for the ticket: a final status of its type, or its withdrawal. */
  closesTicket: boolean;
  /** A cancel ticket's `cancelled`: IMSHOP's id of the ticket it withdrew, which gets no further statuses. */
  withdraws: string | null;
}

/**
 * A ticket of a known type takes only the statuses of that type, except a `cancelled` of a ticket we asked to
 * withdraw, which is its withdrawal; any other status of another type is refused. A ticket of no known type
 * (not created by us, or its type still open) takes any status, which names the type only when exactly one
 * type has it: `failed`, `not-accepted`, `timeout`, `advance` and unknown codes do not.
 */
export function decideTicketStatus(ticket: TicketFacts, status: string): TicketStatusDecision | TicketStatusInvalidForType {
  let type: TicketType | null;
  let withdrawn = false;
  if (ticket.type) {
    type = ticket.type as TicketType;
    if (!isStatusValidForType(type, status)) {
      if (status === 'cancelled' && ticket.cancelRequestedAt) withdrawn = true;
      else return new TicketStatusInvalidForType(status, type, ticket.imshopTicketId);
    }
  } else {
    type = inferTicketType(status);
  }
  const mappingType: TicketType | null = withdrawn ? 'cancel' : type;
  return {
    type,
    withdrawn,
    mappingType,
    closesTicket: withdrawn || (mappingType !== null && isFinalTicketStatus(mappingType, status)),
    withdraws: mappingType === 'cancel' && status === 'cancelled' && ticket.cancelsTicketId ? ticket.cancelsTicketId : null,
  };
}

/** A status event of a ticket, as both paths hand it to {@link orderChangeOf}. */
export interface TicketStatusEvent {
  dto: TicketStatusWebhookDto;
  decision: TicketStatusDecision;
  eventAt: Date;
  /** Why eventAt is not IMSHOP's timestamp, for the order history. */
  eventTimeNote?: string;
  dedupeKey: string;
  payload: unknown;
  /** Applied again: a replay, or its ticket's statuses once the type is known. */
  replay?: boolean;
}

/** The event as a status change of its order, through the mapping table; null when the ticket type is unknown. */
export function orderChangeOf(event: TicketStatusEvent): (StatusEvent & { note: string }) | null {
  const { dto, decision, eventAt, eventTimeNote, dedupeKey, payload, replay } = event;
  if (!decision.mappingType) return null;
  return {
    source: 'imshop_ticket',
    identity: { omsOrderNumber: dto.orderId },
    ticketType: decision.mappingType,
    externalCode: dto.status,
    eventAt,
    dedupeKey,
    trackingNumber: dto.metadata?.deliveryTrackingNumber ?? undefined,
    payload,
    note: withNote(describeEvent(dto, decision.type, decision.withdrawn), eventTimeNote)!,
    replay,
  };
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
