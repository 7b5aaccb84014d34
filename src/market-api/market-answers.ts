import { DomainError, InvalidInputError } from '../common/domain-error';
import type { PeerCallResult } from '../common/peer-http';
import { ImshopTicketRefused, TicketOutcomeUnknown } from '../imshop-tickets/ticket-errors';
import type { SendResult } from '../outbox/delivery-targets';
import { marketVerdict } from './market-api.client';

/** A Market call's result as a delivery attempt's. */
export function fromMarket(call: PeerCallResult): SendResult {
  const outcome = marketVerdict(call);
  return {
    outcome,
    statusCode: call.status,
    latencyMs: call.latencyMs,
    error: outcome === 'sent' ? call.error : (call.error ?? `Market answered ${call.status}`),
    response: call.body,
    responseText: call.text,
    retryAfterSeconds: call.retryAfterSeconds,
    notSent: call.notSent,
  };
}

/** The result of an attempt decided here, without a call of its own to report. */
export function local(outcome: SendResult['outcome'], started: number, error?: string): SendResult {
  return { outcome, statusCode: outcome === 'sent' ? 200 : 0, latencyMs: Date.now() - started, error };
}

/** IMSHOP's refusal of a ticket: 5xx, 408, 429 and no answer are retried; anything else (or our own bad body) is final. */
export function fromTicketError(error: unknown, started: number): SendResult {
  // Not sent again: a later attempt takes the ticket once IMSHOP reports it (or an admin makes one).
  if (error instanceof TicketOutcomeUnknown) return local('retry', started, error.message);
  if (error instanceof ImshopTicketRefused) {
    return {
      outcome: error.retryable ? 'retry' : 'dead',
      statusCode: error.status,
      latencyMs: Date.now() - started,
      error: error.message,
      response: error.body,
    };
  }
  if (error instanceof InvalidInputError) return local('dead', started, `the ticket was refused by our own validation: ${JSON.stringify(error.messages)}`);
  // Any other refusal of ours (the ticket API not configured, say) does not heal by retrying.
  if (error instanceof DomainError) return local('dead', started, error.message);
  return local('retry', started, (error as Error).message);
}
