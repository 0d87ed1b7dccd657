/**
 * Jest runs the TypeScript sources as real ES modules (ts-jest ESM mode, started with
 * NODE_OPTIONS=--experimental-vm-modules by `npm test`), so jose v6 (ESM-only) loads as is.
 * Workspace packages resolve to their sources: tests never depend on a stale build.
 * Type errors are caught by `npm run typecheck`, not here (transpile-only keeps Jest fast).
 */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@portcullis/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
  testMatch: [
    '<rootDir>/packages/*/test/**/*.test.ts',
    '<rootDir>/test/**/*.test.ts',
    '<rootDir>/examples/*/test/**/*.test.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 20000,
}
