import { afterAll, afterEach } from '@jest/globals';
import { takeContractViolations } from './contract-violations';

/**
 * Fails the test during which the app answered something its OpenAPI description does not place, or sent Market
 * a request its spec does not allow (see test/support/answer-check.ts and fake-market-api.ts).
 */
function failOnViolations(when: string): void {
  const violations = takeContractViolations();
  if (violations.length) throw new Error(`${when}, ${violations.length} contract violation(s):\n${[...new Set(violations)].join('\n')}`);
}

afterEach(() => failOnViolations('during this test'));
afterAll(() => failOnViolations('after the last test'));
