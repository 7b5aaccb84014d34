import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { TICKET_TYPES, type TicketType } from '../imshop-client/imshop-ticket-types';
import {
  ALL_TYPE_TICKET_STATUSES,
  TICKET_STATUSES_BY_TYPE,
  inferTicketType,
  isFinalTicketStatus,
  isStatusValidForType,
  isTicketType,
  ticketDedupeKey,
  ticketEventTime,
} from './ticket-rules';

/** Seed 000, "Список возможных статусов", verbatim. */
const SEED_STATUSES: Record<TicketType, string[]> = {
  prepare: ['done', 'failed', 'partiallyDone'],
  ship: ['shipped', 'failed', 'partiallyShipped'],
  receive: ['received', 'failed', 'returned', 'partiallyReturned', 'handedOver', 'partiallyHandedOver', 'notHandedOver'],
  release: ['released', 'failed'],
  cancel: ['cancelled'],
};
const ALL_STATUSES = [...new Set(Object.values(SEED_STATUSES).flat().concat(ALL_TYPE_TICKET_STATUSES))];

describe('ticket statuses by type', () => {
  it('lists exactly the seed statuses plus not-accepted, timeout, advance for every type', () => {
    expect(Object.keys(TICKET_STATUSES_BY_TYPE).sort()).toEqual([...TICKET_TYPES].sort());
    for (const type of TICKET_TYPES) {
      expect([...TICKET_STATUSES_BY_TYPE[type]].sort()).toEqual([...SEED_STATUSES[type], 'not-accepted', 'timeout', 'advance'].sort());
    }
  });

  it('accepts every documented type/status combination', () => {
    let checked = 0;
    for (const type of TICKET_TYPES) {
      for (const status of [...SEED_STATUSES[type], ...ALL_TYPE_TICKET_STATUSES]) {
        expect({ type, status, valid: isStatusValidForType(type, status) }).toEqual({ type, status, valid: true });
        checked++;
      }
    }
    expect(checked).toBe(16 + 5 * 3); // 16 seed pairs (3+3+7+2+1) + 3 all-type statuses for each of 5 types
  });

  it('rejects every combination the seed does not list', () => {
    for (const type of TICKET_TYPES) {
      for (const status of ALL_STATUSES) {
        const documented = SEED_STATUSES[type].includes(status) || (ALL_TYPE_TICKET_STATUSES as readonly string[]).includes(status);
        expect({ type, status, valid: isStatusValidForType(type, status) }).toEqual({ type, status, valid: documented });
      }
    }
    expect(isStatusValidForType('prepare', 'shipped')).toBe(false);
    expect(isStatusValidForType('cancel', 'failed')).toBe(false);
    expect(isStatusValidForType('receive', 'done')).toBe(false);
  });

  it('rejects unknown types, unknown statuses and near misses', () => {
    expect(isStatusValidForType('return', 'returned')).toBe(false);
    expect(isStatusValidForType('prepare', 'DONE')).toBe(false);
    expect(isStatusValidForType('cancel', 'canceled')).toBe(false);
    expect(isStatusValidForType('prepare', 'notAccepted')).toBe(false);
    expect(isStatusValidForType('prepare', '')).toBe(false);
    expect(isStatusValidForType('toString', 'done')).toBe(false);
    expect(isTicketType('ship')).toBe(true);
    expect(isTicketType('constructor')).toBe(false);
    expect(isTicketType(1)).toBe(false);
  });

  it('cannot be mutated by callers', () => {
    expect(Object.isFrozen(TICKET_STATUSES_BY_TYPE)).toBe(true);
    expect(Object.isFrozen(TICKET_STATUSES_BY_TYPE.prepare)).toBe(true);
  });
});

describe('inferTicketType', () => {
  it('names the only type that has the status', () => {
    const expected: Record<string, TicketType> = {
      done: 'prepare',
      partiallyDone: 'prepare',
      shipped: 'ship',
      partiallyShipped: 'ship',
      received: 'receive',
      returned: 'receive',
      partiallyReturned: 'receive',
      handedOver: 'receive',
      partiallyHandedOver: 'receive',
      notHandedOver: 'receive',
      released: 'release',
      cancelled: 'cancel',
    };
    for (const [status, type] of Object.entries(expected)) expect({ status, type: inferTicketType(status) }).toEqual({ status, type });
  });

  it('does not guess for failed, which prepare, ship, receive and release all have', () => {
    expect(inferTicketType('failed')).toBeNull();
    expect(TICKET_TYPES.filter((type) => isStatusValidForType(type, 'failed'))).toEqual(['prepare', 'ship', 'receive', 'release']);
  });

  it('does not guess for the all-type statuses or unknown statuses', () => {
    for (const status of ALL_TYPE_TICKET_STATUSES) expect(inferTicketType(status)).toBeNull();
    expect(inferTicketType('lost')).toBeNull();
    expect(inferTicketType('')).toBeNull();
    expect(inferTicketType('canceled')).toBeNull();
  });

  it('is consistent with isStatusValidForType for every status', () => {
    for (const status of ALL_STATUSES) {
      const owners = TICKET_TYPES.filter((type) => isStatusValidForType(type, status));
      expect(inferTicketType(status)).toBe(owners.length === 1 ? owners[0] : null);
    }
  });
});

