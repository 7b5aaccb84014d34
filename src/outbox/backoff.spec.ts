import { describe, expect, it } from '@jest/globals';
import { retryDelayMs, RETRY_SCHEDULE_MS } from './backoff';

const policy = { baseMs: 5000, maxMs: 36_000_000 };
const mid = () => 0.5;

describe('retry backoff', () => {
  it('follows the documented schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n, policy, undefined, mid))).toEqual([
      5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ]);
    expect(RETRY_SCHEDULE_MS).toHaveLength(7);
  });

  it('stays within ±20%', () => {
    expect(retryDelayMs(1, policy, undefined, () => 0)).toBe(4000);
    expect(retryDelayMs(1, policy, undefined, () => 1)).toBe(6000);
    expect(retryDelayMs(3, policy, undefined, () => 0)).toBe(1_440_000);
    expect(retryDelayMs(3, policy, undefined, () => 1)).toBe(2_160_000);
  });

  it('repeats the last step beyond the schedule, and is capped', () => {
    expect(retryDelayMs(40, policy, undefined, mid)).toBe(36_000_000);
    expect(retryDelayMs(4, { baseMs: 5000, maxMs: 60_000 }, undefined, mid)).toBe(60_000);
  });

  it('scales the whole schedule by DELIVERY_BACKOFF_MS / 5000 (how tests shorten it)', () => {
    const fast = { baseMs: 40, maxMs: 300 };
    expect([1, 2, 3].map((n) => retryDelayMs(n, fast, undefined, mid))).toEqual([40, 300, 300]);
    expect(retryDelayMs(2, { baseMs: 50, maxMs: 36_000_000 }, undefined, mid)).toBe(3000);
  });

  it('honours a longer Retry-After, up to an hour, but never retries sooner than the schedule', () => {
    expect(retryDelayMs(1, policy, 30, mid)).toBe(30_000);
    expect(retryDelayMs(1, policy, 1, mid)).toBe(5000);
    expect(retryDelayMs(1, policy, 86_400, mid)).toBe(3_600_000);
    expect(retryDelayMs(5, policy, 60, mid)).toBe(18_000_000);
  });
});
