// vitest globalSetup: one PostgreSQL server for the whole run, stopped and deleted at teardown.
import type { TestProject } from 'vitest/node';
// Type-only: brings the ProvidedContext declaration without loading vitest's test API here.
import type {} from './postgres.ts';
import { type PostgresServer, PostgresUnavailableError, startPostgresServer } from './postgres-server.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: PostgresServer | undefined;
  try {
    server = await startPostgresServer();
    project.provide('postgres', { adminUrl: server.adminUrl, socketDir: server.socketDir });
  } catch (error) {
    // Only the PostgreSQL tests need it: they fail with this sentence, the others run.
    if (!(error instanceof PostgresUnavailableError)) throw error;
    project.provide('postgres', { unavailable: error.message });
  }
  return async () => {
    await server?.stop();
  };
}
