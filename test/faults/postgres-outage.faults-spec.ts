import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort, reconcile, SCENARIO_TIMEOUT_MS, settle, startWorld, type World } from './support/harness';
import { makeWorkload, startBurst, until } from './support/traffic';

/**
 * Scenario 3: PostgreSQL is stopped in the middle of a burst (an immediate, crash-like stop: SIGQUIT to
 * the postmaster) and started again a few seconds later. While it is down every webhook must be answered
 * 5xx, never 2xx (persist before acknowledging); after the restart nothing that was answered 2xx is missing.
 */
describe('faults: PostgreSQL outage during a burst', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld('pg');
  });
  afterAll(async () => {
    await world?.close();
  });

  it(
    'answers 5xx while the database is down, and every notification answered 2xx is stored after the restart',
    async () => {
      const started = Date.now();
      const port = await freePort();
      await world.startApp(port);
      const workload = makeWorkload({ seed: 303, total: 1_200, ports: [port] });
      const burst = startBurst(workload.tasks, { concurrency: 32 });
      await until(() => burst.completed() >= workload.total * 0.25, 60_000, '25% of the burst answered');
      await world.pg.stop('immediate');
      const downFrom = Date.now();
      await new Promise((r) => setTimeout(r, 4_000));
      const downUntil = Date.now();
      await world.pg.start();
      await burst.done;
      await settle(world);
      // Requests sent after the server was gone and answered before it came back: none may be a 2xx.
      const whileDown = burst.sent.flatMap((s) => s.attempts).filter((a) => a.startedAt > downFrom + 200 && a.endedAt < downUntil);
      const okWhileDown = whileDown.filter((a) => a.status >= 200 && a.status < 300).length;
      const result = await reconcile('postgres-outage', world, workload, burst, {
        extra: { answeredWhileDbDown: whileDown.length, okWhileDbDown: okWhileDown },
        wallMs: Date.now() - started,
      });
      expect(result.problems).toEqual([]);
      expect(whileDown.length).toBeGreaterThan(0);
      expect(okWhileDown).toBe(0);
      expect(whileDown.every((a) => a.status >= 500)).toBe(true);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
