// What an operator's command (or a submit) needs of the cluster: the task's row taken for this
// process before the command, given back when the state did not allow it, a task another process
// created read in, and idempotency keys reserved across processes.
import { WardenError } from '../errors.ts';
import type { ClusterSql } from '../store/postgres-cluster-sql.ts';
import { unavailable } from '../store/postgres-connect.ts';
import { taskOfRow } from '../store/postgres-restore.ts';
import type { ClusterDeps } from './cluster-deps.ts';
import type { Leases } from './cluster-leases.ts';
import type { TaskEntry } from './tasks.ts';

export interface ClusterCommands {
  /** before an operator's command: the task's row becomes this process's; false when another live process holds it */
  take(id: string, force: boolean): Promise<boolean>;
  /** a task another process created that this one has not heard of yet: read it into the table */
  lookup(id: string): Promise<TaskEntry | undefined>;
  /** after a command the state did not allow: give back what take() took */
  untake(id: string): void;
  /** the id of the task that holds the key across the cluster (`id` when this submit reserved it) */
  reserveKey(key: string, id: string): Promise<string>;
}

const TERMINAL = new Set(['SUCCEEDED', 'CANCELLED']);

export function createClusterCommands(d: ClusterDeps, sql: ClusterSql, leases: Leases, kickTail: () => void): ClusterCommands {
  const { tasks, store, clock, config } = d;
  const node = config.node;
  const { held } = leases;
  const connection = config.store?.postgres.connectionString ?? '';
  const takenFrom = new Map<string, string | null>();

  return {
    async take(id, force) {
      if (held.has(id)) return true;
      let res: Awaited<ReturnType<typeof sql.take>>;
      try {
        res = await sql.take(id, clock.now(), config.leaseMs, force);
      } catch (err) {
        throw unavailable(connection, err);
      }
      if (!res) return tasks.get(id) !== undefined;
      if (!res.taken) return false;
      takenFrom.set(id, res.before);
      leases.adopt(res.row);
      return true;
    },
    async lookup(id) {
      const known = tasks.get(id);
      if (known) return known;
      if (typeof id !== 'string') return undefined;
      // This process's own last writes first, so the row is not older than what it recorded.
      await store.durable().catch(() => {});
      const row = await sql.row(id).catch(() => undefined);
      if (!row) return undefined;
      const t = taskOfRow(row);
      const entry = tasks.get(id) ?? { id, order: -1, createdAt: t.createdAt, updatedAt: t.updatedAt, idempotencyKey: t.idempotencyKey, context: t.ctx, history: [] };
      // A finished one is answered from the row; an unfinished one joins the table, and the tail brings its records.
      if (entry.order === -1 && !TERMINAL.has(t.ctx.status)) {
        const added = tasks.add({ id, createdAt: t.createdAt, updatedAt: t.updatedAt, idempotencyKey: t.idempotencyKey, context: t.ctx, history: [] });
        kickTail();
        return added;
      }
      return entry;
    },
    untake(id) {
      if (!takenFrom.has(id)) return;
      const before = takenFrom.get(id);
      takenFrom.delete(id);
      if (before === node) return;
      held.delete(id);
      const entry = tasks.get(id);
      if (entry) leases.letGo(entry);
      void sql.release(id).catch(() => {});
    },
    async reserveKey(key, id) {
      try {
        return await sql.reserveKey(key, id, clock.now());
      } catch (err) {
        throw err instanceof WardenError ? err : unavailable(connection, err);
      }
    },
  };
}
