import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TICKET_STATUS_EXAMPLES } from '../../src/imshop-tickets/dto/swagger-examples';
import { startFakeImshop, type FakeImshop } from '../support/fake-imshop';
import { ADMIN_KEY, type TestApp } from '../support/test-app';
import { FUZZ_RUNS, FUZZ_TIMEOUT_MS, assertPrototypesClean, fuzzEndpoint, startFuzzApp } from './support/fuzz-harness';
import { IMSHOP_BAD_AUTH, IMSHOP_KEY } from './support/endpoints';

const examples = Object.values(TICKET_STATUS_EXAMPLES).map((example) => example.value);
const keys = [
  ...new Set([
    ...examples.flatMap((example) => Object.keys(example)),
    ...['timestamp', 'deliveryTrackingNumber', 'deliveryOrderId', 'cart', 'unavailableItems', 'configurationId', 'datamatrix', 'quantity', 'step', 'key'],
  ]),
];

describe('fuzz: POST /imshop/tickets/status', () => {
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
    // The examples' tickets exist (prepare rsp-12345, ship rsp-12346), so statuses are judged against their type.
    await t.db.query(`INSERT INTO orders (oms_order_number, status, version) VALUES ('a7878969', 'PROCESSING', 1)`);
    for (const [type, ticketId] of [
      ['prepare', 'rsp-12345'],
      ['ship', 'rsp-12346'],
    ]) {
      fake.respond((request) => (request.path === '/tickets' ? { status: 200, body: { success: true, status: 'created', ticketId } } : undefined));
      const res = await t.http().post('/tickets').set('X-Api-Key', ADMIN_KEY).send({ type, orderId: 'a7878969', storeId: '1456' });
      expect(res.status).toBe(201);
    }
    fake.respond(() => undefined);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it(
    `answers ${FUZZ_RUNS} malformed and hostile ticket statuses with 200 or a JSON 4xx naming the problem, storing nothing it rejects`,
    async () => {
      const stats = await fuzzEndpoint(t, {
        name: 'POST /imshop/tickets/status',
        path: '/imshop/tickets/status',
        errorShape: 'nest',
        cases: { keys, examples },
        headers: { Authorization: `Bearer ${IMSHOP_KEY}` },
        badHeaders: IMSHOP_BAD_AUTH,
      });
      expect(stats.sent).toBeGreaterThanOrEqual(FUZZ_RUNS);
      assertPrototypesClean();
    },
    FUZZ_TIMEOUT_MS,
  );
});
