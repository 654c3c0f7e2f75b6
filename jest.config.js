// The product turns ONNX Runtime's telemetry off from its main thread (libs/vision/src/onnx/ort-telemetry.ts), but in
// jest a test's `process.env` is a copy the native runtime never sees: set it here, for the workers and their children.
process.env.ORT_DISABLE_TELEMETRY ??= '1';

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleNameMapper: {
    // Sub-folders of the heavy libraries can be imported alone (e.g. preprocessing without the model zoo).
    '^@linescope/(vision|training)/(.*)$': '<rootDir>/libs/$1/src/$2',
    '^@linescope/(.*)$': '<rootDir>/libs/$1/src',
  },
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/support/summary.reporter.js'],
};
