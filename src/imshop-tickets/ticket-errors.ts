import { DomainError } from '../common/domain-error';
import type { TicketType } from '../imshop-client/imshop-ticket-types';
import type { ImshopTicketRequest } from './ticket-request.entity';
import { isTicketType, TICKET_STATUSES_BY_TYPE } from './ticket-rules';

/**
 * The errors the ticket services raise. Callers read their fields (the Market loop decides on `retryable`);
 * the HTTP layer maps their kind (a 502 with IMSHOP's answer under `imshop`, a 409, a 400).
 */

/**
 * IMSHOP did not create the ticket we asked for, as far as we can tell: it refused (an HTTP error, `success` not
 * true), or no answer we could read came (then it may have: `outcomeUnknown`).
 */
export class ImshopTicketRefused extends DomainError {
  readonly kind = 'peer_failed';
  /** IMSHOP's answer as it came, for the 502's body. */
  readonly details: { imshop: { status: number; body: unknown } };
  /**
   * Worth another attempt later: no answer, 408, 429 or a 5xx, or an answer we could not read (a keyed request
   * is then not sent again, but a later attempt takes the ticket IMSHOP reports). Any other answer would be the
   * same again.
   */
  readonly retryable: boolean;

  constructor(
    message: string,
    /** IMSHOP's HTTP status; 0 when no answer arrived. */
    readonly status: number,
    /** IMSHOP's answer (null when it was empty or none came). */
    readonly body: unknown,
    /** IMSHOP may have created the ticket (no answer, a gateway's 502/504, an unreadable 2xx). */
    readonly outcomeUnknown = false,
  ) {
    super(message);
    this.details = { imshop: { status, body } };
    this.retryable = outcomeUnknown || status === 0 || status === 408 || status === 429 || status >= 500;
  }
}

/**
 * A keyed ticket request was sent but IMSHOP's answer is unknown (no answer, a gateway's 502/504, or our own
 * database failed before recording it): IMSHOP may have created the ticket and offers no way to look it up, so
 * the request is not sent again. A 409 to an admin; the Market loop retries the delivery, which takes the ticket
 * once IMSHOP reports it.
 */
export class TicketOutcomeUnknown extends DomainError {
  readonly kind = 'conflict';

  constructor(readonly request: ImshopTicketRequest) {
    super(
      `ticket request ${request.requestKey} was sent to IMSHOP at ${new Date(request.sentAt).toISOString()} and its answer is unknown` +
        ` (${request.lastError ?? 'the answer was not recorded'}): IMSHOP may have created the ticket and offers no lookup, so it is not sent again.` +
        ` It is taken as created once IMSHOP reports a ticket of order ${request.omsOrderNumber} in store ${request.storeId};` +
        ' if IMSHOP has no such ticket, create it with POST /tickets.',
    );
  }
}

/** IMSHOP reported a status the ticket's type does not have: nothing of it is stored. */
export class TicketStatusInvalidForType extends DomainError {
  readonly kind = 'invalid';

  constructor(
    readonly status: string,
    readonly type: TicketType,
    /** IMSHOP's id of the ticket. */
    readonly ticketId: string,
  ) {
    const valid = isTicketType(type) ? TICKET_STATUSES_BY_TYPE[type].join(', ') : '';
    super(`status "${status}" is not valid for ticket ${ticketId} of type ${type} (valid for ${type}: ${valid})`);
  }
}
