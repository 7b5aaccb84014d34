// `npm run test:fuzz`: property-based fuzzing of the inbound endpoints (test/fuzz). Kept out of
// jest.config.mjs so that plain `npm test` does not run it; same settings as the e2e project there.
const tsJest = ['ts-jest', { useESM: true, tsconfig: 'tsconfig.jest.json', diagnostics: { warnOnly: false } }];
export default {
  displayName: 'fuzz',
  rootDir: '.',
  testMatch: ['<rootDir>/test/fuzz/**/*.fuzz-spec.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': tsJest },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
  // Hooks too (see jest.config.mjs): a setup that times out while its servers still start ends Jest without a summary.
  testTimeout: 60_000,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  // Every answer to the fuzzed requests must be one /docs-json describes, like the e2e suites'.
  setupFilesAfterEnv: ['<rootDir>/test/support/contract-setup.ts'],
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
