// Versioned schema migrations, run at start under an advisory lock so that N processes starting at
// once migrate once: the first applies what is missing, the others wait and find nothing to do.
import type pg from 'pg';

/** Each entry runs once, in order, in its own transaction; never edit one that has shipped, add the next. */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: (s: string) => string }> = [
  {
    version: 1,
    name: 'tasks, transitions, node state',
    sql: (s) => `
      CREATE TABLE ${s}.tasks (
        id text PRIMARY KEY,
        created_order bigserial,
        agent text NOT NULL,
        type text NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        ctx jsonb NOT NULL,
        input jsonb,
        output jsonb,
        checkpoint jsonb,
        usage jsonb,
        idempotency_key text,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        lease_owner text,
        lease_until bigint
      );
      CREATE INDEX tasks_claimable ON ${s}.tasks (agent, created_order) WHERE lease_owner IS NULL AND status = 'ASSIGNED';
      CREATE INDEX tasks_leased ON ${s}.tasks (lease_until) WHERE lease_owner IS NOT NULL;
      CREATE INDEX tasks_finished ON ${s}.tasks (updated_at) WHERE status IN ('SUCCEEDED', 'CANCELLED');
      CREATE INDEX tasks_unfinished ON ${s}.tasks (created_order) WHERE status NOT IN ('SUCCEEDED', 'CANCELLED');
      CREATE INDEX tasks_idempotency ON ${s}.tasks (idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE TABLE ${s}.transitions (
        gid bigserial PRIMARY KEY,
        node text NOT NULL,
        n bigint NOT NULL,
        task_id text,
        line jsonb NOT NULL
      );
      CREATE INDEX transitions_task ON ${s}.transitions (task_id, gid) WHERE task_id IS NOT NULL;
      CREATE INDEX transitions_node ON ${s}.transitions (node, n);
      CREATE TABLE ${s}.idempotency_keys (
        key text PRIMARY KEY,
        task_id text NOT NULL,
        reserved_at bigint NOT NULL DEFAULT 0
      );
      CREATE INDEX idempotency_keys_task ON ${s}.idempotency_keys (task_id);
      CREATE TABLE ${s}.node_state (
        node text PRIMARY KEY,
        n bigint NOT NULL,
        state jsonb NOT NULL,
        saved_at timestamptz NOT NULL DEFAULT now()
      );`,
  },
  {
    version: 2,
    name: 'cluster-wide breakers',
    sql: (s) => `
      CREATE TABLE ${s}.breakers (
        agent text PRIMARY KEY,
        state text NOT NULL DEFAULT 'CLOSED',
        failures integer NOT NULL DEFAULT 0,
        window_start bigint NOT NULL DEFAULT 0,
        opened_at bigint,
        open_until bigint,
        probe_owner text,
        probe_until bigint,
        version bigint NOT NULL DEFAULT 0
      );`,
  },
];

/** The advisory lock key: one per schema, so two schemas on one database migrate independently. */
function lockKey(schema: string): string {
  return `warden:migrate:${schema}`;
}

/** Applies the missing migrations; returns the versions this call applied (empty when another process did). */
export async function migrate(pool: pg.Pool, schema: string, quoted: string): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey(schema)]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${quoted}.migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${quoted}.migrations`);
      const done = new Set(rows.map((r) => r.version));
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql(quoted));
          await client.query(`INSERT INTO ${quoted}.migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
        applied.push(m.version);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey(schema)]);
    }
  } finally {
    client.release();
  }
  return applied;
}
