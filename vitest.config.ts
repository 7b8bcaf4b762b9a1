import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The web board's .tsx components use Hono's JSX runtime (as tsconfig.json says for tsc and tsx).
  oxc: { jsx: { runtime: 'automatic', importSource: 'hono/jsx' } },
  test: {
    include: ['test/**/*.test.ts'],
    // Each file starts its own emulators on random ports, so files can run in parallel;
    // two workers match the two cores CI has.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
