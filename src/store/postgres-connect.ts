// Opens the PostgreSQL pool and names what went wrong when it cannot: the connection string with its
// password redacted, and the driver's reason.
import { userInfo } from 'node:os';
import pg from 'pg';
import { WardenError } from '../errors.ts';

export interface PostgresOptions {
  connectionString: string;
  /** the schema every table lives in; created when missing. @defaultValue 'warden' */
  schema?: string;
}

/** A schema name is spliced into SQL, so only plain identifiers pass. */
export const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`; also `password=` parameters. */
export function redactConnectionString(cs: string): string {
  return cs.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@').replace(/(password=)[^&\s]*/gi, '$1***');
}

export function quoteSchema(schema: string): string {
  if (!SCHEMA_PATTERN.test(schema)) {
    throw new WardenError('invalid_config', `store.postgres.schema must be a lower-case identifier (${SCHEMA_PATTERN}), got ${JSON.stringify(schema)}`, {
      field: 'store.postgres.schema',
    });
  }
  return `"${schema}"`;
}

/** A small pool: one writer, one reader for claims and history, one spare; the listener has its own client. */
export function createPool(opts: PostgresOptions, max = 4): pg.Pool {
  const pool = new pg.Pool({ connectionString: withDefaultUser(opts.connectionString), max, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 10_000 });
  // An idle client that loses its server emits here; the next query reports it where it matters.
  pool.on('error', () => {});
  // A checked-out client between two queries has no listener of the pool's: without one of its own a
  // lost connection would be an uncaught 'error' that ends the process. Its next query fails instead.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** Rejects with a clear error naming the (redacted) connection string when the database does not answer. */
export async function checkConnects(pool: pg.Pool, cs: string): Promise<void> {
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    throw unavailable(cs, err);
  }
}

export function unavailable(cs: string, err: unknown): WardenError {
  const reason = err instanceof Error ? err.message || (err as NodeJS.ErrnoException).code || err.name : String(err);
  return new WardenError('store_unavailable', `PostgreSQL at ${redactConnectionString(cs)} is not reachable: ${reason}`, {
    connectionString: redactConnectionString(cs),
  });
}

/**
 * libpq (psql) connects as the OS user when the URL names none; node-postgres would send no user at
 * all, so `postgres://127.0.0.1/test` is given $PGUSER or the OS user the way psql would.
 */
export function withDefaultUser(cs: string): string {
  let url: URL;
  try {
    url = new URL(cs);
  } catch {
    return cs;
  }
  if (!/^postgres(ql)?:$/.test(url.protocol) || url.username !== '' || url.searchParams.has('user')) return cs;
  url.username = encodeURIComponent(process.env.PGUSER ?? userInfo().username);
  return url.toString();
}
