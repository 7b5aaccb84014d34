import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { ticketDedupeKey, ticketEventTime } from '../ticket-rules';
import { TicketStatusMetadataDto, TicketStatusWebhookDto } from './ticket-status-webhook.dto';
import { validateDto } from '../../common/validate-dto';

/** Seed 000's example request (with its missing comma fixed). */
const SEED_EXAMPLE = {
  ticketId: 'rsp-12345',
  orderId: 'a7878969',
  storeId: '1456',
  staffId: '12393',
  status: 'done',
  comment: null,
  metadata: { timestamp: '1591207746' },
};

/** The newer documentation's example: adds `step` and `metadata.cart`. */
const NEWER_EXAMPLE = {
  ...SEED_EXAMPLE,
  step: null,
  metadata: {
    timestamp: '1591207746',
    cart: [
      { configurationId: '12345', datamatrix: '0000' },
      { configurationId: '12345', datamatrix: '0001' },
    ],
  },
};

const parse = (body: unknown) => validateDto(TicketStatusWebhookDto, body);
const messages = (body: unknown): string[] => {
  const result = parse(body);
  if (result.ok) throw new Error(`expected a rejection of ${JSON.stringify(body)}`);
  return result.messages;
};

describe('TicketStatusWebhookDto', () => {
  it('accepts the seed example', () => {
    const result = parse(SEED_EXAMPLE);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toBeInstanceOf(TicketStatusWebhookDto);
    expect(result.value.metadata).toBeInstanceOf(TicketStatusMetadataDto);
    expect(result.value.ticketId).toBe('rsp-12345');
    expect(ticketEventTime(result.value)?.toISOString()).toBe('2020-06-03T18:09:06.000Z');
    expect(ticketDedupeKey(result.value)).toBe('rsp-12345|done|1591207746000');
  });

  it('accepts the newer example with step and metadata.cart', () => {
    const result = parse(NEWER_EXAMPLE);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.metadata?.cart?.map((line) => line.datamatrix)).toEqual(['0000', '0001']);
  });

  it('accepts the timestamp as a number as well as a string', () => {
    const result = parse({ ...SEED_EXAMPLE, metadata: { timestamp: 1591207746 } });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(ticketEventTime(result.value)?.toISOString()).toBe('2020-06-03T18:09:06.000Z');
      expect(ticketDedupeKey(result.value)).toBe(ticketDedupeKey(SEED_EXAMPLE));
    }
  });

  it('rejects a non-numeric timestamp, naming metadata.timestamp', () => {
    for (const timestamp of ['yesterday', '', '-1', true, { s: 1 }]) {
      const found = messages({ ...SEED_EXAMPLE, metadata: { timestamp } });
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(/^metadata\.timestamp must be a unix timestamp/);
    }
  });

  it('requires the timestamp inside metadata but not metadata itself', () => {
    expect(messages({ ...SEED_EXAMPLE, metadata: {} })).toEqual(['metadata.timestamp is required']);
    const { metadata: _metadata, ...withoutMetadata } = SEED_EXAMPLE;
    expect(parse(withoutMetadata).ok).toBe(true);
    expect(parse({ ...SEED_EXAMPLE, metadata: null }).ok).toBe(true);
    expect(messages({ ...SEED_EXAMPLE, metadata: 'x' })).toEqual(['metadata must be an object']);
    expect(messages({ ...SEED_EXAMPLE, metadata: [] })).toEqual(['metadata must be an object']);
  });

  it('names each missing required field', () => {
    expect(messages({})).toEqual(['ticketId is required', 'orderId is required', 'storeId is required', 'status is required']);
    expect(messages({ ...SEED_EXAMPLE, ticketId: null })).toEqual(['ticketId is required']);
    expect(messages({ ...SEED_EXAMPLE, status: '' })).toEqual(['status should not be empty']);
  });

  it('accepts integer ids and stores them as strings', () => {
    const result = parse({ ...SEED_EXAMPLE, storeId: 1456, staffId: 12393, orderId: 78969 });
    expect(result.ok).toBe(true);
    if (result.ok) expect([result.value.storeId, result.value.staffId, result.value.orderId]).toEqual(['1456', '12393', '78969']);
    expect(messages({ ...SEED_EXAMPLE, storeId: 1.5 })[0]).toMatch(/^storeId must be a non-empty string/);
    expect(messages({ ...SEED_EXAMPLE, ticketId: '   ' })[0]).toMatch(/^ticketId must be a non-empty string/);
  });

  it('accepts unknown statuses and extra fields (tolerant reader)', () => {
    const result = parse({ ...SEED_EXAMPLE, status: 'somethingNew', extra: { nested: true }, metadata: { timestamp: '1', more: 1 } });
    expect(result.ok).toBe(true);
    if (result.ok) expect((result.value as unknown as { extra: unknown }).extra).toEqual({ nested: true });
  });

  it('reads the delivery fields and unavailable items of the seed', () => {
    const result = parse({
      ...SEED_EXAMPLE,
      status: 'shipped',
      metadata: {
        timestamp: '1591207746',
        deliveryTrackingNumber: '1234567890',
        deliveryOrderId: 9876,
        unavailableItems: [{ configurationId: 12345, quantity: '2' }],
      },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.metadata?.deliveryTrackingNumber).toBe('1234567890');
    expect(result.value.metadata?.deliveryOrderId).toBe('9876');
    expect(result.value.metadata?.unavailableItems).toEqual([{ configurationId: '12345', quantity: 2 }]);
  });

  it('names nested fields with their full path', () => {
    expect(
      messages({
        ...SEED_EXAMPLE,
        metadata: {
          timestamp: '1591207746',
          cart: [{ configurationId: '1' }, { datamatrix: 5 }],
          unavailableItems: [{ configurationId: '1', quantity: 'many' }],
        },
      }),
    ).toEqual([
      'metadata.cart[1].configurationId is required',
      'metadata.cart[1].datamatrix must be a string',
      'metadata.unavailableItems[0].quantity must be a number',
    ]);
    expect(messages({ ...SEED_EXAMPLE, metadata: { timestamp: 1, cart: 'x' } })).toEqual(['metadata.cart must be an array']);
    expect(messages({ ...SEED_EXAMPLE, metadata: { timestamp: 1, cart: [1] } })).toEqual(['metadata.cart[0] must be an object']);
  });

  it('takes the auth key from the body when given', () => {
    const result = parse({ ...SEED_EXAMPLE, key: 'secret' });
    expect(result.ok && result.value.key).toBe('secret');
    expect(messages({ ...SEED_EXAMPLE, key: 42 })).toEqual(['key must be a string']);
  });
});

describe('validateDto', () => {
  it('requires a plain JSON object', () => {
    for (const body of [null, undefined, [], 'x', 42, new Date()]) {
      const result = validateDto(TicketStatusWebhookDto, body);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.messages[0]).toMatch(/^body must be a JSON object/);
    }
  });

  it('is not confused by a __proto__ key in parsed JSON', () => {
    const body = JSON.parse('{"ticketId":"rsp-1","orderId":"1","storeId":"1","status":"done","__proto__":{"status":1}}') as unknown;
    const result = validateDto(TicketStatusWebhookDto, body);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.status).toBe('done');
  });
});
