import { describe, expect, it } from '@jest/globals';
import { checkTransition, ORDER_STATUSES, OrderStatus } from './order-status';

describe('order state machine', () => {
  const allowed = (from: OrderStatus, to: OrderStatus) => checkTransition(from, to).allowed;

  it('moves forward through the life of an order', () => {
    const path: OrderStatus[] = ['NEW', 'PROCESSING', 'READY_TO_SHIP', 'SHIPPED', 'READY_FOR_PICKUP', 'DELIVERED', 'RETURNED'];
    for (let i = 1; i < path.length; i++) expect(allowed(path[i - 1], path[i])).toBe(true);
  });

  it('may skip stages (Market can report DELIVERED right after PROCESSING)', () => {
    expect(allowed('PROCESSING', 'DELIVERED')).toBe(true);
    expect(allowed('NEW', 'READY_FOR_PICKUP')).toBe(true);
  });

  it('never goes back from DELIVERED to PROCESSING, with a reason', () => {
    const verdict = checkTransition('DELIVERED', 'PROCESSING');
    expect(verdict).toEqual({ allowed: false, reason: 'DELIVERED cannot go back to PROCESSING' });
  });

  it('lets a released assembly go back to PROCESSING, but not a shipped order', () => {
    expect(allowed('READY_TO_SHIP', 'PROCESSING')).toBe(true);
    expect(allowed('ASSEMBLY_FAILED', 'PROCESSING')).toBe(true);
    expect(allowed('SHIPPED', 'PROCESSING')).toBe(false);
  });

  it('moves sideways within a stage', () => {
    expect(allowed('PARTIALLY_READY', 'READY_TO_SHIP')).toBe(true);
    expect(allowed('PARTIALLY_SHIPPED', 'SHIPPED')).toBe(true);
  });

  it('cancels only before the buyer has the goods, and cancellation is final', () => {
    for (const from of ['NEW', 'PROCESSING', 'READY_TO_SHIP', 'SHIPPED', 'READY_FOR_PICKUP'] as OrderStatus[]) {
      expect(allowed(from, 'CANCELLED')).toBe(true);
    }
    expect(allowed('DELIVERED', 'CANCELLED')).toBe(false);
    expect(allowed('RETURNED', 'CANCELLED')).toBe(false);
    for (const to of ORDER_STATUSES.filter((s) => s !== 'CANCELLED')) expect(allowed('CANCELLED', to)).toBe(false);
  });

  it('treats UNKNOWN as a starting point that nothing returns to', () => {
    for (const to of ORDER_STATUSES) expect(allowed('UNKNOWN', to)).toBe(true);
    expect(allowed('NEW', 'UNKNOWN')).toBe(false);
  });

  it('answers every pair without throwing and allows staying put', () => {
    for (const from of ORDER_STATUSES) {
      expect(allowed(from, from)).toBe(true);
      for (const to of ORDER_STATUSES) expect(typeof checkTransition(from, to).allowed).toBe('boolean');
    }
  });
});
