// The tasks this process holds on a cluster: the row of a task it takes becomes its local state,
// a task taken from a dead process continues the way a restored one does, leases are renewed, and a
// task this process does not keep goes back to the pool without an actor.
import type { ClusterSql } from '../store/postgres-cluster-sql.ts';
import { taskOfRow, type TaskRowRead } from '../store/postgres-restore.ts';
import type { ClusterDeps } from './cluster-deps.ts';
import { resumeTask } from './restore.ts';
import type { TaskEntry } from './tasks.ts';

export interface Leases {
  /** the tasks this process holds, with the time it took (or last wrote) each */
  held: Map<string, number>;
  /** The row is the truth for a task this process just took: the local entry takes its state. */
  adopt(row: TaskRowRead): TaskEntry;
  /** a task taken over from a dead process continues the way a restored one does */
  resume(entry: TaskEntry): void;
  /** the task is not this process's any more: it rests without an actor unless an attempt runs */
  letGo(entry: TaskEntry): void;
  /** extends every lease; false when the database did not answer */
  renew(): Promise<boolean>;
}

export function createLeases(d: ClusterDeps, sql: ClusterSql): Leases {
  const { tasks, engine, clock } = d;
  const now = () => clock.now();
  const leaseMs = d.config.leaseMs;
  const held = new Map<string, number>();

  return {
    held,
    adopt(row) {
      const t = taskOfRow(row);
      let entry = tasks.get(row.id);
      if (!entry) {
        entry = tasks.add({ id: row.id, createdAt: t.createdAt, updatedAt: t.updatedAt, idempotencyKey: t.idempotencyKey, context: t.ctx, history: [] });
      } else {
        entry.actor?.stop();
        entry.actor = undefined;
        entry.context = t.ctx;
      }
      held.set(row.id, now());
      return entry;
    },
    resume(entry) {
      resumeTask({ tasks, agents: d.agents, engine, decide: d.decide, clock, logger: d.logger, live: d.live }, entry);
    },
    letGo(entry) {
      held.delete(entry.id);
      // Outside the transition that brought it here: the actor is mid-step.
      setImmediate(() => {
        if (held.has(entry.id) || !entry.actor || engine.attempt(entry.id)) return;
        if (entry.context.status === 'ASSIGNED' || entry.context.status === 'PENDING') {
          entry.actor.stop();
          entry.actor = undefined;
        }
      });
    },
    async renew() {
      try {
        // Only what this process holds: a row that names it but that it let go of (or forgot in a
        // race with a hand-back) lapses, and whoever takes it over, this process included, runs it.
        const still = await sql.renew(now(), leaseMs, [...held.keys()]);
        // Not renewed: lost to another process (its records follow in the tail), unless taken since the renewal began.
        for (const [id, since] of held) if (!still.has(id) && since < now() - leaseMs) held.delete(id);
        return true;
      } catch {
        return false;
      }
    },
  };
}
