import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PeerBehaviour } from '../support/fake-http-peer';
import { freePort, reconcile, SCENARIO_TIMEOUT_MS, settle, startWorld, type World } from './support/harness';
import { makeWorkload, startBurst, until } from './support/traffic';

/**
 * Scenario 7: under load, IMSHOP answers slowly and strangely, request by request in turn: slow but in time, a
 * 1 MiB body, a body jsonb refuses (U+0000), bytes that are not UTF-8, a 200 KB 503 error page, and an answer
 * later than the delivery timeout. Meanwhile up to 100 deliveries are in flight (DELIVERY_CONCURRENCY) with a
 * request-path pool of 7 connections. Every webhook must still be answered 2xx, every attempt recorded (one
 * attempt row per request IMSHOP received), and every change arrive, with the usual exact reconciliation.
 */
describe('faults: a slow and strange IMSHOP under load', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld('slow-peers');
  });
  afterAll(async () => {
    await world?.close();
  });

  it(
    'answers every webhook and delivers every change through slow, huge, garbled and late answers',
    async () => {
      const started = Date.now();
      const port = await freePort();
      await world.startApp(port, {
        DELIVERY_TIMEOUT_MS: '1500',
        DELIVERY_BACKOFF_MS: '100',
        DELIVERY_BACKOFF_MAX_MS: '800',
        DELIVERY_CONCURRENCY: '100',
        DATABASE_POOL_SIZE: '7',
      });
      const huge = JSON.stringify({ success: true, padding: 'x'.repeat(1024 * 1024) });
      const kinds: [string, (index: number) => PeerBehaviour][] = [
        ['slow', (index) => ({ status: 200, body: { success: true }, delayMs: 300 + (index % 5) * 200 })],
        ['huge', () => ({ status: 200, raw: huge })],
        ['nul', () => ({ status: 200, raw: '{"success":true,"note":"\\u0000"}' })],
        ['notUtf8', () => ({ status: 200, raw: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) })],
        [
          'errorPage',
          () => ({ status: 503, raw: `<html><body>${'Service Unavailable '.repeat(10_000)}</body></html>`, headers: { 'content-type': 'text/html' } }),
        ],
        ['late', () => ({ status: 200, body: { success: true }, delayMs: 2500 })],
      ];
      const seen: Record<string, number> = Object.fromEntries(kinds.map(([name]) => [name, 0]));
      world.fake.respond((_req, index) => {
        const [name, behaviour] = kinds[index % kinds.length];
        seen[name]++;
        return behaviour(index);
      });
      const workload = makeWorkload({ seed: 707, total: 900, ports: [port], mix: { market: 0.3, ticket: 0.4, oms: 0.3 } });
      const burst = startBurst(workload.tasks, { concurrency: 32 });
      await until(() => burst.completed() >= workload.total * 0.5, 90_000, 'half of the burst answered');
      await burst.done;
      await settle(world);
      const [{ attempts }] = await world.query<{ attempts: number }>('SELECT count(*)::int AS attempts FROM delivery_attempts');
      const answerMs = burst.sent.flatMap((s) => s.attempts.map((a) => a.endedAt - a.startedAt)).sort((a, b) => a - b);
      const result = await reconcile('slow-peers', world, workload, burst, {
        extra: {
          ...Object.fromEntries(Object.entries(seen).map(([k, v]) => [`imshop-${k}`, v])),
          attemptRows: attempts,
          webhookP99ms: answerMs[Math.floor(answerMs.length * 0.99)],
          webhookMaxMs: answerMs[answerMs.length - 1],
        },
        wallMs: Date.now() - started,
      });
      expect(result.problems).toEqual([]);
      expect(Object.values(seen).every((count) => count > 0)).toBe(true);
      // Whatever came back, every request IMSHOP received is an attempt on record (none lost, so none resent in a loop).
      expect(attempts).toBe(world.fake.requests.length);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
