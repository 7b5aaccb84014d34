import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import type { TicketStatusWebhookDto } from './dto/ticket-status-webhook.dto';
import { TicketStatusInvalidForType } from './ticket-errors';
import { decideTicketStatus, orderChangeOf, type TicketFacts, type TicketStatusDecision } from './ticket-status-decision';

const ticket = (facts: Partial<TicketFacts> = {}): TicketFacts => ({
  imshopTicketId: 'rsp-1',
  type: null,
  cancelRequestedAt: null,
  cancelsTicketId: null,
  ...facts,
});
const decided = (facts: Partial<TicketFacts>, status: string): TicketStatusDecision => {
  const decision = decideTicketStatus(ticket(facts), status);
  if (decision instanceof TicketStatusInvalidForType) throw new Error(`refused: ${decision.message}`);
  return decision;
};

describe('decideTicketStatus', () => {
  it('takes the type from the registry, and closes the ticket on a final status of that type only', () => {
    expect(decided({ type: 'prepare' }, 'done')).toEqual({ type: 'prepare', withdrawn: false, mappingType: 'prepare', closesTicket: true, withdraws: null });
    expect(decided({ type: 'receive' }, 'received')).toMatchObject({ type: 'receive', mappingType: 'receive', closesTicket: false });
    expect(decided({ type: 'ship' }, 'failed')).toMatchObject({ type: 'ship', mappingType: 'ship', closesTicket: true });
    expect(decided({ type: 'prepare' }, 'advance')).toMatchObject({ type: 'prepare', closesTicket: false });
    expect(decided({ type: 'release' }, 'timeout')).toMatchObject({ type: 'release', closesTicket: true });
  });

  it('refuses a status the known type does not have, naming the ticket, the type and its statuses', () => {
    const refusal = decideTicketStatus(ticket({ imshopTicketId: 'rsp-12345', type: 'prepare' }), 'shipped');
    expect(refusal).toBeInstanceOf(TicketStatusInvalidForType);
    expect(refusal).toMatchObject({ kind: 'invalid', status: 'shipped', type: 'prepare', ticketId: 'rsp-12345' });
    expect((refusal as Error).message).toBe(
      'status "shipped" is not valid for ticket rsp-12345 of type prepare (valid for prepare: done, failed, partiallyDone, not-accepted, timeout, advance)',
    );
    // `cancelled` belongs to cancel tickets: on another type it is refused unless we asked for the withdrawal.
    expect(decideTicketStatus(ticket({ type: 'ship' }), 'cancelled')).toBeInstanceOf(TicketStatusInvalidForType);
  });

  it("reads a `cancelled` of a ticket we asked to withdraw as its withdrawal, through the cancel type's mapping", () => {
    expect(decided({ type: 'prepare', cancelRequestedAt: new Date() }, 'cancelled')).toEqual({
      type: 'prepare',
      withdrawn: true,
      mappingType: 'cancel',
      closesTicket: true,
      withdraws: null,
    });
    // A valid status of its own type is still just that, withdrawal asked or not.
    expect(decided({ type: 'prepare', cancelRequestedAt: new Date() }, 'done')).toMatchObject({ withdrawn: false, mappingType: 'prepare' });
  });

  it("names the ticket a cancel ticket's `cancelled` withdraws", () => {
    expect(decided({ type: 'cancel', cancelsTicketId: 'rsp-0' }, 'cancelled')).toMatchObject({ mappingType: 'cancel', closesTicket: true, withdraws: 'rsp-0' });
    expect(decided({ type: 'cancel', cancelsTicketId: null }, 'cancelled').withdraws).toBeNull();
    expect(decided({ type: 'cancel', cancelsTicketId: 'rsp-0' }, 'not-accepted').withdraws).toBeNull();
  });

  it('infers the type of an unknown ticket only when exactly one type has the status', () => {
    expect(decided({}, 'done')).toEqual({ type: 'prepare', withdrawn: false, mappingType: 'prepare', closesTicket: true, withdraws: null });
    expect(decided({}, 'received')).toMatchObject({ type: 'receive', closesTicket: false });
    for (const status of ['failed', 'not-accepted', 'timeout', 'advance', 'no-such-status']) {
      expect(decided({}, status)).toEqual({ type: null, withdrawn: false, mappingType: null, closesTicket: false, withdraws: null });
    }
    // An unknown ticket is never refused, and never withdrawn (we did not ask for it).
    expect(decided({ cancelRequestedAt: new Date() }, 'cancelled')).toMatchObject({ type: 'cancel', withdrawn: false });
  });
});

describe('orderChangeOf', () => {
  const dto = {
    ticketId: 'rsp-1',
    orderId: 'a-1',
    storeId: '1456',
    staffId: '12393',
    status: 'cancelled',
    comment: 'нет товара',
    metadata: { deliveryTrackingNumber: 'T-1' },
  } as TicketStatusWebhookDto;
  const eventAt = new Date('2026-01-02T03:04:05Z');

  it("is the order's status change through the mapping rows of the deciding type", () => {
    const decision = decided({ type: 'prepare', cancelRequestedAt: new Date() }, 'cancelled');
    expect(orderChangeOf({ dto, decision, eventAt, eventTimeNote: 'clock ahead', dedupeKey: 'k', payload: { a: 1 }, replay: true })).toEqual({
      source: 'imshop_ticket',
      identity: { omsOrderNumber: 'a-1' },
      ticketType: 'cancel',
      externalCode: 'cancelled',
      eventAt,
      dedupeKey: 'k',
      trackingNumber: 'T-1',
      payload: { a: 1 },
      note: 'IMSHOP prepare ticket rsp-1: cancelled (withdrawn at our request) by staff 12393; comment: нет товара; clock ahead',
      replay: true,
    });
  });

  it('is nothing when the ticket type is unknown: the order is left as it is', () => {
    const decision = decided({}, 'failed');
    expect(orderChangeOf({ dto: { ...dto, status: 'failed' } as TicketStatusWebhookDto, decision, eventAt, dedupeKey: 'k', payload: null })).toBeNull();
  });
});
