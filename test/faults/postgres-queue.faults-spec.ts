import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort, reconcile, SCENARIO_TIMEOUT_MS, settle, startWorld, type World } from './support/harness';
import { makeWorkload, startBurst, until } from './support/traffic';

/**
 * Scenarios 1 and 3 without Redis: the queue on BullMQ's PostgreSQL backend (REDIS_URL unset), which is
 * what `npm start` gives. The app is killed with SIGKILL mid-burst and restarted, then PostgreSQL (the
 * database and the queue at once) is stopped for a few seconds: same reconciliation, and no 2xx while the
 * database is down.
 */
describe('faults: kill -9 and a PostgreSQL outage with the queue on PostgreSQL', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld('pgqueue');
  });
  afterAll(async () => {
    await world?.close();
  });

  it(
    'loses nothing answered 2xx and delivers every change',
    async () => {
      const started = Date.now();
      const port = await freePort();
      const env = { REDIS_URL: '' };
      let app = await world.startApp(port, env);
      const workload = makeWorkload({ seed: 606, total: 1_000, ports: [port] });
      const burst = startBurst(workload.tasks, { concurrency: 32 });
      await until(() => burst.completed() >= workload.total * 0.3, 60_000, '30% of the burst answered');
      app.kill('SIGKILL');
      await app.exited;
      app = await world.startApp(port, env);
      await until(() => burst.completed() >= workload.total * 0.6, 60_000, '60% of the burst answered');
      await world.pg.stop('immediate');
      const downFrom = Date.now();
      await new Promise((r) => setTimeout(r, 3_000));
      const downUntil = Date.now();
      await world.pg.start();
      await burst.done;
      const burstMs = Date.now() - started;
      await settle(world);
      const settleMs = Date.now() - started - burstMs;
      const whileDown = burst.sent.flatMap((s) => s.attempts).filter((a) => a.startedAt > downFrom + 200 && a.endedAt < downUntil);
      const okWhileDown = whileDown.filter((a) => a.status >= 200 && a.status < 300).length;
      const result = await reconcile('pg-queue', world, workload, burst, {
        extra: { kills: 1, burstMs, settleMs, answeredWhileDbDown: whileDown.length, okWhileDbDown: okWhileDown },
        wallMs: Date.now() - started,
      });
      expect(result.problems).toEqual([]);
      // Deliveries whose job was active in the killed process must not wait for BullMQ's default stalled-job
      // check (30 s lock + 30 s interval: 24-70 s here before the delivery worker's STALL_DETECTION).
      expect(settleMs).toBeLessThan(30_000);
      expect(okWhileDown).toBe(0);
      expect(app.hasExited()).toBe(false);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
