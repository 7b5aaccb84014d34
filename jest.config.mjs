// Jest runs in native ESM mode: Nest 12 is ESM-only. The scripts pass --experimental-vm-modules: still
// needed on Node 24.21 and 26.10 (measured with Jest 30.5: without it node:vm has no SourceTextModule,
// which Jest's ESM mode and its require(esm) both use, and @nestjs/common fails to load).
const tsJest = ['ts-jest', { useESM: true, tsconfig: 'tsconfig.jest.json', diagnostics: { warnOnly: false } }];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': tsJest },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
};
export default {
  // Hooks too (a global option: projects do not take it). A test app booting on a loaded machine takes more than
  // Jest's 5 s; a hook that timed out while its app still booted let Jest tear the test's environment down under
  // that app, whose next pg connection then required 'net' (pg loads it per connection) and threw outside any
  // test: Jest ended with no summary.
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', rootDir: '.', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      // Services against a real PostgreSQL, called as their callers call them, without HTTP (test/service).
      ...common,
      displayName: 'service',
      rootDir: '.',
      testMatch: ['<rootDir>/test/service/**/*.service-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      // Fails a test whose answers /docs-json cannot place or whose requests to Market leave its spec.
      setupFilesAfterEnv: ['<rootDir>/test/support/contract-setup.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
