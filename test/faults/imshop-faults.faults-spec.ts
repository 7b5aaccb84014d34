import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PeerBehaviour } from '../support/fake-http-peer';
import { freePort, reconcile, SCENARIO_TIMEOUT_MS, settle, startWorld, type World } from './support/harness';
import { makeWorkload, startBurst, until } from './support/traffic';

/**
 * Scenario 4: for a while the fake IMSHOP answers 500, hangs past the delivery timeout, closes the
 * connection without an answer, and answers 429 with Retry-After (in turn, request by request); then it is
 * healthy again. Small DELIVERY_BACKOFF_MS / DELIVERY_TIMEOUT_MS make the retries converge in seconds, and
 * DELIVERY_MAX_ATTEMPTS is high enough that nothing is given up: every change must arrive.
 */
describe('faults: a failing IMSHOP', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld('imshop');
  });
  afterAll(async () => {
    await world?.close();
  });

  it(
    'retries through 500s, timeouts, dropped connections and 429 Retry-After until every change has arrived',
    async () => {
      const started = Date.now();
      const port = await freePort();
      await world.startApp(port, { DELIVERY_TIMEOUT_MS: '300', DELIVERY_BACKOFF_MS: '100', DELIVERY_BACKOFF_MAX_MS: '800' });
      const faults: PeerBehaviour[] = [
        { status: 500, body: { success: false, errorMessage: 'internal error' } },
        { hang: true },
        { drop: true },
        { status: 429, body: { success: false }, headers: { 'Retry-After': '1' } },
      ];
      const seen: Record<string, number> = { 500: 0, hang: 0, drop: 0, 429: 0 };
      world.fake.respond((_req, index) => {
        const behaviour = faults[index % faults.length];
        seen['hang' in behaviour ? 'hang' : 'drop' in behaviour ? 'drop' : String(behaviour.status)]++;
        return behaviour;
      });
      // Mostly orders IMSHOP must hear of (tickets and OMS relays), with some Market traffic beside them.
      const workload = makeWorkload({ seed: 404, total: 900, ports: [port], mix: { market: 0.2, ticket: 0.45, oms: 0.35 } });
      const burst = startBurst(workload.tasks, { concurrency: 32 });
      await until(() => burst.completed() >= workload.total * 0.6, 60_000, '60% of the burst answered');
      const failedRequests = world.fake.requests.length;
      world.fake.respond(() => ({ status: 200, body: { success: true } }));
      await burst.done;
      await settle(world);
      const [{ retried }] = await world.query<{ retried: number }>("SELECT count(*)::int AS retried FROM delivery_attempts WHERE outcome = 'retry'");
      const result = await reconcile('imshop-faults', world, workload, burst, {
        extra: { faultyAnswers: failedRequests, ...Object.fromEntries(Object.entries(seen).map(([k, v]) => [`imshop${k}`, v])), retryAttempts: retried },
        wallMs: Date.now() - started,
      });
      expect(result.problems).toEqual([]);
      expect(Object.values(seen).every((count) => count > 0)).toBe(true);
      expect(retried).toBeGreaterThan(0);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
