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
    // A temp folder per run, checked empty at the end (test/support/temp-dir-check.ts); then one real
    // PostgreSQL server for the run, inside it (teardowns run in reverse, so the check comes last).
    // Each file that needs PostgreSQL gets its own database.
    globalSetup: ['./test/support/temp-dir-check.ts', './test/support/postgres-setup.ts'],
    // Removes the temp folders and kills the processes each file made (test/support/temp.ts).
    setupFiles: ['./test/support/cleanup-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
