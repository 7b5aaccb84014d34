import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort, reconcile, SCENARIO_TIMEOUT_MS, settle, startWorld, type World } from './support/harness';
import { makeWorkload, startBurst, until } from './support/traffic';

/**
 * Scenario 2: Redis (the queue) is killed in the middle of a burst and started again, empty, a few
 * seconds later. Webhooks must keep being answered 2xx (the outbox is in PostgreSQL; enqueueing is never
 * on the request path), and the deliveries catch up once Redis is back (the outbox sweeper re-queues
 * every due delivery whose job was lost).
 */
describe('faults: Redis outage during a burst', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld('redis');
  });
  afterAll(async () => {
    await world?.close();
  });

  it(
    'answers every webhook 2xx while Redis is down and delivers every change once it is back',
    async () => {
      const started = Date.now();
      const port = await freePort();
      await world.startApp(port);
      const workload = makeWorkload({ seed: 202, total: 1_200, ports: [port] });
      const burst = startBurst(workload.tasks, { concurrency: 32 });
      await until(() => burst.completed() >= workload.total * 0.2, 60_000, '20% of the burst answered');
      await world.redis.stop();
      const downAt = burst.completed();
      await new Promise((r) => setTimeout(r, 5_000));
      const answeredWhileDown = burst.completed() - downAt;
      const pushesBeforeRestart = world.fake.requests.length;
      await world.redis.start();
      await burst.done;
      await settle(world);
      const result = await reconcile('redis-outage', world, workload, burst, {
        extra: { answeredWhileRedisDown: answeredWhileDown, pushesBeforeRedisBack: pushesBeforeRestart },
        wallMs: Date.now() - started,
      });
      expect(result.problems).toEqual([]);
      // The queue's outage never reaches the webhook callers.
      expect(result.counts['5xx']).toBe(0);
      expect(result.counts.noAnswer).toBe(0);
      expect(answeredWhileDown).toBeGreaterThan(0);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
