import { describe, expect, it } from '@jest/globals';
import { ORDER_STATUSES } from '../orders/order-status';
import { appCancellationRefusal } from './app-cancellation.service';

describe('appCancellationRefusal', () => {
  it('lets the buyer cancel while the order is still in the store', () => {
    for (const status of ['UNKNOWN', 'NEW', 'PROCESSING', 'READY_TO_SHIP', 'PARTIALLY_READY', 'ASSEMBLY_FAILED', 'CANCELLED'] as const) {
      expect(appCancellationRefusal(status)).toBeNull();
    }
  });

  it('refuses, in Russian, once the order is handed to delivery or finished', () => {
    expect(appCancellationRefusal('SHIPPED')).toBe('Заказ уже передан в доставку, отменить его нельзя');
    expect(appCancellationRefusal('PARTIALLY_SHIPPED')).toBe('Заказ уже передан в доставку, отменить его нельзя');
    expect(appCancellationRefusal('READY_FOR_PICKUP')).toMatch(/^Заказ уже ждёт вас в пункте выдачи/);
    expect(appCancellationRefusal('DELIVERED')).toBe('Заказ уже получен, отменить его нельзя');
    expect(appCancellationRefusal('RETURNED')).toBe('Заказ уже завершён, отменить его нельзя');
    for (const status of ORDER_STATUSES) {
      const refusal = appCancellationRefusal(status);
      if (refusal !== null) expect(refusal).toMatch(/[А-Яа-яё]/);
    }
  });
});
