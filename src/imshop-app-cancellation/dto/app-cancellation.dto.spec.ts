import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { buildCancellationResponse, normaliseCancellation } from './app-cancellation.dto';

const REASON = 'Не дозвонились, купил в другом магазине';

describe('normaliseCancellation', () => {
  it("reads the seed's shape { uuid, internalId, reason }", () => {
    expect(normaliseCancellation({ uuid: 'f5315818-cccc-4444-aaaa-31b6aebceb54', internalId: '12345', reason: REASON })).toEqual({
      ok: true,
      shape: 'seed',
      orderRef: { imshopUuid: 'f5315818-cccc-4444-aaaa-31b6aebceb54', omsOrderNumber: '12345' },
      reason: REASON,
    });
  });

  it('reads the newer shape { id, status: "canceled", reason }', () => {
    expect(normaliseCancellation({ id: '12345', status: 'canceled', reason: REASON })).toEqual({
      ok: true,
      shape: 'current',
      orderRef: { omsOrderNumber: '12345' },
      reason: REASON,
    });
  });

  it('accepts either id alone, the cancelled spelling, a numeric id and the body key', () => {
    expect(normaliseCancellation({ uuid: 'u-1' })).toEqual({ ok: true, shape: 'seed', orderRef: { imshopUuid: 'u-1' } });
    expect(normaliseCancellation({ internalId: 12345 })).toEqual({ ok: true, shape: 'seed', orderRef: { omsOrderNumber: '12345' } });
    expect(normaliseCancellation({ id: '1', status: 'cancelled', key: 'k' })).toEqual({ ok: true, shape: 'current', orderRef: { omsOrderNumber: '1' } });
    expect(normaliseCancellation({ id: '1', internalId: '1' })).toMatchObject({ ok: true, orderRef: { omsOrderNumber: '1' } });
  });

  it('drops a blank or null reason', () => {
    expect(normaliseCancellation({ id: '1', status: 'canceled', reason: '  ' })).not.toHaveProperty('reason');
    expect(normaliseCancellation({ id: '1', status: 'canceled', reason: null })).not.toHaveProperty('reason');
  });

  it('names the missing order reference', () => {
    expect(normaliseCancellation({ status: 'canceled', reason: REASON })).toEqual({
      ok: false,
      message: 'id is required (or uuid / internalId in the older request shape)',
    });
    expect(normaliseCancellation({})).toMatchObject({ ok: false, message: expect.stringMatching(/^id is required/) });
  });

  it('names mistyped fields', () => {
    expect(normaliseCancellation({ id: { x: 1 }, status: 'canceled' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^id must be a non-empty string/),
    });
    expect(normaliseCancellation({ uuid: 'u', reason: 5 })).toEqual({ ok: false, message: 'reason must be a string' });
    expect(normaliseCancellation('cancel')).toMatchObject({ ok: false, message: expect.stringMatching(/^body must be a JSON object/) });
  });

  it('refuses a status that is not a cancellation, and contradicting order numbers', () => {
    expect(normaliseCancellation({ id: '1', status: 'done' })).toEqual({
      ok: false,
      message: 'status must be "canceled" (this endpoint only cancels orders), got "done"',
    });
    expect(normaliseCancellation({ id: '1', internalId: '2' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^id and internalId name different orders/),
    });
  });
});

describe('buildCancellationResponse', () => {
  it('answers with both the seed and the newer field names', () => {
    expect(buildCancellationResponse({ success: true, status: 'cancelled', message: 'Отменен' })).toEqual({
      success: true,
      newStatus: 'cancelled',
      newMessage: 'Отменен',
      status: 'cancelled',
      message: 'Отменен',
    });
    expect(buildCancellationResponse({ success: false })).toEqual({ success: false });
  });
});
