import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { notificationSchemas, validPayload, type Schema } from '../support/market-openapi';
import { type TestApp } from '../support/test-app';
import { FUZZ_RUNS, FUZZ_TIMEOUT_MS, assertPrototypesClean, fuzzEndpoint, startFuzzApp } from './support/fuzz-harness';

const schemas = notificationSchemas();
/** One valid notification of each of the 17 types of Market's official spec. */
const examples = Object.entries(schemas).map(([type, schema]) => validPayload(type, schema));

function fieldNames(schema: Schema, out = new Set<string>()): Set<string> {
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    out.add(name);
    fieldNames(child, out);
  }
  if (schema.items) fieldNames(schema.items, out);
  return out;
}
const keys = [...new Set(Object.values(schemas).flatMap((schema) => [...fieldNames(schema)]))];

describe('fuzz: POST /market/notification', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startFuzzApp({ MARKET_ALLOWED_CIDRS: '*' });
  });
  afterAll(() => t?.close());

  it(
    `answers ${FUZZ_RUNS} malformed and hostile notifications with 200 or a JSON 400 naming the problem, storing nothing it rejects`,
    async () => {
      const stats = await fuzzEndpoint(t, {
        name: 'POST /market/notification',
        path: '/market/notification',
        errorShape: 'market',
        cases: { keys, examples },
        headers: {},
      });
      expect(stats.sent).toBeGreaterThanOrEqual(FUZZ_RUNS);
      assertPrototypesClean();
    },
    FUZZ_TIMEOUT_MS,
  );
});
