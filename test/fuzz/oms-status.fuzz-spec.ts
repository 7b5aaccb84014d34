import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeImshop, type FakeImshop } from '../support/fake-imshop';
import { ADMIN_KEY, type TestApp } from '../support/test-app';
import { FUZZ_RUNS, FUZZ_TIMEOUT_MS, assertPrototypesClean, fuzzEndpoint, startFuzzApp } from './support/fuzz-harness';
import { ADMIN_BAD_AUTH, IMSHOP_KEY } from './support/endpoints';

/** Seed 001's example request (as in order-status-update.dto.spec.ts), and with the newer fields. */
const SEED_EXAMPLE = { id: '05671863', code: 'packed', message: 'Готов к выдаче', trackingUrl: 'https://www.cdek.ru/ru/tracking?order_id=1234567890' };
const examples: unknown[] = [
  SEED_EXAMPLE,
  { id: '05671864', code: 'placed' },
  { ...SEED_EXAMPLE, userId: '79999999999', payment: { paid: true, paymentId: 'pay-7f3c1a9e' } },
  { id: 'cfe64e76-dbc4-4f0f-b9d1-7423aeb6f195', code: 'delivered', message: 'Доставлен' },
];
const keys = ['id', 'code', 'message', 'trackingUrl', 'userId', 'payment', 'paid', 'paymentId', 'key'];

describe('fuzz: POST /orders/status', () => {
  let t: TestApp;
  let fake: FakeImshop;
  beforeAll(async () => {
    fake = await startFakeImshop();
    t = await startFuzzApp({ IMSHOP_API_KEY: IMSHOP_KEY, IMSHOP_STATUS_URL: `${fake.url}/statuses`, ADMIN_RATE_LIMIT: '1000000' });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it(
    `answers ${FUZZ_RUNS} malformed and hostile OMS statuses with 200 or a JSON 4xx naming the problem, storing nothing it rejects`,
    async () => {
      const stats = await fuzzEndpoint(t, {
        name: 'POST /orders/status',
        path: '/orders/status',
        errorShape: 'nest',
        cases: { keys, examples },
        headers: { 'X-Api-Key': ADMIN_KEY },
        badHeaders: ADMIN_BAD_AUTH,
      });
      expect(stats.sent).toBeGreaterThanOrEqual(FUZZ_RUNS);
      assertPrototypesClean();
    },
    FUZZ_TIMEOUT_MS,
  );
});
