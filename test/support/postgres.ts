// PostgreSQL for tests: the URL the global setup found (or '' to skip), and a schema of the test's
// own (warden_t_<random>) dropped after it, so parallel runs never touch each other's tables.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { withDefaultUser } from '../../src/store/postgres-connect.ts';

export const pgUrl = (): string => inject('pgUrl');
export const hasPg = (): boolean => pgUrl() !== '';

const schemas = new Set<string>();

export function uniqueSchema(): string {
  const s = `warden_t_${randomBytes(6).toString('hex')}`;
  schemas.add(s);
  return s;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDefaultUser(pgUrl()) });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
  schemas.delete(schema);
}

export async function dropAllSchemas(): Promise<void> {
  for (const s of [...schemas]) await dropSchema(s);
}

/** One query on a short-lived client (for assertions on the tables themselves). */
export async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: withDefaultUser(pgUrl()) });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}
