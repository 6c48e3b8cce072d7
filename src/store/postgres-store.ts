// The PostgreSQL store: the Store contract over a schema of one database, shared by every Warden
// process of a cluster. Task rows hold each task's latest state (and its lease); the transitions
// table is the journal and the audit trail; node_state keeps each process's own snapshot (agents,
// supervisors, alerts). Writes go through the group-commit writer (postgres-writer.ts), one
// statement a batch (postgres-batch.ts).
import type pg from 'pg';
import { WardenError } from '../errors.ts';
import type { Clock, TransitionRecord } from '../types.ts';
import type { Restored, SnapshotBuilder, Store, StoreEntry } from './contract.ts';
import { checkConnects, createPool, quoteSchema, unavailable, type PostgresOptions } from './postgres-connect.ts';
import { migrate } from './postgres-migrations.ts';
import { loadState } from './postgres-restore.ts';
import { createWriter, type Writer, type WriterOptions } from './postgres-writer.ts';
import type { JournalLine, PersistedState } from './state.ts';

export interface PostgresStoreOptions extends PostgresOptions {
  /** this process's name in the cluster */
  node: string;
  clock: Clock;
  maxAlerts: number;
  /** finished tasks read back into memory at open, newest first. @defaultValue all */
  maxFinished?: number;
  /** @defaultValue 15000 */
  leaseMs?: number;
  /** whether this process holds a task (the cluster's claims); without a cluster no task is held */
  holds?(id: string): boolean;
  onFenced?(ids: string[]): void;
  /** a write failed after its caller was answered, or the database went away */
  onError(err: unknown): void;
  onHealthy?(healthy: boolean): void;
}

export interface PostgresStore extends Store {
  readonly pool: pg.Pool;
  /** the quoted schema */
  readonly schema: string;
  readonly channel: string;
  /** false while the database does not take writes */
  readonly healthy: boolean;
  /** the migrations this process applied at open (empty when another had) */
  readonly migrated: number[];
  /** the last journal row the restored state includes */
  readonly restoredGid: number;
  readonly node: string;
}

export function createPostgresStore(o: PostgresStoreOptions): PostgresStore {
  const schemaName = o.schema ?? 'warden';
  const schema = quoteSchema(schemaName);
  const channel = `warden_${schemaName}`;
  let pool: pg.Pool | undefined;
  let writer: Writer | undefined;
  let n = 0;
  let migrated: number[] = [];
  let restoredGid = 0;
  let closing: Promise<void> | undefined;

  const store: PostgresStore = {
    get pool() {
      if (!pool) throw new Error('the PostgreSQL store is not open');
      return pool;
    },
    schema,
    channel,
    get healthy() {
      return writer?.healthy ?? false;
    },
    get migrated() {
      return migrated;
    },
    get restoredGid() {
      return restoredGid;
    },
    get node() {
      return o.node;
    },

    async open(): Promise<Restored> {
      if (pool) throw new Error(`the PostgreSQL store (schema ${schemaName}) is already open`);
      const p = createPool(o);
      let state: PersistedState;
      try {
        migrated = await connectAndMigrate(p, o.connectionString, schemaName, schema);
        const loaded = await loadState(p, schema, o.node, o.maxAlerts, o.maxFinished);
        state = loaded.state;
        restoredGid = loaded.gid;
        n = state.n;
        pool = p;
      } catch (err) {
        await p.end().catch(() => {});
        throw err;
      }
      writer = createWriter(writerOptions(o, pool, schema, channel));
      return { state, warnings: [] };
    },

    append(entry: StoreEntry) {
      const w = must(writer, schemaName);
      w.push({ ...entry, n: ++n } as JournalLine);
    },
    durable: () => durable(must(writer, schemaName), o.connectionString),
    flush: () => must(writer, schemaName).flush(),

    async snapshot(build: SnapshotBuilder) {
      const w = must(writer, schemaName);
      w.flush();
      const { tasks: _none, ...state } = build(n, { tasks: false });
      await w.settled();
      // A snapshot must not claim lines the database has not taken.
      if (!w.healthy) throw unavailable(o.connectionString, new Error('journal lines are waiting to be written'));
      await saveNodeState(store.pool, schema, o.node, state);
    },

    async history(taskId: string): Promise<TransitionRecord[]> {
      const w = must(writer, schemaName);
      w.flush();
      await w.settled();
      return readHistory(store.pool, schema, taskId);
    },

    close() {
      closing ??= shutDown(pool, writer);
      return closing;
    },
  };
  return store;
}

/** The writer of an open store. */
function must(writer: Writer | undefined, schemaName: string): Writer {
  if (!writer) throw new Error(`the PostgreSQL store (schema ${schemaName}) is not open: call open() first`);
  return writer;
}

/** The migrations this call applied; a database that refuses them reads as unavailable. */
async function connectAndMigrate(p: pg.Pool, connectionString: string, schemaName: string, schema: string): Promise<number[]> {
  await checkConnects(p, connectionString);
  return migrate(p, schemaName, schema).catch((err: unknown) => {
    throw unavailable(connectionString, err);
  });
}

function writerOptions(o: PostgresStoreOptions, pool: pg.Pool, schema: string, channel: string): WriterOptions {
  return {
    pool,
    schema,
    channel,
    node: o.node,
    clock: o.clock,
    holds: o.holds ?? (() => false),
    leaseMs: o.leaseMs ?? 15_000,
    onFenced: o.onFenced ?? (() => {}),
    onError: o.onError,
    onHealthy: o.onHealthy ?? (() => {}),
  };
}

/** A failure that is not already one of the store's own reads as the database being unavailable. */
function durable(w: Writer, connectionString: string): Promise<void> {
  return w.durable().catch((err: unknown) => {
    throw isStoreError(err) ? err : unavailable(connectionString, err);
  });
}

function isStoreError(err: unknown): boolean {
  return err instanceof WardenError;
}

/** This process's own snapshot (agents, supervisors, alerts); task rows are the tasks' state, so none are kept here. */
async function saveNodeState(pool: pg.Pool, schema: string, node: string, state: Omit<PersistedState, 'tasks'>): Promise<void> {
  await pool.query(
    `INSERT INTO ${schema}.node_state (node, n, state) VALUES ($1, $2, $3)
     ON CONFLICT (node) DO UPDATE SET n = excluded.n, state = excluded.state, saved_at = now()`,
    [node, state.n, JSON.stringify({ ...state, tasks: {} })],
  );
}

async function readHistory(pool: pg.Pool, schema: string, taskId: string): Promise<TransitionRecord[]> {
  const { rows } = await pool.query<{ r: TransitionRecord }>(
    `SELECT line->'r' AS r FROM ${schema}.transitions WHERE task_id = $1 AND line ? 'r' ORDER BY gid`,
    [taskId],
  );
  return rows.map((row) => row.r);
}

/** The writer's last batch first, then the pool; a store that never opened has nothing to close. */
async function shutDown(pool: pg.Pool | undefined, writer: Writer | undefined): Promise<void> {
  if (!pool) return;
  try {
    await writer?.close();
  } finally {
    await pool.end().catch(() => {});
  }
}
