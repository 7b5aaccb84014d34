import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort, reconcile, SCENARIO_TIMEOUT_MS, settle, startWorld, type World } from './support/harness';
import { makeWorkload, startBurst, until } from './support/traffic';

/**
 * Scenario 1: the app is killed with SIGKILL twice in the middle of a burst of 3,000 notifications
 * (Market, IMSHOP tickets and OMS relays mixed, with duplicates and shuffled event times) and restarted
 * on the same port; the senders resend whatever got no answer or a 5xx, as Market and IMSHOP do.
 */
describe('faults: kill -9 of the app during a burst', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld('kill9');
  });
  afterAll(async () => {
    await world?.close();
  });

  it(
    "loses nothing answered 2xx, applies nothing twice, and IMSHOP ends with every order's current status",
    async () => {
      const started = Date.now();
      const port = await freePort();
      let app = await world.startApp(port);
      const workload = makeWorkload({ seed: 101, total: 3_000, ports: [port] });
      const burst = startBurst(workload.tasks, { concurrency: 32 });
      let kills = 0;
      for (const share of [0.3, 0.65]) {
        await until(() => burst.completed() >= workload.total * share, 90_000, `${share * 100}% of the burst answered`);
        app.kill('SIGKILL');
        await app.exited;
        kills++;
        await new Promise((r) => setTimeout(r, 300));
        app = await world.startApp(port);
      }
      await burst.done;
      const burstMs = Date.now() - started;
      await settle(world);
      const settleMs = Date.now() - started - burstMs;
      const result = await reconcile('kill-9', world, workload, burst, { extra: { kills, burstMs, settleMs }, wallMs: Date.now() - started });
      expect(result.problems).toEqual([]);
      // Deliveries whose job was active in the killed process must not wait for BullMQ's default stalled-job
      // check (30 s lock + 30 s interval: 24-70 s here before the delivery worker's STALL_DETECTION).
      expect(settleMs).toBeLessThan(30_000);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
