/**
 * What the contract checks found, for test/support/contract-setup.ts to fail the test it happened in: an answer
 * of the app that /docs-json (or Market's notification spec) cannot place, a request of the app that leaves
 * Market's partner API spec. Collected here because they are found in server callbacks, outside any test.
 */
const found: string[] = [];

export function reportContractViolation(problem: string): void {
  found.push(problem);
}

/** The violations found since the last call. */
export function takeContractViolations(): string[] {
  return found.splice(0, found.length);
}
