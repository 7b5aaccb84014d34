import { describe, expect, it } from '@jest/globals';
import { buildStatusPush, parseImshopStatusResponse } from './imshop-payloads';

describe('buildStatusPush', () => {
  it("builds seed 001's example body", () => {
    const body = buildStatusPush({
      orderNumber: '05671863',
      code: 'packed',
      message: 'Готов к выдаче',
      trackingUrl: 'https://www.cdek.ru/ru/tracking?order_id=1234567890',
    });
    expect(JSON.stringify(body)).toBe(
      '{"id":"05671863","code":"packed","message":"Готов к выдаче","trackingUrl":"https://www.cdek.ru/ru/tracking?order_id=1234567890"}',
    );
  });

  it('omits undefined and null optional fields', () => {
    expect(buildStatusPush({ orderNumber: '1', code: 'placed' })).toEqual({ id: '1', code: 'placed' });
    const body = buildStatusPush({ orderNumber: '1', code: 'placed', message: undefined, trackingUrl: null, userId: null, payment: null });
    expect(Object.keys(body)).toEqual(['id', 'code']);
  });

  it('adds userId and payment when given, copying only the documented payment fields', () => {
    const payment = { paid: false, paymentId: 'p-9', extra: 'dropped' } as { paid: boolean; paymentId: string };
    expect(buildStatusPush({ orderNumber: '1', code: 'paid', userId: '79999999999', payment })).toEqual({
      id: '1',
      code: 'paid',
      userId: '79999999999',
      payment: { paid: false, paymentId: 'p-9' },
    });
  });

  it('refuses to build a body IMSHOP cannot use', () => {
    expect(() => buildStatusPush({ orderNumber: '', code: 'x' })).toThrow(/orderNumber/);
    expect(() => buildStatusPush({ orderNumber: '1', code: ' ' })).toThrow(/code/);
    expect(() => buildStatusPush({ orderNumber: '1', code: 'x', payment: { paid: true } as never })).toThrow(/paymentId/);
  });
});

describe('parseImshopStatusResponse', () => {
  it("is ok for seed 001's answer", () => {
    const answer = {
      success: true,
      internalId: '05671863',
      uuid: 'cfe64e76-dbc4-4f0f-b9d1-7423aeb6f195',
      newStatus: 'packed',
      imshopStatus: 'ready_for_pickup',
      message: 'Готов к выдаче',
    };
    expect(parseImshopStatusResponse(200, answer)).toEqual({ ok: true, retryable: false });
    expect(parseImshopStatusResponse(200, JSON.stringify(answer))).toEqual({ ok: true, retryable: false });
  });

  it('is ok for any other 2xx that does not say success: false', () => {
    expect(parseImshopStatusResponse(204, undefined)).toEqual({ ok: true, retryable: false });
    expect(parseImshopStatusResponse(200, 'OK')).toEqual({ ok: true, retryable: false });
  });

  it("fails without retry on success: false, keeping IMSHOP's message", () => {
    expect(parseImshopStatusResponse(200, { success: false, message: 'Order not found' })).toEqual({
      ok: false,
      retryable: false,
      error: 'IMSHOP answered HTTP 200 with success: false: Order not found',
    });
    expect(parseImshopStatusResponse(200, '{"success":"false"}')).toMatchObject({ ok: false, retryable: false });
  });

  it('retries 5xx, 429, 408 and network failures', () => {
    for (const status of [500, 502, 503, 504, 429, 408]) {
      expect(parseImshopStatusResponse(status, '')).toEqual({ ok: false, retryable: true, error: `IMSHOP answered HTTP ${status}` });
    }
    expect(parseImshopStatusResponse(0, undefined)).toEqual({ ok: false, retryable: true, error: 'no HTTP answer from IMSHOP (network error or timeout)' });
    expect(parseImshopStatusResponse(Number.NaN, undefined)).toMatchObject({ ok: false, retryable: true });
  });

  it('does not retry other 4xx or redirects', () => {
    for (const status of [400, 401, 403, 404, 409, 422, 301, 302]) {
      expect(parseImshopStatusResponse(status, { error: 'nope' })).toEqual({ ok: false, retryable: false, error: `IMSHOP answered HTTP ${status}: nope` });
    }
  });

  it('clips a long raw error body', () => {
    const verdict = parseImshopStatusResponse(500, `<html>${'x'.repeat(1000)}</html>`);
    expect(verdict.error?.length).toBeLessThan(340);
    expect(verdict.error?.endsWith('…')).toBe(true);
  });
});
