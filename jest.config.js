/** Unit tests (`*.spec.ts`, beside the code), integration tests (`apps/<app>/test/*.e2e-spec.ts`) and tests across apps (`test/*.e2e-spec.ts`). */
module.exports = {
  rootDir: '.',
  roots: [
    '<rootDir>/apps',
    '<rootDir>/libs',
    '<rootDir>/tools',
    '<rootDir>/infra',
    '<rootDir>/test',
  ],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }],
    // ES-module-only dependencies (of @fastify/static) turned into CommonJS for jest.
    '/node_modules/content-disposition/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, module: 'commonjs' }, isolatedModules: true },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  moduleNameMapper: {
    '^@app/contracts(|/.*)$': '<rootDir>/libs/contracts/src$1',
    '^@app/messaging(|/.*)$': '<rootDir>/libs/messaging/src$1',
    '^@app/platform(|/.*)$': '<rootDir>/libs/platform/src$1',
    '^@app/telemetry/(.*)$': '<rootDir>/libs/telemetry/src/$1',
  },
  testEnvironment: 'node',
  globalSetup: '<rootDir>/tools/testing/global-setup.ts',
  globalTeardown: '<rootDir>/tools/testing/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
