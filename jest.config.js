/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: {
    '^nestjs-cached$': '<rootDir>/lib/index.ts',
    '^nestjs-cached/redis$': '<rootDir>/lib/redis/index.ts',
    '^nestjs-cached/compat$': '<rootDir>/lib/compat/index.ts',
  },
  testTimeout: 20000,
  reporters: ['default', '<rootDir>/test/reporters/summary-line.js'],
};
