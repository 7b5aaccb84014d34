import { afterEach, describe, expect, it } from '@jest/globals';
import { MAX_TRACKED_CLIENTS, OVERFLOW_CLIENT, PerClientWindows } from './admin-rate-limit.guard';

/**
 * Counts the entries every Map iteration visits while it is switched on: the work a limiter does per request,
 * independent of the machine's speed.
 */
const visits = (() => {
  const original = Map.prototype[Symbol.iterator];
  let count = 0;
  return {
    start() {
      count = 0;
      Map.prototype[Symbol.iterator] = function* (this: Map<unknown, unknown>) {
        for (const entry of original.call(this)) {
          count++;
          yield entry;
        }
      } as typeof original;
    },
    stop(): number {
      Map.prototype[Symbol.iterator] = original;
      return count;
    },
  };
})();

describe('PerClientWindows (the admin and IMSHOP key limiters)', () => {
  afterEach(() => void visits.stop());

  it('counts each client in one-minute windows and says how long to wait past the limit', () => {
    const limiter = new PerClientWindows(3);
    const t0 = 1_000_000;
    expect([1, 2, 3].map(() => limiter.hit('10.0.0.1', t0))).toEqual([undefined, undefined, undefined]);
    expect(limiter.hit('10.0.0.1', t0 + 10_000)).toBe(50);
    expect(limiter.blocked('10.0.0.1', t0 + 59_500)).toBe(1);
    expect(limiter.hit('10.0.0.2', t0 + 10_000)).toBeUndefined();
    // a new minute, a new window
    expect(limiter.blocked('10.0.0.1', t0 + 60_000)).toBeUndefined();
    expect(limiter.hit('10.0.0.1', t0 + 60_000)).toBeUndefined();
  });

  it('drops ended windows in the order they started, without looking at the live ones', () => {
    const limiter = new PerClientWindows(100);
    const t0 = 5_000_000;
    for (let i = 0; i < 1000; i++) limiter.hit(`a${i}`, t0);
    for (let i = 0; i < 1000; i++) limiter.hit(`b${i}`, t0 + 30_000);
    expect(limiter.size).toBe(2000);
    limiter.hit('c', t0 + 60_000);
    // the a-windows ended; the b-windows (still live) are kept
    expect(limiter.size).toBe(1001);
    expect(limiter.blocked('b1', t0 + 60_000)).toBeUndefined();
    // a window that starts again moves to the back: a1's new window outlives the b-windows
    limiter.hit('a1', t0 + 61_000);
    limiter.hit('d', t0 + 90_000);
    expect(limiter.size).toBe(3);
  });

  // 60,000 clients in a minute cost 53 s of event loop before: past 10,000, every new client scanned the whole map.
  it('costs the same per request with a full table as with an empty one', () => {
    const limiter = new PerClientWindows(600);
    const t0 = 9_000_000;
    for (let i = 0; i < 20_000; i++) limiter.hit(`192.0.${i >> 8}.${i & 255}`, t0 + i);
    visits.start();
    for (let i = 0; i < 1000; i++) limiter.hit(`198.51.${i >> 8}.${i & 255}`, t0 + 20_000 + i);
    for (let i = 0; i < 1000; i++) limiter.blocked(`203.0.${i >> 8}.${i & 255}`, t0 + 21_000 + i);
    const visited = visits.stop();
    // one look at the oldest window per call (it is live), never a scan
    expect(visited).toBeLessThanOrEqual(2000);
  });

  it('keeps at most MAX_TRACKED_CLIENTS windows, and counts the clients beyond them under one key', () => {
    const limiter = new PerClientWindows(5, 10);
    const t0 = 2_000_000;
    for (let i = 0; i < 10; i++) limiter.hit(`10.0.0.${i}`, t0);
    expect(limiter.size).toBe(10);
    // rotating addresses: every new one shares the overflow window, so 5 go through in all, not 5 each
    const answers = Array.from({ length: 8 }, (_, i) => limiter.hit(`10.1.0.${i}`, t0 + 1000));
    expect(answers.map((a) => a === undefined)).toEqual([true, true, true, true, true, false, false, false]);
    expect(limiter.blocked('10.2.0.1', t0 + 1000)).toBe(60);
    expect(limiter.size).toBe(11);
    // the tracked clients keep their own counts
    expect(limiter.hit('10.0.0.1', t0 + 1000)).toBeUndefined();
    // a minute later the table empties and new clients get windows of their own again
    expect(limiter.hit('10.3.0.1', t0 + 61_000)).toBeUndefined();
    expect(limiter.size).toBe(1);
    expect(limiter.blocked(OVERFLOW_CLIENT, t0 + 61_000)).toBeUndefined();

    const big = new PerClientWindows(600);
    for (let i = 0; i < MAX_TRACKED_CLIENTS + 5000; i++) big.hit(`c${i}`, t0);
    expect(big.size).toBe(MAX_TRACKED_CLIENTS + 1);
  });
});
