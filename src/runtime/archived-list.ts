// `list()` with the status of a finished task: the tasks in memory and those that left it (the
// archive catalogue) as one list in creation order. The cursor is the creation key (the seq of a
// task's first record) of the next task to show, so it holds across evictions and restarts.
import type { ArchiveCatalog } from '../store/archive-catalog.ts';
import type { PersistedTask } from '../store/state.ts';
import type { TaskStatus, TaskView } from '../types.ts';
import { checkLimit, checkOrder, cursorPosition, taskView, type ListQuery, type TaskEntry, type TaskTable } from './tasks.ts';

/** A task's place in creation order: the seq of its first record (PENDING). */
export function creationKey(e: { history: ReadonlyArray<{ seq: number }> }): number {
  return e.history[0]?.seq ?? 0;
}

export function archivedEntry(t: PersistedTask): TaskEntry {
  return { id: t.ctx.id, order: -1, createdAt: t.createdAt, updatedAt: t.updatedAt, idempotencyKey: t.idempotencyKey, context: t.ctx, history: t.history };
}

export function listWithArchive(
  tasks: TaskTable,
  catalog: ArchiveCatalog,
  q: ListQuery & { status: TaskStatus },
  /** the seq of the last record: no cursor this server issued is past it */
  lastSeq: number,
  /** tasks that finished before this (epoch ms) are past retention */
  since: number,
): { items: TaskView[]; nextCursor: string | null } {
  const { status, agent, type, order = 'asc' } = q;
  checkOrder(order);
  const limit = checkLimit(q.limit ?? 100);
  const from = q.cursor === undefined ? undefined : cursorPosition(q.cursor, lastSeq + 1);
  const asc = order === 'asc';
  const inRange = (k: number) => from === undefined || (asc ? k >= from : k <= from);
  const matches = (c: { status: TaskStatus; agent: string; type: string }) =>
    c.status === status && (!agent || c.agent === agent) && (!type || c.type === type);

  const merged: Array<{ q: number; entry: TaskEntry }> = [];
  for (const e of tasks.all()) {
    const k = creationKey(e);
    if (matches(e.context) && inRange(k)) merged.push({ q: k, entry: e });
  }
  // One more than a page: whether there is a next page, and where it starts.
  const archived = catalog.page({
    from,
    order,
    limit: limit + 1,
    // A task restored from a snapshot taken just before it left memory is in both: memory wins.
    keep: (t) => matches(t.ctx) && t.updatedAt >= since && !tasks.get(t.ctx.id),
  });
  for (const a of archived) merged.push({ q: a.q, entry: archivedEntry(a.t) });
  merged.sort((x, y) => (asc ? x.q - y.q : y.q - x.q));
  const next = merged[limit];
  return { items: merged.slice(0, limit).map((m) => taskView(m.entry)), nextCursor: next ? next.q.toString(36) : null };
}
