// The PostgreSQL store: the Store contract over a schema of one database, shared by every Warden
// process of a cluster. Task rows hold each task's latest state (and its lease); the transitions
// table is the journal and the audit trail; node_state keeps each process's own snapshot (agents,
// supervisors, alerts). Writes go through the group-commit writer (postgres-writer.ts).
import type pg from 'pg';
import { WardenError } from '../errors.ts';
import type { Clock, TransitionRecord } from '../types.ts';
import type { Restored, SnapshotBuilder, Store, StoreEntry } from './contract.ts';
import { checkConnects, createPool, quoteSchema, unavailable, type PostgresOptions } from './postgres-connect.ts';
import { migrate } from './postgres-migrations.ts';
import { loadState } from './postgres-restore.ts';
import { createWriter, type Writer } from './postgres-writer.ts';
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

  function must(): Writer {
    if (!writer) throw new Error(`the PostgreSQL store (schema ${schemaName}) is not open: call open() first`);
    return writer;
  }

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
        await checkConnects(p, o.connectionString);
        migrated = await migrate(p, schemaName, schema).catch((err: unknown) => {
          throw unavailable(o.connectionString, err);
        });
        const loaded = await loadState(p, schema, o.node, o.maxAlerts, o.maxFinished);
        state = loaded.state;
        restoredGid = loaded.gid;
        n = state.n;
        pool = p;
      } catch (err) {
        await p.end().catch(() => {});
        throw err;
      }
      writer = createWriter({
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
      });
      return { state, warnings: [] };
    },

    append(entry: StoreEntry) {
      const w = must();
      w.push({ ...entry, n: ++n } as JournalLine);
    },
    durable: () =>
      must()
        .durable()
        .catch((err: unknown) => {
          throw isStoreError(err) ? err : unavailable(o.connectionString, err);
        }),
    flush: () => must().flush(),

    async snapshot(build: SnapshotBuilder) {
      const w = must();
      w.flush();
      const { tasks: _none, ...state } = build(n, { tasks: false });
      await w.settled();
      // A snapshot must not claim lines the database has not taken.
      if (!w.healthy) throw unavailable(o.connectionString, new Error('journal lines are waiting to be written'));
      await store.pool.query(
        `INSERT INTO ${schema}.node_state (node, n, state) VALUES ($1, $2, $3)
         ON CONFLICT (node) DO UPDATE SET n = excluded.n, state = excluded.state, saved_at = now()`,
        [o.node, state.n, JSON.stringify({ ...state, tasks: {} })],
      );
    },

    async history(taskId: string): Promise<TransitionRecord[]> {
      const w = must();
      w.flush();
      await w.settled();
      const { rows } = await store.pool.query<{ r: TransitionRecord }>(
        `SELECT line->'r' AS r FROM ${schema}.transitions WHERE task_id = $1 AND line ? 'r' ORDER BY gid`,
        [taskId],
      );
      return rows.map((row) => row.r);
    },

    close() {
      closing ??= (async () => {
        if (!pool) return;
        try {
          await writer?.close();
        } finally {
          await pool.end().catch(() => {});
        }
      })();
      return closing;
    },
  };
  return store;
}

function isStoreError(err: unknown): boolean {
  return err instanceof WardenError;
}