describe('isFinalTicketStatus', () => {
  it('ends prepare, ship, release and cancel tickets with their outcome', () => {
    for (const status of ['done', 'failed', 'partiallyDone']) expect(isFinalTicketStatus('prepare', status)).toBe(true);
    for (const status of ['shipped', 'failed', 'partiallyShipped']) expect(isFinalTicketStatus('ship', status)).toBe(true);
    for (const status of ['released', 'failed']) expect(isFinalTicketStatus('release', status)).toBe(true);
    expect(isFinalTicketStatus('cancel', 'cancelled')).toBe(true);
  });

  it('keeps a receive ticket open until the order is handed over, returned or failed', () => {
    expect(isFinalTicketStatus('receive', 'received')).toBe(false);
    expect(isFinalTicketStatus('receive', 'notHandedOver')).toBe(false);
    expect(isFinalTicketStatus('receive', 'partiallyHandedOver')).toBe(false);
    for (const status of ['handedOver', 'returned', 'partiallyReturned', 'failed']) expect(isFinalTicketStatus('receive', status)).toBe(true);
  });

  it('treats timeout and not-accepted as final and advance as not, for every type', () => {
    for (const type of TICKET_TYPES) {
      expect(isFinalTicketStatus(type, 'timeout')).toBe(true);
      expect(isFinalTicketStatus(type, 'not-accepted')).toBe(true);
      expect(isFinalTicketStatus(type, 'advance')).toBe(false);
    }
  });

  it('is false for combinations that are not valid', () => {
    expect(isFinalTicketStatus('prepare', 'shipped')).toBe(false);
    expect(isFinalTicketStatus('cancel', 'failed')).toBe(false);
    expect(isFinalTicketStatus('unknown', 'done')).toBe(false);
  });
});

describe('ticketEventTime', () => {
  const at = (timestamp: unknown) => ticketEventTime({ metadata: { timestamp } });

  it('reads the seed example, a string of seconds', () => {
    expect(at('1591207746')?.toISOString()).toBe('2020-06-03T18:09:06.000Z');
  });

  it('reads a number of seconds the same way', () => {
    expect(at(1591207746)?.toISOString()).toBe('2020-06-03T18:09:06.000Z');
  });

  it('keeps fractions of a second', () => {
    expect(at('1591207746.25')?.toISOString()).toBe('2020-06-03T18:09:06.250Z');
    expect(at(1591207746.5)?.toISOString()).toBe('2020-06-03T18:09:06.500Z');
  });

  it('reads values from 1e12 on as milliseconds', () => {
    expect(at(1591207746123)?.toISOString()).toBe('2020-06-03T18:09:06.123Z');
    expect(at('1591207746123')?.toISOString()).toBe('2020-06-03T18:09:06.123Z');
    expect(at(999_999_999_999)?.getTime()).toBe(999_999_999_999_000); // just below: still seconds
  });

  it('is null without a usable timestamp', () => {
    expect(ticketEventTime({})).toBeNull();
    expect(ticketEventTime({ metadata: null })).toBeNull();
    expect(ticketEventTime({ metadata: {} })).toBeNull();
    for (const bad of ['', 'abc', '-5', '1e9', ' 1591207746', '0x10', -1, Number.NaN, Number.POSITIVE_INFINITY, true, null, {}, [], 1e20]) {
      expect({ bad, time: at(bad) }).toEqual({ bad, time: null });
    }
  });
});

describe('ticketDedupeKey', () => {
  const event = { ticketId: 'rsp-12345', status: 'done', metadata: { timestamp: '1591207746' } };

  it('combines ticket id, status and the canonical event time', () => {
    expect(ticketDedupeKey(event)).toBe('rsp-12345|done|1591207746000');
  });

  it('gives the same key whether the timestamp is a string, a number or milliseconds', () => {
    const key = ticketDedupeKey(event);
    expect(ticketDedupeKey({ ...event, metadata: { timestamp: 1591207746 } })).toBe(key);
    expect(ticketDedupeKey({ ...event, metadata: { timestamp: 1591207746000 } })).toBe(key);
  });

  it('differs by status, time and ticket', () => {
    const key = ticketDedupeKey(event);
    expect(ticketDedupeKey({ ...event, status: 'failed' })).not.toBe(key);
    expect(ticketDedupeKey({ ...event, metadata: { timestamp: '1591207747' } })).not.toBe(key);
    expect(ticketDedupeKey({ ...event, ticketId: 'rsp-12346' })).not.toBe(key);
  });

  it('appends the step only when present', () => {
    expect(ticketDedupeKey({ ...event, status: 'advance', step: 'pack-order' })).toBe('rsp-12345|advance|1591207746000|pack-order');
    expect(ticketDedupeKey({ ...event, step: null })).toBe('rsp-12345|done|1591207746000');
    expect(ticketDedupeKey({ ...event, step: '' })).toBe('rsp-12345|done|1591207746000');
    expect(ticketDedupeKey({ ...event, status: 'advance', step: 'a' })).not.toBe(ticketDedupeKey({ ...event, status: 'advance', step: 'b' }));
  });

  it('marks a missing timestamp with - and stays deterministic', () => {
    expect(ticketDedupeKey({ ticketId: 'rsp-1', status: 'done' })).toBe('rsp-1|done|-');
    expect(ticketDedupeKey({ ticketId: 'rsp-1', status: 'done', metadata: null })).toBe('rsp-1|done|-');
  });

  it('escapes the separator so different events never share a key', () => {
    const a = ticketDedupeKey({ ticketId: 'x|done', status: 'y', metadata: { timestamp: 1 } });
    const b = ticketDedupeKey({ ticketId: 'x', status: 'done|y', metadata: { timestamp: 1 } });
    expect(a).not.toBe(b);
    expect(a).toBe('x%7Cdone|y|1000');
    expect(ticketDedupeKey({ ticketId: 'a%7Cb', status: 's' })).toBe('a%257Cb|s|-');
  });

  it('accepts a numeric ticket id', () => {
    expect(ticketDedupeKey({ ticketId: 42, status: 'done', metadata: { timestamp: 1 } })).toBe('42|done|1000');
  });
});
