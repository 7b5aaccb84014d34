import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort, reconcile, SCENARIO_TIMEOUT_MS, settle, startWorld, type World } from './support/harness';
import { makeWorkload, startBurst } from './support/traffic';

/**
 * Scenario 5: two app instances on the same PostgreSQL and the same Redis queue, each receiving every
 * Market notification and ticket webhook (the same notification reaches both at about the same time; OMS
 * relays, which carry no event id, go to one instance like through a load balancer). Nothing may be applied
 * twice (one inbox row and one history row per event) and no change may be sent twice: with a healthy
 * IMSHOP every sent delivery has exactly one attempt and IMSHOP received its body exactly once.
 */
describe('faults: two instances receiving the same notifications', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld('two');
  });
  afterAll(async () => {
    await world?.close();
  });

  it(
    'applies every event once and sends every change once',
    async () => {
      const started = Date.now();
      const [portA, portB] = [await freePort(), await freePort()];
      // One after the other: both run the migrations at boot (docs/running.md: do not boot two on an empty database at once).
      await world.startApp(portA, { DELIVERY_TIMEOUT_MS: '10000' });
      await world.startApp(portB, { DELIVERY_TIMEOUT_MS: '10000' });
      const workload = makeWorkload({ seed: 505, total: 1_400, ports: [portA, portB], fanOut: true });
      const burst = startBurst(workload.tasks, { concurrency: 40 });
      await burst.done;
      await settle(world);
      const result = await reconcile('two-instances', world, workload, burst, { exactlyOnceSends: true, wallMs: Date.now() - started });
      expect(result.problems).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
