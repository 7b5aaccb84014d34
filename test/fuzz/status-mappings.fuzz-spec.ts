import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ADMIN_KEY, type TestApp } from '../support/test-app';
import { FUZZ_RUNS, FUZZ_TIMEOUT_MS, assertPrototypesClean, fuzzEndpoint, startFuzzApp } from './support/fuzz-harness';
import { ADMIN_BAD_AUTH } from './support/endpoints';

/** The Swagger request examples of the controller (none of them is a default row), and a few more valid rows. */
const examples: unknown[] = [
  { source: 'oms', externalCode: 'packed', internalStatus: 'READY_TO_SHIP' },
  { source: 'market', externalCode: 'PROCESSING', externalSubstatus: 'SHIPPED', internalStatus: 'SHIPPED' },
  { target: 'imshop', internalStatus: 'UNKNOWN', code: 'processing', message: 'Заказ в обработке' },
  { source: 'imshop_ticket', ticketType: 'prepare', externalCode: 'weird', internalStatus: null, attention: true },
  { source: 'oms', externalCode: 'on_hold' },
];
const keys = ['source', 'target', 'ticketType', 'externalCode', 'externalSubstatus', 'internalStatus', 'code', 'message', 'attention', 'expectedVersion'];

/** X-Actor goes into the audit rows: fuzz it too (header-safe characters only: Latin-1, no controls). */
const actorArb = fc.oneof(
  fc.constant({}),
  fc
    .string({
      unit: fc.oneof(
        fc.constantFrom(...' @._-<>"\'%$;'),
        fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
        fc.integer({ min: 0xa0, max: 0xff }).map((c) => String.fromCharCode(c)),
      ),
      maxLength: 100,
    })
    .map((actor) => ({ 'X-Actor': actor })),
  fc.constant({ 'X-Actor': 'a'.repeat(5000) }),
);

describe('fuzz: POST /admin/status-mappings', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startFuzzApp({ ADMIN_RATE_LIMIT: '1000000' });
  });
  afterAll(() => t?.close());

  it(
    `answers ${FUZZ_RUNS} malformed and hostile mapping rows with 201 or a JSON 4xx naming the problem, storing nothing it rejects`,
    async () => {
      const stats = await fuzzEndpoint(t, {
        name: 'POST /admin/status-mappings',
        path: '/admin/status-mappings',
        errorShape: 'nest',
        cases: { keys, examples },
        headers: { 'X-Api-Key': ADMIN_KEY },
        badHeaders: ADMIN_BAD_AUTH,
        extraHeaders: actorArb,
      });
      expect(stats.sent).toBeGreaterThanOrEqual(FUZZ_RUNS);
      assertPrototypesClean();
    },
    FUZZ_TIMEOUT_MS,
  );
});
