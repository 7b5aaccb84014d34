import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppCancellationService } from '../../src/imshop-app-cancellation/app-cancellation.service';
import { APP_CANCELLATION_EXAMPLES } from '../../src/imshop-app-cancellation/dto/swagger-examples';
import { startFakeImshop, type FakeImshop } from '../support/fake-imshop';
import { ADMIN_KEY, type TestApp } from '../support/test-app';
import { FUZZ_RUNS, FUZZ_TIMEOUT_MS, assertPrototypesClean, fuzzEndpoint, startFuzzApp } from './support/fuzz-harness';
import { IMSHOP_BAD_AUTH, IMSHOP_KEY } from './support/endpoints';

const examples: unknown[] = [
  ...Object.values(APP_CANCELLATION_EXAMPLES).map((example) => example.value),
  { id: '12346', status: 'cancelled' },
  { uuid: 'f5315818-cccc-4444-aaaa-31b6aebceb55', internalId: '12347', reason: null },
];
const keys = ['uuid', 'internalId', 'id', 'status', 'reason', 'key'];

describe('fuzz: POST /imshop/orders/cancel', () => {
  let t: TestApp;
  let fake: FakeImshop;
  beforeAll(async () => {
    fake = await startFakeImshop();
    t = await startFuzzApp({
      IMSHOP_API_KEY: IMSHOP_KEY,
      IMSHOP_TICKETS_URL: `${fake.url}/tickets`,
      IMSHOP_STATUS_URL: `${fake.url}/statuses`,
      ADMIN_RATE_LIMIT: '1000000',
    });
    // Orders the examples name, still in the store (cancellable), one with an open ticket to withdraw.
    for (const [number, uuid] of [
      ['12345', 'f5315818-cccc-4444-aaaa-31b6aebceb54'],
      ['12346', null],
      ['12347', 'f5315818-cccc-4444-aaaa-31b6aebceb55'],
    ]) {
      await t.db.query(`INSERT INTO orders (oms_order_number, imshop_uuid, status, version) VALUES ($1, $2, 'PROCESSING', 1)`, [number, uuid]);
    }
    const res = await t.http().post('/tickets').set('X-Api-Key', ADMIN_KEY).send({ type: 'prepare', orderId: '12345', storeId: '1456' });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it(
    `answers ${FUZZ_RUNS} malformed and hostile cancellations with 200 or a JSON 4xx naming the problem, storing nothing it rejects`,
    async () => {
      const stats = await fuzzEndpoint(t, {
        name: 'POST /imshop/orders/cancel',
        path: '/imshop/orders/cancel',
        errorShape: 'nest',
        cases: { keys, examples },
        headers: { Authorization: `Bearer ${IMSHOP_KEY}` },
        badHeaders: IMSHOP_BAD_AUTH,
        // An accepted cancellation withdraws the order's open tickets after answering.
        settle: () => t.app.get(AppCancellationService).onApplicationShutdown(),
      });
      expect(stats.sent).toBeGreaterThanOrEqual(FUZZ_RUNS);
      assertPrototypesClean();
    },
    FUZZ_TIMEOUT_MS,
  );
});
