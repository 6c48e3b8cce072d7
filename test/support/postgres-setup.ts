// Vitest global setup: probes the PostgreSQL the PostgreSQL tests use, once for the whole run, and
// says in one line what is skipped when there is none.
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { withDefaultUser } from '../../src/store/postgres-connect.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** the test database's URL, or '' when none answered */
    pgUrl: string;
  }
}

export const DEFAULT_TEST_PG_URL = 'postgres://127.0.0.1/test';

export default async function setup(project: TestProject): Promise<void> {
  const url = process.env.WARDEN_TEST_DATABASE_URL ?? DEFAULT_TEST_PG_URL;
  const client = new pg.Client({ connectionString: withDefaultUser(url), connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    project.provide('pgUrl', url);
  } catch {
    project.provide('pgUrl', '');
    console.warn(
      `PostgreSQL tests skipped: no PostgreSQL at ${url} (test/store/contract, test/cluster/*). Start one (trust auth) or set WARDEN_TEST_DATABASE_URL and run npx vitest run test/store/contract.test.ts test/cluster`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}
