/** Unit and behaviour tests: jsdom + fake-indexeddb. Browser tests live in test/browser (npm run test:browser). */
module.exports = {
  testEnvironment: '<rootDir>/test/jsdom-env.cjs',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/browser/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }],
  },
  setupFiles: ['fake-indexeddb/auto'],
};
