// `npm run test:faults`: fault injection against the real built app (test/faults): kill -9, Redis and
// PostgreSQL outages, a failing IMSHOP, two instances. Each test file starts its own PostgreSQL and Redis
// on free ports (never the machine's 5432/6379), so there is no globalSetup. Kept out of jest.config.mjs
// so that plain `npm test` does not run it.
const tsJest = ['ts-jest', { useESM: true, tsconfig: 'tsconfig.jest.json', diagnostics: { warnOnly: false } }];
export default {
  displayName: 'faults',
  rootDir: '.',
  testMatch: ['<rootDir>/test/faults/**/*.faults-spec.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': tsJest },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
  // Hooks too (see jest.config.mjs): a setup that times out while its servers still start ends Jest without a summary.
  testTimeout: 60_000,
};
