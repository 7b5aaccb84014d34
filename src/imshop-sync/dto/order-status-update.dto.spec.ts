import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { validateDto } from '../../common/validate-dto';
import { OrderStatusUpdateDto } from './order-status-update.dto';

/** Seed 001's example request, plus the newer optional fields. */
const SEED_EXAMPLE = { id: '05671863', code: 'packed', message: 'Готов к выдаче', trackingUrl: 'https://www.cdek.ru/ru/tracking?order_id=1234567890' };

const messages = (body: unknown): string[] => {
  const result = validateDto(OrderStatusUpdateDto, body);
  if (result.ok) throw new Error(`expected a rejection of ${JSON.stringify(body)}`);
  return result.messages;
};

describe('OrderStatusUpdateDto', () => {
  it("accepts IMSHOP's request shape, with and without the newer fields", () => {
    expect(validateDto(OrderStatusUpdateDto, SEED_EXAMPLE).ok).toBe(true);
    expect(validateDto(OrderStatusUpdateDto, { id: '1', code: 'placed' }).ok).toBe(true);
    expect(validateDto(OrderStatusUpdateDto, { ...SEED_EXAMPLE, userId: '79999999999', payment: { paid: true, paymentId: 'p-1' } }).ok).toBe(true);
  });

  it('names missing required fields', () => {
    expect(messages({})).toEqual(['id is required', 'code is required']);
    expect(messages({ id: 5863, code: 'packed' })).toEqual(['id must be a string']);
  });

  it('requires both payment fields when payment is present', () => {
    expect(messages({ ...SEED_EXAMPLE, payment: { paid: true } })).toEqual(['payment.paymentId is required']);
    expect(messages({ ...SEED_EXAMPLE, payment: { paymentId: 'p-1' } })).toEqual(['payment.paid is required']);
    expect(messages({ ...SEED_EXAMPLE, payment: { paid: 'yes', paymentId: 'p-1' } })).toEqual(['payment.paid must be a boolean value']);
    expect(messages({ ...SEED_EXAMPLE, payment: true })).toEqual(['payment must be an object']);
  });

  it('requires an http(s) tracking URL', () => {
    for (const trackingUrl of ['ftp://cdek.ru/x', 'javascript:alert(1)', 'www.cdek.ru/tracking', 'not a url']) {
      expect(messages({ ...SEED_EXAMPLE, trackingUrl })).toEqual(['trackingUrl must be an http(s) URL']);
    }
    expect(validateDto(OrderStatusUpdateDto, { ...SEED_EXAMPLE, trackingUrl: 'http://track.example.com/1' }).ok).toBe(true);
  });
});
