import { describe, expect, it } from '@jest/globals';
import { HeldLease } from './held-lease';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Real timers: a lease of 1500 ms for requests of 500 ms closes 1000 ms after its claim was sent (checks keep 700 ms clear of it). */
describe('HeldLease: when an attempt may still start a request', () => {
  it('closes once a request started now could outlast the lease, measured from when the claim was sent', async () => {
    const lease = new HeldLease('1', 'token', 1, Date.now(), 1500, 500);
    expect(lease.signal.aborted).toBe(false);
    await sleep(300);
    expect(lease.signal.aborted).toBe(false);
    await sleep(1000);
    expect(lease.signal.aborted).toBe(true);
    expect((lease.signal.reason as Error).message).toContain('its lease could lapse before a request would end');
  });

  it('is closed from the start when the claim took longer than the margin to come back', () => {
    const lease = new HeldLease('1', 'token', 1, Date.now() - 1100, 1500, 500);
    expect(lease.signal.aborted).toBe(true);
  });

  it('stays open while renewals come through, counted from when each renewal was sent', async () => {
    const lease = new HeldLease('1', 'token', 1, Date.now(), 1500, 500);
    for (let i = 0; i < 4; i++) {
      await sleep(300);
      lease.extend(Date.now());
    }
    expect(lease.signal.aborted).toBe(false);
    // A renewal sent long ago (its answer was slow) extends nothing past what it can vouch for.
    lease.extend(Date.now() - 5000);
    await sleep(1300);
    expect(lease.signal.aborted).toBe(true);
    lease.end();
  });

  it("closes at once when the delivery is no longer this worker's, and stays closed", async () => {
    const lease = new HeldLease('1', 'token', 1, Date.now(), 10_000, 100);
    lease.lose('released by a sweeper');
    expect(lease.signal.aborted).toBe(true);
    lease.extend(Date.now());
    expect((lease.signal.reason as Error).message).toBe('released by a sweeper');
  });
});
