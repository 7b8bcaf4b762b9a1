import { defineConfig } from 'vitest/config';

/**
 * The feature suites: they start the whole bot (test/support/harness.ts), so with TEST_DATABASE=postgres
 * they run it on PostgreSQL (`npm test` runs them a second time so). The store suites
 * (test/*-engines.test.ts) and test/multi-process.test.ts cover both engines in the first run.
 */
const FEATURE_SUITES = [
  'digest-schedule',
  'hub-command',
  'ideas-defects',
  'ideas-filing',
  'ideas-flow',
  'ideas-sync-queue',
  'ideas-sync',
  'interaction-rest',
  'message-content',
  'operations-logs',
  'readiness',
  'router',
  'scheduler',
  'sharding',
  'tracking-commands',
  'tracking-failures',
  'tracking-issue-activity',
  'tracking-releases',
  'tracking-secondary-limits',
  'try-attachments',
  'try-e2e',
  'try-flow',
  'try-limits',
  'try-providers',
  'try-rate',
  'try-review',
  'try-router',
  'try-watsonx',
  'web-app',
  'web-board',
  'web-content',
  'web-links',
].map((name) => `test/${name}.test.ts`);
const onPostgres = process.env.TEST_DATABASE === 'postgres';

export default defineConfig({
  // The web board's .tsx components use Hono's JSX runtime (as tsconfig.json says for tsc and tsx).
  oxc: { jsx: { runtime: 'automatic', importSource: 'hono/jsx' } },
  test: {
    include: onPostgres ? FEATURE_SUITES : ['test/**/*.test.ts'],
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
