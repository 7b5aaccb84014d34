import { describe, expect, it } from '@jest/globals';
import { retryDelayMs } from './backoff';

const policy = { baseMs: 5000, maxMs: 36_000_000 };

describe('retry backoff', () => {
  it('doubles from the base and stays within ±20%', () => {
    expect(retryDelayMs(1, policy, undefined, () => 0.5)).toBe(5000);
    expect(retryDelayMs(2, policy, undefined, () => 0.5)).toBe(10000);
    expect(retryDelayMs(4, policy, undefined, () => 0.5)).toBe(40000);
    expect(retryDelayMs(1, policy, undefined, () => 0)).toBe(4000);
    expect(retryDelayMs(1, policy, undefined, () => 1)).toBe(6000);
  });

  it('is capped', () => {
    expect(retryDelayMs(40, policy, undefined, () => 0.5)).toBe(36_000_000);
  });

  it('honours a longer Retry-After, up to an hour, but never retries sooner than the schedule', () => {
    expect(retryDelayMs(1, policy, 30, () => 0.5)).toBe(30_000);
    expect(retryDelayMs(1, policy, 1, () => 0.5)).toBe(5000);
    expect(retryDelayMs(1, policy, 86_400, () => 0.5)).toBe(3_600_000);
  });
});
