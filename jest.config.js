/**
 * Jest runs in its native ESM mode (`node --experimental-vm-modules`) because `payload` is ESM-only.
 * ts-jest compiles TypeScript as ESM; relative `.js` specifiers are mapped back to their `.ts` sources.
 */
/** @type {import('jest').Config} */
export default {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 120000,
  globalSetup: '<rootDir>/test/support/globalSetup.mjs',
  globalTeardown: '<rootDir>/test/support/globalTeardown.mjs',
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  // Integration suites share one DynamoDB Local and the machine has 2 cores.
  maxWorkers: 2,
  // A worker that booted Payload many times is replaced once its heap passes this: without it the
  // last worker was still busy when Jest ended it ("failed to exit gracefully"), and runs took longer.
  workerIdleMemoryLimit: '1500MB',
}
