import { describe, expect, it } from '@jest/globals';
import { MarketRateLimiter } from './market-rate-limiter';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('MarketRateLimiter', () => {
  it('keeps at most N requests per entity in flight, others run freely', async () => {
    const limiter = new MarketRateLimiter(4);
    let active = 0;
    let peak = 0;
    const work = () =>
      limiter.run('campaign:1', async () => {
        peak = Math.max(peak, ++active);
        await sleep(10);
        active--;
      });
    const other = limiter.run('campaign:2', async () => limiter.inFlight('campaign:1'));
    await Promise.all([...Array.from({ length: 10 }, work), other]);
    expect(peak).toBe(4);
    expect(await other).toBeLessThanOrEqual(4);
    expect(limiter.inFlight('campaign:1')).toBe(0);
  });

  it('releases the slot when the work throws', async () => {
    const limiter = new MarketRateLimiter(1);
    await expect(limiter.run('b:1', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run('b:1', async () => 'ran')).toBe('ran');
  });

  it('holds a method back for an entity until the time Market named', () => {
    const limiter = new MarketRateLimiter(4);
    limiter.holdBack('updateOrderStatus', 'campaign:1', 10_000);
    expect(limiter.heldBackFor('updateOrderStatus', 'campaign:1', 4_000)).toBe(6_000);
    expect(limiter.heldBackFor('acceptOrderCancellation', 'campaign:1', 4_000)).toBe(0);
    expect(limiter.heldBackFor('updateOrderStatus', 'campaign:2', 4_000)).toBe(0);
    expect(limiter.heldBackFor('updateOrderStatus', 'campaign:1', 10_001)).toBe(0);
  });
});
