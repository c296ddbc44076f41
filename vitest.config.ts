import { defineConfig } from 'vitest/config';

// One run covers every package's `test/` folder and the whole-network tests in `test/e2e`.
// The JSON report is what `.ci/run` counts; `test/bench` never runs here.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/bench/**'],
    reporters: ['default', 'json'],
    outputFile: { json: '.tonle/test-report.json' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
