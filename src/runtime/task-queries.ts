// Reading tasks: one task, a page of them, a task's history and its result; finished tasks that left
// memory are read back from the journal until retention.
import { WardenError } from '../errors.ts';
import { TERMINAL_STATUSES } from '../types.ts';
import type { Core } from './core.ts';
import { taskView, type TaskEntry } from './tasks.ts';
import type { Warden } from './warden-api.ts';

export type TaskQueries = Pick<Warden, 'result' | 'get' | 'list' | 'history'>;

export function taskQueries(core: Core): TaskQueries {
  const { tasks } = core;

  /** A finished task that left memory, read back from the journal (undefined when it never was, or is past retention). */
  function fromDisk(id: unknown): TaskEntry | undefined {
    if (!core.persist || typeof id !== 'string' || !core.archive.has(id)) return undefined;
    const t = core.replay.taskOf(id);
    if (!t || !TERMINAL_STATUSES.includes(t.ctx.status)) return undefined;
    return { id, order: -1, createdAt: t.createdAt, updatedAt: t.updatedAt, idempotencyKey: t.idempotencyKey, context: t.ctx, history: t.history };
  }

  return {
    result(id) {
      const entry = tasks.get(id) ?? fromDisk(id);
      if (!entry) return Promise.reject(new WardenError('not_found', `no task with id ${String(id)}`, { id }));
      if (entry.context.status === 'SUCCEEDED') return Promise.resolve(entry.context.output);
      if (entry.context.status === 'CANCELLED') return Promise.reject(new WardenError('cancelled', `task ${id} was cancelled`, { id }));
      return new Promise((resolve, reject) => (entry.waiters ??= []).push({ resolve, reject }));
    },

    get(id) {
      const entry = tasks.get(id) ?? fromDisk(id);
      return entry ? taskView(entry) : undefined;
    },

    list(q = {}) {
      const { items, nextCursor } = tasks.list(q);
      return { items: items.map(taskView), nextCursor };
    },

    history(id) {
      const entry = typeof id === 'string' ? tasks.get(id) : undefined;
      if (entry) return [...entry.history];
      // A finished task that left memory and the snapshot; its records are still in the journal.
      const records = core.persist && typeof id === 'string' && core.archive.has(id) ? core.replay.ofTask(id) : [];
      if (records.length > 0) return records;
      throw new WardenError('not_found', `no task with id ${String(id)}`, { id });
    },
  };
}
