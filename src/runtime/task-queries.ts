// Reading tasks: one task, a page of them, a task's history and its result; finished tasks that left
// memory are read back from the journal until retention.
import { WardenError } from '../errors.ts';
import type { PersistedTask } from '../store/state.ts';
import { TERMINAL_STATUSES } from '../types.ts';
import { archivedEntry, listWithArchive } from './archived-list.ts';
import type { Core } from './core.ts';
import { taskView, type TaskEntry } from './tasks.ts';
import type { Warden } from './warden-api.ts';

export type TaskQueries = Pick<Warden, 'result' | 'get' | 'list' | 'history'>;

function outcome(entry: TaskEntry): Promise<unknown> {
  const id = entry.id;
  if (entry.context.status === 'SUCCEEDED') return Promise.resolve(entry.context.output);
  if (entry.context.status === 'CANCELLED') return Promise.reject(new WardenError('cancelled', `task ${id} was cancelled`, { id }));
  return new Promise((resolve, reject) => (entry.waiters ??= []).push({ resolve, reject }));
}

export function taskQueries(core: Core): TaskQueries {
  const { tasks } = core;

  /** A finished task that left memory, from the archive catalogue (or, when it left before the
   *  catalogue existed, folded from the journal); undefined when it never was, or is past retention. */
  function fromDisk(id: unknown): PersistedTask | undefined {
    if (!core.files || typeof id !== 'string' || !core.archive.has(id)) return undefined;
    const t = core.catalog?.find(id) ?? core.replay.taskOf(id);
    if (!t || !TERMINAL_STATUSES.includes(t.ctx.status) || t.updatedAt < core.clock.now() - core.config.retentionMs) return undefined;
    return t;
  }

  function archivedView(id: unknown): TaskEntry | undefined {
    const t = fromDisk(id);
    return t && archivedEntry(t);
  }

  return {
    result(id) {
      const entry = tasks.get(id) ?? archivedView(id);
      if (entry) return outcome(entry);
      const missing = () => Promise.reject(new WardenError('not_found', `no task with id ${String(id)}`, { id }));
      // Submitted through another process a moment ago, or finished and out of memory: read its row.
      if (core.cluster) return core.cluster.lookup(id).then((e) => (e ? outcome(e) : missing()));
      return missing();
    },

    get(id) {
      const entry = tasks.get(id) ?? archivedView(id);
      return entry ? taskView(entry) : undefined;
    },

    list(q = {}) {
      // Finished tasks that left memory are listed too, from the catalogue, while within retention.
      if (core.catalog && q.status && TERMINAL_STATUSES.includes(q.status)) {
        return listWithArchive(tasks, core.catalog, { ...q, status: q.status }, core.bus.seq, core.clock.now() - core.config.retentionMs);
      }
      const { items, nextCursor } = tasks.list(q);
      return { items: items.map(taskView), nextCursor };
    },

    history(id) {
      const entry = typeof id === 'string' ? tasks.get(id) : undefined;
      if (entry) return [...entry.history];
      // A finished task that left memory and the snapshot: its history is in the catalogue.
      const t = fromDisk(id);
      if (t) return [...t.history];
      throw new WardenError('not_found', `no task with id ${String(id)}`, { id });
    },
  };
}
